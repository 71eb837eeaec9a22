"""Form fields of type list: lines of records a decider corrects, adds or removes.

One set of checks serves the process (which refuses a bad decision before accepting it),
the inbox (which shows each problem next to its cell) and the command line, so all three
say the same words. A problem names the field, the row (counted from 1, as a person
counts lines) and the column.

Numbers travel as the project's amounts do (:data:`backoffice.money.Amount`): a JSON
number when a double holds the value exactly, exact decimal text otherwise, never a
rounded float.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import TypeAdapter

from backoffice.language import model
from backoffice.language.expressions import ExpressionError, Scope, render
from backoffice.language.file_fields import file_problem
from backoffice.money import Amount

MAX_ROWS = 200  # without max_items: a form is not a spreadsheet, and history has limits
MAX_CELL_TEXT = 4000
_AMOUNT: TypeAdapter[Decimal] = TypeAdapter(Amount)


@dataclass(frozen=True)
class CellProblem:
    """What is wrong, and where: the row (from 1) and the column, when it is one cell."""

    field: str
    message: str
    row: int | None = None
    column: str | None = None
    column_id: str | None = None  # where a form shows it; the message names the label

    def __str__(self) -> str:
        where = self.field
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", {self.column}"
        return f"{where}: {self.message}"


def label(field: model.FormField) -> str:
    return field.label or field.id


def wire_number(value: Decimal) -> int | float | str:
    """A number as it crosses the workflow: exact, as amounts do."""
    wired: int | float | str = _AMOUNT.dump_python(value, mode="json")
    return wired


def list_problems(field: model.FormField, value: Any) -> list[CellProblem]:
    """Every problem of a list field's value, in the order a person reads the form."""
    columns = field.fields or []
    name = label(field)
    rows = [] if value is None else value
    if not isinstance(rows, list):
        return [CellProblem(name, "must be a list of rows (one record per line)")]
    problems: list[CellProblem] = []
    fewest = field.min_items if field.min_items is not None else (1 if field.required else 0)
    most = field.max_items if field.max_items is not None else MAX_ROWS
    if len(rows) < fewest:
        problems.append(CellProblem(name, f"give at least {_rows(fewest)}"))
    if len(rows) > most:
        problems.append(CellProblem(name, f"give at most {_rows(most)} (found {len(rows)})"))
    known = {column.id: column for column in columns}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            problems.append(CellProblem(name, "must be a record of the columns", number))
            continue
        unknown = sorted(set(row) - set(known))
        if unknown:
            problems.append(
                CellProblem(
                    name,
                    f"there is no column {', '.join(unknown)} (columns: {', '.join(known)})",
                    number,
                )
            )
        for column in columns:
            cell = row.get(column.id)
            if cell in (None, ""):
                if column.required:
                    problems.append(
                        CellProblem(name, "is required", number, label(column), column.id)
                    )
                continue
            problem = cell_problem(column, cell)
            if problem:
                problems.append(CellProblem(name, problem, number, label(column), column.id))
    return problems


def check_list(field: model.FormField, value: Any) -> None:
    """Raise the first problem of a list field's value, as the process refuses it."""
    problems = list_problems(field, value)
    if problems:
        raise ValueError(str(problems[0]))


def cell_problem(column: model.FormField, value: Any) -> str | None:
    """Why one cell's value is not of its column's type, or None."""
    kind = column.type
    if kind in ("text", "string"):
        if not isinstance(value, str):
            return "must be text"
        return f"at most {MAX_CELL_TEXT} characters" if len(value) > MAX_CELL_TEXT else None
    if kind == "number":
        return None if is_number(value) else "must be a number such as 12.50"
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "must be a whole number"
    if kind == "boolean":
        return None if isinstance(value, bool) else "must be yes or no"
    if kind == "date":
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            return "must be a date (YYYY-MM-DD)"
        return None
    if kind == "choice":
        options = column.options or []
        return None if value in options else "choose one of " + ", ".join(options)
    if kind == "file":
        return file_problem(value)
    return "a list cannot hold a list"


def is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):  # exact text: more digits than a double holds
        try:
            return Decimal(value).is_finite()
        except InvalidOperation:
            return False
    return False


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def prefilled(field: model.FormField, scope: Scope) -> list[dict[str, Any]]:
    """The rows a list field opens with: its default, each record cut to the columns.

    A column the record does not have starts empty; a field of the record that is no
    column is left out (the decider sees it in the task's context, if it matters).
    """
    if field.default is None:
        return []
    value = render(field.default, scope)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(row, Mapping) for row in value):
        raise ExpressionError(
            str(field.default),
            f"the default of list field '{field.id}' must give a list of records, such as "
            "${ input.lines }",
        )
    ids = [column.id for column in field.fields or []]
    return [{key: row[key] for key in ids if key in row} for row in value]


def form_record(form: model.Form, scope: Scope) -> dict[str, Any]:
    """The form as the task's record keeps it: list fields with the rows they open with."""
    dumped = form.model_dump(mode="json")
    for spec, field in zip(dumped["fields"], form.fields, strict=True):
        if field.type != "list":
            # As forms were recorded before lists: the same record for the same form.
            for key in ("fields", "min_items", "max_items", "default"):
                spec.pop(key, None)
            continue
        spec["rows"] = prefilled(field, scope)
    return dumped
