"""`backoffice validate` finds operations whose types cannot work, and only those.

Types come from the definition (input fields, variables, the catalog's result models,
task forms, loop items); what it does not tell is never reported. At run time the same
inference, over the values, says why an evaluation failed.
"""

from __future__ import annotations

import re
import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from backoffice.catalog import ActionSpec, Catalog, build_catalog
from backoffice.cli.main import app
from backoffice.language import semantics
from backoffice.language.expressions import ExpressionError, evaluate
from backoffice.language.validate import validate_text
from tests.language.helpers import at, make_catalog, problems

ROOT = Path(__file__).resolve().parents[2]

# Ten lines, so a body appended after it starts on line 11.
HEADER = """\
name: demo
version: 1
title: Demo
owner: ap
business_key: input.invoice_id
input:
  invoice_id: string
  amount: number
  due: date
  supplier: {type: object, fields: {name: string, country: string}}
  lines: {type: list, items: {type: object, fields: {qty: number, sku: string}}}
  extra: any?
steps:
"""
HEADER_LINES = 13

TRIAL = """\
  - id: lines
    for_each: input.lines
    as: line
    max_items: 50
    steps:
      - id: count
        set: {position: '${ string(int(index) + 1) }'}
"""


def text_of(body: str) -> str:
    return HEADER + textwrap.indent(textwrap.dedent(body), "  ")


def messages(body: str) -> list[str]:
    return [problem.message for problem in problems(text_of(body), catalog=make_catalog())]


def condition(expression: str) -> str:
    """A step whose `if` is ``expression`` (quoted for YAML)."""
    quoted = expression.replace("'", "''")
    return f"- {{id: check, if: '{quoted}', set: {{seen: true}}}}\n"


def test_the_trial_int_plus_one_is_found_with_what_to_write_instead() -> None:
    found = problems(HEADER + TRIAL, catalog=make_catalog())
    # Line 20 is "        set: {position: '${ string(int(index) + 1) }'}": the quote is
    # at column 25, so `int(index) + 1` starts at column 36.
    assert found == [
        at(
            HEADER_LINES + 7,
            36,
            "steps[0].steps[0].set.position",
            "`int(index) + 1` adds a whole number (int) and a decimal number: numbers here are "
            "decimal, and `int(index)` gives a whole number (int), which does not mix with "
            "them. Write `string(index + 1)` (a whole decimal number is shown without "
            "decimals: 3, not 3.0)",
        )
    ]


def test_what_the_trial_suggests_instead_validates() -> None:
    fixed = TRIAL.replace("string(int(index) + 1)", "string(index + 1)")
    assert problems(HEADER + fixed, catalog=make_catalog()) == []
    whole = TRIAL.replace("string(int(index) + 1)", "string(int(index + 1))")
    assert problems(HEADER + whole, catalog=make_catalog()) == []


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (
            '"INV-" + input.amount == "INV-1"',
            '`"INV-" + input.amount` adds text and a decimal number: to put a number into '
            "text, write string(input.amount) (or use a template: 'INV-${ ... }')",
        ),
        (
            "input.due < 30",
            "`input.due < 30` compares a date (text) with a decimal number: a date is text "
            "(YYYY-MM-DD); compare it with another date, or count days with days_between(a, b)",
        ),
        (
            "input.amount.size() > 0",
            "`input.amount.size()` asks for the size of `input.amount`, which is a decimal "
            "number: size() counts the items of a list, the entries of a map or the "
            "characters of text",
        ),
        (
            'input.supplier.nmae == "ACME"',
            "`input.supplier` has no field 'nmae'. Did you mean 'name'? Its fields: name, country",
        ),
        (
            "input.lines.all(l, l.qyt > 0)",
            "`l` has no field 'qyt'. Did you mean 'qty'? Its fields: qty, sku",
        ),
        (
            "input.lines.qty > 1",
            "`input.lines` is a list, which has no field 'qty': pick one item, as in "
            "`input.lines[0].qty`, or take it from every item with `input.lines.map(x, x.qty)`",
        ),
        (
            "input.amount % 2 == 0",
            "`input.amount % 2`: % (the remainder) works on whole numbers (int) only, and "
            "numbers here are decimal: write `int(input.amount) % int(2)`",
        ),
        (
            "today < now",
            "`today < now` compares a date (text) with a time (timestamp): dates are text "
            "(YYYY-MM-DD) and now is a time; compare a date with today, or a time with now",
        ),
        (
            "now.getFullYear() + 1 > 2030",
            "`now.getFullYear() + 1` adds a whole number (int) and a decimal number: numbers "
            "here are decimal, and `now.getFullYear()` gives a whole number (int), which does "
            "not mix with them: write `double(now.getFullYear())` to make it a decimal number",
        ),
        (
            "input.amount && input.amount > 5",
            "each side of `&&` must be true or false, and `input.amount` is a decimal number: "
            'compare it, as in `x > 0` or `x != ""`',
        ),
        (
            '"X" in input.invoice_id',
            '`"X" in input.invoice_id`: `in` looks in a list or a map, and `input.invoice_id` '
            "is text: to look for text inside text, write `b.contains(a)`",
        ),
        (
            "add_days(input.amount, 3) < today",
            "add_days() takes a date as its first argument, and `input.amount` is a decimal number",
        ),
        (
            "input.due + 1 > today",
            "`input.due + 1` adds a date (text) and a decimal number: to move a date by days, "
            "write add_days(date, n)",
        ),
        (
            "input.lines[input.amount].qty > 0",
            "`input.lines[input.amount]` picks an item by a decimal number, but a position in "
            "a list is a whole number: write `input.lines[int(input.amount)]`",
        ),
        (
            "input.amount in ['A', 'B']",
            '`input.amount in ["A", "B"]` looks for a decimal number in a list of texts: it '
            "is never found",
        ),
        (
            "input.invoice_id.startsWith(1)",
            "`input.invoice_id.startsWith(1)`: startsWith() takes text, and `1` is a decimal "
            'number: write `input.invoice_id.startsWith("1")`',
        ),
    ],
)
def test_a_typical_type_mistake_is_named_with_what_to_write(expression: str, expected: str) -> None:
    assert messages(condition(expression)) == [expected]


@pytest.mark.parametrize(
    "expression",
    [
        "input.amount * 2.5 > 100",
        "string(index2) == ''",  # an unknown name is reported on its own, not as a type
        "has(input.supplier.nmae)",  # has() tests for a field: a missing one is its point
        "input.lines.filter(l, l.qty > 10).size() > 0",
        "input.lines.map(l, l.qty * 2).exists(q, q > 3)",
        "input.lines[0].qty + 1 > 2",
        "input.lines[int(input.amount)].sku == 'A'",
        "size(input.lines) + 1 > 2",
        "input.due <= today && days_between(input.due, today) > 3",
        "add_days(input.due, 3) >= today",
        "int(input.amount) == 3",  # CEL compares int and double numerically
        "int(input.amount) < 3.5",
        "double(int(input.amount)) + 1 > 0",
        "input.extra + 1 > 2",  # of type any: nothing can be known
        "input.extra.anything.at.all == 'x'",
        "get(input, 'po_number', '') == ''",
        "input.amount > 0 ? 'big' : 'small'",
        "now - duration('1h') < now",
        "process.business_key.startsWith('INV')",
        "'GOODS' in ['GOODS', 'SERVICES']",
        "input.supplier.country in {'DE': 1}",
        "round_money(percent(input.amount, 19)) > 0",
        "input.invoice_id.matches('^INV-[0-9]+$')",
    ],
)
def test_expressions_whose_types_work_are_not_reported(expression: str) -> None:
    found = messages(condition(expression))
    assert [message for message in found if "unknown name" not in message] == []


def test_step_results_are_typed_from_the_catalog_and_the_task_form() -> None:
    body = """\
    - {id: validate, call: invoice.validate, with: {invoice_id: "${ input.invoice_id }"}}
    - id: approve
      task:
        assignees: [{user: bob}]
        form:
          fields: [{id: note, type: text}, {id: agreed, type: number}]
          outcomes: [ok]
        timeout: {after: 2bd, outcome: ok}
    - id: check
      if: 'steps.validate.document_number > 5 || steps.approve.fields.nte == "x"'
      set: {fine: '${ steps.approve.fields.agreed * 2 }'}
    """
    assert messages(body) == [
        "`steps.validate.document_number > 5` compares text with a decimal number: convert "
        "one side, as in double(text) or string(number)",
        "`steps.approve.fields` has no field 'nte'. Did you mean 'note'? Its fields: note, agreed",
    ]


def test_variables_are_typed_from_their_values_and_set_steps() -> None:
    body = """\
    - {id: first, set: {round: 1, label: "round"}}
    - {id: check, set: {next: '${ vars.round + vars.label }'}}
    """
    assert messages(body) == [
        "`vars.round + vars.label` adds a decimal number and text: to put a number into "
        "text, write string(vars.round) (or use a template: 'INV-${ ... }'); to compute "
        "with the number the text holds, write double(vars.label)"
    ]


def test_a_variable_given_different_types_is_not_checked() -> None:
    body = """\
    - {id: first, set: {value: 1}}
    - {id: again, set: {value: "one"}}
    - {id: check, set: {next: '${ vars.value + 1 }'}}
    """
    assert messages(body) == []


def test_the_error_in_a_catch_has_type_message_and_details() -> None:
    body = """\
    - id: validate
      call: invoice.validate
      with: {invoice_id: "${ input.invoice_id }"}
      catch: [{errors: [any], steps: [{id: noted, set: {why: '${ error.code }'}}]}]
    """
    assert messages(body) == ["`error` has no field 'code'. Its fields: type, message, details"]


def test_the_shipped_definitions_validate_with_the_shipped_catalog() -> None:
    result = CliRunner().invoke(app, ["validate", str(ROOT / "definitions")])
    assert result.exit_code == 0, result.output


def test_validate_prints_the_type_problem_at_its_place(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(HEADER + TRIAL, encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", "--no-catalog", str(path)])
    assert result.exit_code == 1
    assert result.stdout == (
        f"{path}:20:36: steps[0].steps[0].set.position: `int(index) + 1` adds a whole number "
        "(int) and a decimal number: numbers here are decimal, and `int(index)` gives a whole "
        "number (int), which does not mix with them. Write `string(index + 1)` (a whole "
        "decimal number is shown without decimals: 3, not 3.0)\n"
    )


def test_a_run_time_failure_names_the_types_not_cels_advice_to_convert() -> None:
    with pytest.raises(ExpressionError) as failed:
        evaluate("string(int(index) + 1)", {"index": 2})
    message = str(failed.value)
    assert message == (
        "expression `string(int(index) + 1)`: `int(index) + 1` adds a whole number (int) and "
        "a decimal number: numbers here are decimal, and `int(index)` gives a whole number "
        "(int), which does not mix with them. Write `string(index + 1)` (a whole decimal "
        "number is shown without decimals: 3, not 3.0) (index is a decimal number)"
    )
    assert "Convert explicitly" not in message


def test_a_run_time_failure_the_types_do_not_explain_still_names_them() -> None:
    with pytest.raises(ExpressionError) as failed:
        evaluate("m[k] > 1", {"m": {"a": 1}, "k": 1})
    assert "(m is a map; k is a decimal number)" in str(failed.value)
    assert "Convert explicitly" not in str(failed.value)


def type_problems_of(text: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The problems the type check adds to ``text``'s validation (and no other)."""
    found: list[str] = []
    check = semantics.Checker.check_types

    def spy(self: semantics.Checker, path: Any, source: str, offset: int, bare: bool) -> None:
        before = len(self.reporter.problems)
        check(self, path, source, offset, bare)
        found.extend(str(problem) for problem in self.reporter.problems[before:])

    with monkeypatch.context() as patched:
        patched.setattr(semantics.Checker, "check_types", spy)
        validate_text(text, "definitions/example.yaml", build_catalog())
    return found


DOC_BLOCKS = re.findall(
    r"```yaml\n(.*?)```", (ROOT / "docs" / "definitions.md").read_text(encoding="utf-8"), re.S
)
# Fragments read input fields of their own: undeclared here, their types are unknown.
FRAGMENT_HEADER = "name: example\nversion: 1\ntitle: E\nowner: ap\nbusiness_key: input.id\nsteps:\n"


def as_definition(block: str) -> str:
    """A doc block as a whole definition: fragments of steps go under a header."""
    if "\nsteps:" in block:
        return block
    body = (
        block
        if block.lstrip().startswith("- ")
        else "- id: fragment\n" + textwrap.indent(block, "  ")
    )
    return FRAGMENT_HEADER + textwrap.indent(body, "  ")


@pytest.mark.parametrize("block", DOC_BLOCKS, ids=lambda b: b.strip().splitlines()[0][:40])
def test_the_docs_examples_have_no_type_problem(
    block: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert type_problems_of(as_definition(block), monkeypatch) == []


def test_every_kind_and_the_shipped_definitions_have_no_type_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = [ROOT / "tests/language/data/every_kind.yaml", *(ROOT / "definitions").glob("*.yaml")]
    for file in files:
        assert type_problems_of(file.read_text(encoding="utf-8"), monkeypatch) == [], file


COUNT_LINES = """\
name: count-lines
version: 1
title: Count lines
owner: ap
business_key: input.invoice_id
input:
  invoice_id: string
  lines: list
steps:
  - id: lines
    for_each: input.lines
    max_items: 50
    steps:
      - id: count
        set: {position: '${ string(int(index) + 1) }'}
"""


def test_the_docs_show_the_message_validate_gives() -> None:
    guide = (ROOT / "docs" / "definitions.md").read_text(encoding="utf-8")
    shown = next(
        " ".join(block.split())
        for block in re.findall(r"```text\n(.*?)```", guide, re.S)
        if "count_lines.yaml" in block
    )
    (problem,) = validate_text(COUNT_LINES, "definitions/count_lines.yaml").problems
    assert shown == str(problem)


def test_an_expression_too_deep_to_follow_is_left_unchecked_not_a_crash() -> None:
    deep = "input.supplier" + ".name" * 600 + " == 'x'"
    assert all("has no field" in message for message in messages(condition(deep)))


def test_for_each_over_what_is_known_not_to_be_a_list_is_refused() -> None:
    body = """\
    - {id: each, for_each: input.amount, max_items: 5, steps: [{id: s, set: {x: 1}}]}
    - {id: keys, for_each: input.supplier, max_items: 5, steps: [{id: t, set: {y: 1}}]}
    - {id: fine, for_each: input.lines, max_items: 5, steps: [{id: u, set: {z: 1}}]}
    """
    assert messages(body) == [
        "for_each goes through a list, and `input.amount` is a decimal number: name the list "
        "itself, as in input.lines",
        "for_each goes through a list, and `input.supplier` is a map: to go through its keys, "
        "write `input.supplier.map(k, k)`",
    ]


class Line(BaseModel):
    sku: str
    amount: Decimal


class Matched(BaseModel):
    status: Literal["MATCHED", "HELD"]
    lines: list[Line]
    booked_on: date | None = None
    notes: dict[str, Any] = {}


def test_result_models_give_the_types_of_nested_fields() -> None:
    spec = ActionSpec("match.invoice", "activity", None, Matched, "Match.", "q")
    catalog = Catalog({spec.name: spec})
    body = """\
    - {id: match, call: match.invoice}
    - id: check
      if: 'steps.match.lines.all(l, l.skus != "") && steps.match.booked_on > 3'
      set: {fine: '${ steps.match.notes.anything + steps.match.lines[0].amount * 2 }'}
    """
    found = problems(text_of(body), catalog=catalog)
    assert [problem.message for problem in found] == [
        "`l` has no field 'skus'. Did you mean 'sku'? Its fields: sku, amount",
        "`steps.match.booked_on > 3` compares a date (text) with a decimal number: a date is "
        "text (YYYY-MM-DD); compare it with another date, or count days with "
        "days_between(a, b)",
    ]


def test_filtering_a_list_of_unknown_items_keeps_them_unknown() -> None:
    # A variable set from a computed list (a template's activities with their dates) holds
    # records the checker cannot see into: a filtered item is not taken for text.
    body = """\
        - id: plan
          set: {plan: '${ input.lines.map(l, {"sku": l.sku, "begins": input.due}) }'}
        - id: mixed
          set: {plan: [1, 2]}
        - id: first
          set: {begins: '${ vars.plan.filter(a, a.sku == "X")[0].begins }'}
        - id: keys
          if: 'input.supplier.filter(k, k == "name")[0].size() > 0'
          set: {seen: true}
    """
    assert messages(body) == []
