"""Checks of a form's list fields that the model alone cannot make.

The model knows a list field has columns; these checks say, in the process owner's words,
what is wrong with them: a column id used twice, a list inside a list (a form is one
table deep), a default that is a fixed value but not a list of records.
"""

from __future__ import annotations

import re

from backoffice.language import model
from backoffice.language.problems import Reporter, did_you_mean
from backoffice.language.source import Path


def check_list_fields(reporter: Reporter, path: Path, form: model.Form) -> None:
    """Report the problems of each list field of ``form``; ``path`` is the form's."""
    for index, field in enumerate(form.fields):
        if field.type != "list":
            continue
        where = (*path, "fields", index)
        columns = field.fields or []
        ids = [column.id for column in columns]
        repeated = sorted({item for item in ids if ids.count(item) > 1})
        if repeated:
            reporter.at(
                (*where, "fields"),
                f"the columns of list field '{field.id}' need different ids; repeated: "
                + ", ".join(repeated),
            )
        for number, column in enumerate(columns):
            if column.type == "list":
                reporter.at(
                    (*where, "fields", number, "type"),
                    f"column '{column.id}' of list field '{field.id}' cannot be a list: a form "
                    "holds one table. Make it a text column, or a second list field of the form",
                )
        default = field.default
        if default is not None and not isinstance(default, str | list):
            reporter.at(
                (*where, "default"),
                f"the default of list field '{field.id}' is the lines the form opens with: "
                "an expression such as ${ input.lines }, or a list of records",
            )
        elif isinstance(default, list) and not all(isinstance(row, dict) for row in default):
            reporter.at(
                (*where, "default"),
                f"each line of the default of list field '{field.id}' is a record of its "
                f"columns, such as {{{ids[0] if ids else 'column'}: ...}}",
            )


_STRING_LITERAL = re.compile(r"'(?:\\.|[^'\\])*'|" + r'"(?:\\.|[^"\\])*"')


def form_members(source: str, step_id: str) -> list[tuple[str, int]]:
    """The form fields ``source`` reads as ``steps.<step_id>.fields.<name>``, with offsets."""
    blanked = _STRING_LITERAL.sub(lambda m: " " * len(m.group(0)), source)
    pattern = re.compile(rf"(?<![\w.])steps\s*\.\s*{re.escape(step_id)}\s*\.\s*fields\s*\.\s*(\w+)")
    return [(match.group(1), match.start(1)) for match in pattern.finditer(blanked)]


def form_member_problem(step: model.TaskStep, name: str) -> str | None:
    """Why the task's result has no form field ``name``, or None when it has."""
    # The comment is a result of its own (steps.<id>.comment), not one of the fields.
    ids = [field.id for field in step.task.form.fields if field.id != "comment"]
    if name in ids:
        return None
    if name == "comment":
        return f"the comment is a result of its own: write steps.{step.id}.comment"
    hint = did_you_mean(name, ids)
    return f"the form of step '{step.id}' has no field '{name}'.{hint} Its fields: " + (
        ", ".join(ids) or "none (declare them under form: fields:)"
    )
