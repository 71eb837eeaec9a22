"""A list field in the inbox: its lines as table rows, read back from indexed names.

Each cell is an input named ``<field>-<index>-<column>`` (``lines-0-amount``). The index
only tells rows apart: rows are read in index order, renumbered from 1 as the person
sees them. Without JavaScript the form comes with a few spare blank rows and a Remove box
on each row (``lines-0--remove``); a row left blank is no line, a row marked Remove is
dropped. With JavaScript, rows are added and removed in place, under the same names.

Problems are kept per cell (``lines-2-amount``) so the page shows each next to its
input, with everything typed still in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from starlette.datastructures import FormData

from backoffice.language import model
from backoffice.language.list_fields import list_problems, wire_number
from backoffice.money import MoneyError, parse_amount

SPARE_ROWS = 3  # blank rows for a browser without JavaScript


@dataclass
class RowView:
    """One row of the table as the page shows it: its index, texts, and problems."""

    index: int
    values: dict[str, str]
    problems: dict[str, str] = field(default_factory=dict)
    spare: bool = False


class CellProblems(ValueError):
    """Values a person typed that the form cannot send; ``problems`` maps cell names."""

    def __init__(self, message: str, problems: dict[str, str]) -> None:
        super().__init__(message)
        self.problems = problems


def as_field(spec: dict[str, Any]) -> model.FormField:
    """The form field a task's record keeps, as the language reads it."""
    return model.FormField.model_validate({k: v for k, v in spec.items() if k != "rows"})


def cell_name(field_id: str, index: int, column_id: str) -> str:
    return f"{field_id}-{index}-{column_id}"


def _indices(field_id: str, submitted: FormData) -> list[int]:
    pattern = re.compile(rf"^{re.escape(field_id)}-(\d+)-\w+$")
    found = {int(m.group(1)) for key in submitted if (m := pattern.match(str(key)))}
    return sorted(found)


def _text(submitted: FormData, name: str) -> str:
    raw = submitted.get(name)
    return raw.strip() if isinstance(raw, str) else ""


def submitted_rows(spec: dict[str, Any], submitted: FormData) -> list[RowView]:
    """The rows the person kept, as typed: blank rows and rows marked Remove left out."""
    field_id = spec["id"]
    rows: list[RowView] = []
    for index in _indices(field_id, submitted):
        # "--remove": no column id has a dash, so a column may be called remove.
        if _text(submitted, f"{field_id}-{index}--remove") == "on":
            continue
        values = {
            column["id"]: _text(submitted, cell_name(field_id, index, column["id"]))
            for column in spec.get("fields", [])
        }
        if any(values.values()):
            rows.append(RowView(index, values))
    return rows


def read_rows(spec: dict[str, Any], submitted: FormData) -> list[dict[str, Any]]:
    """The list's value, typed per column; CellProblems naming each bad cell."""
    field = as_field(spec)
    columns = field.fields or []
    views = submitted_rows(spec, submitted)
    records: list[dict[str, Any]] = []
    problems: dict[str, str] = {}
    first: str | None = None
    for number, view in enumerate(views, start=1):
        record: dict[str, Any] = {}
        for column in columns:
            text = view.values[column.id]
            if column.type == "boolean":
                record[column.id] = text == "on"
                continue
            if not text:
                continue
            try:
                record[column.id] = _typed(column, text)
            except ValueError as error:
                name = cell_name(field.id, view.index, column.id)
                problems[name] = str(error)
                where = f"{field.label or field.id}, row {number}, {column.label or column.id}"
                first = first or f"{where}: {error}"
        records.append(record)
    for problem in list_problems(field, records):
        if problem.row is None:
            problems.setdefault(field.id, problem.message)
        else:
            view = views[problem.row - 1]
            key = cell_name(field.id, view.index, problem.column_id or "row")
            problems.setdefault(key, problem.message)
        first = first or str(problem)
    if first is not None:
        raise CellProblems(first, problems)
    return records


def exact_number(text: str) -> int | float | str:
    """A number typed into a form, exact as amounts travel; ValueError says what to type."""
    try:
        amount: Decimal = parse_amount(text, decimal_mark=".")  # as number inputs send
    except MoneyError:
        raise ValueError(f"'{text}' is not a number such as 12.50") from None
    return wire_number(amount)


def _typed(column: model.FormField, text: str) -> Any:
    if column.type == "number":
        return exact_number(text)
    if column.type == "integer":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a whole number") from None
    return text


def shown_rows(spec: dict[str, Any], submitted: FormData | None) -> list[RowView]:
    """The rows the page shows: what was typed after a refusal, else the prefilled lines;
    then spare blank rows, within the field's most lines."""
    if submitted is not None:
        rows = submitted_rows(spec, submitted)
    else:
        rows = [
            RowView(index, {key: _cell_text(value) for key, value in record.items()})
            for index, record in enumerate(spec.get("rows") or [])
        ]
    most = spec.get("max_items") or SPARE_ROWS + len(rows)
    start = max((row.index for row in rows), default=-1) + 1
    spares = max(0, min(SPARE_ROWS, most - len(rows)))
    return rows + [RowView(start + n, {}, spare=True) for n in range(spares)]


def _cell_text(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "on"
    return str(value)
