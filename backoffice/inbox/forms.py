"""Turning a submitted task form into a decision's typed fields.

Only the fields the task's form declares are read, each converted to its type; anything
else the browser sends (a forged ``user``, say) is ignored. The process checks the
values again before it accepts the decision.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData, UploadFile

from backoffice.inbox.list_forms import CellProblems, exact_number, read_rows


class FormProblem(ValueError):
    """A value cannot be read as its field's type; the message names the field."""


# Keeps an upload of a file field and gives its reference (field spec, the upload).
FileKeeper = Callable[[dict[str, Any], UploadFile], dict[str, Any]]


def decision_fields(
    form: dict[str, Any], submitted: FormData, files: FileKeeper | None = None
) -> tuple[str | None, dict[str, Any]]:
    """The comment and the other fields, typed as the form declares them; a file field's
    upload is kept by ``files`` and stands in the decision as its reference."""
    comment: str | None = None
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    first: str | None = None
    for spec in form.get("fields", []):
        name, kind = spec["id"], spec.get("type", "text")
        label = spec.get("label") or name
        if kind == "list":
            try:
                values[name] = read_rows(spec, submitted)
            except CellProblems as refused:
                problems.update(refused.problems)
                first = first or str(refused)
            continue
        if kind == "boolean":
            values[name] = submitted.get(name) == "on"
            continue
        if kind == "file":
            upload = submitted.get(name)
            if isinstance(upload, UploadFile) and upload.filename:
                if files is None:
                    raise FormProblem(f"{label}: this page cannot take files")
                values[name] = files(spec, upload)
            continue
        raw = submitted.get(name)
        text = raw.strip() if isinstance(raw, str) else ""
        if name == "comment":
            comment = text or None
            continue
        if not text:
            continue
        values[name] = _typed(kind, text, label)
    if first is not None:  # every bad cell at once, so one correction round does
        raise CellProblems(first, problems)
    return comment, values


def _typed(kind: str, text: str, label: str) -> Any:
    if kind == "number":  # exact, never a float: a number field may hold an amount
        try:
            return exact_number(text)
        except ValueError as problem:
            raise FormProblem(f"{label}: {problem}") from None
    try:
        if kind == "integer":
            return int(text)
    except ValueError:
        raise FormProblem(f"{label}: '{text}' is not a {kind}") from None
    return text
