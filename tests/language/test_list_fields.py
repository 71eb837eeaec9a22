"""List fields of task forms: what `backoffice validate` says about their columns."""

from __future__ import annotations

from backoffice.language.problems import Problem
from tests.language.helpers import FILE, problems

TEXT = """\
name: demo
version: 1
title: Demo
owner: ap
business_key: input.claim
input:
  claim: string
  lines: list
steps:
  - id: fix
    task:
      assignees: [{user: alice}]
      form:
        fields:
          - id: lines
            type: list
            default: DEFAULT
            fields:
              - {id: amount, type: number}
              - COLUMN
        outcomes: [resubmit]
      timeout: {after: 5bd, outcome: expired}
  - id: after
    wait: 1h
    if: USE
"""


def text(
    default: str = "${ input.lines }",
    column: str = "{id: note, type: text}",
    use: str = "size(steps.fix.fields.lines) > 0",
) -> str:
    return TEXT.replace("DEFAULT", default).replace("COLUMN", column).replace("USE", use)


def found(source: str) -> list[tuple[int, str, str]]:
    return [(p.line, p.path, p.message) for p in problems(source)]


def test_a_list_field_with_columns_and_a_default_is_valid() -> None:
    assert problems(text()) == []


def test_column_ids_must_differ() -> None:
    assert found(text(column="{id: amount, type: text}")) == [
        (
            19,
            "steps[0].task.form.fields[0].fields",
            "the columns of list field 'lines' need different ids; repeated: amount",
        )
    ]


def test_a_list_inside_a_list_is_refused_in_plain_words() -> None:
    column = "{id: parts, type: list, fields: [{id: part}]}"
    assert found(text(column=column)) == [
        (
            20,
            "steps[0].task.form.fields[0].fields[1].type",
            "column 'parts' of list field 'lines' cannot be a list: a form holds one table. "
            "Make it a text column, or a second list field of the form",
        )
    ]


def test_a_column_of_an_unknown_type_lists_the_types() -> None:
    (problem,) = problems(text(column="{id: note, type: money}"))
    assert problem.line == 20
    assert "steps[0].task.form.fields[0].fields[1].type" in problem.path
    assert "'text'" in problem.message
    assert "'choice'" in problem.message


def test_the_default_expression_is_checked() -> None:
    assert found(text(default="${ input.line }")) == [
        (
            17,
            "steps[0].task.form.fields[0].default",
            "the input has no field 'line'. Did you mean 'lines'? Input fields: claim, lines",
        )
    ]


def test_a_fixed_default_must_be_lines_of_records() -> None:
    (problem,) = problems(text(default="[41.28]"))
    assert problem.path == "steps[0].task.form.fields[0].default"
    assert problem.message.startswith("each line of the default of list field 'lines' is a")
    (problem,) = problems(text(default="41.28"))
    assert "an expression such as ${ input.lines }, or a list of records" in problem.message


def test_only_a_list_takes_columns_lines_bounds_and_a_default() -> None:
    source = text().replace("type: list\n", "type: text\n", 1)
    messages = [p.message for p in problems(source)]
    assert any("a field of type list needs fields: (its columns)" in m for m in messages)
    bounds = text().replace("default: ${ input.lines }", "min_items: 3\n            max_items: 2")
    assert any("min_items (3) is more than max_items (2)" in p.message for p in problems(bounds))


def test_later_steps_read_the_form_fields_and_the_columns_by_name() -> None:
    assert problems(text(use="size(steps.fix.fields.line) > 0")) == [
        Problem(
            FILE,
            25,
            14,
            "steps[1].if",
            "`steps.fix.fields` has no field 'line'. Did you mean 'lines'? Its fields: lines",
        )
    ]
    use = "steps.fix.fields.lines.exists(l, l.amout > 100)"
    (problem,) = problems(text(use=use))
    assert problem.message.startswith("`l` has no field 'amout'. Did you mean 'amount'?")
    assert problems(text(use="steps.fix.fields.lines.exists(l, l.amount > 100)")) == []
