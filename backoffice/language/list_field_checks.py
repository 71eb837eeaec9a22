"""Checks of a form's list fields that the model alone cannot make.

The model knows a list field has columns; these checks say, in the process owner's words,
what is wrong with them: a column id used twice, a list inside a list (a form is one
table deep), a default that is a fixed value but not a list of records.
"""

from __future__ import annotations

from backoffice.language import model
from backoffice.language.problems import Reporter
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
