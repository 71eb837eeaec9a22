"""What validation refuses because it would fail or run away at every run: division by a
literal zero, expressions over the budget whatever the data, absurd durations, and
processes that start themselves, directly or through others.

Snippets built with ``with_steps`` start at line 10 (see ``helpers``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backoffice.cli.main import app
from tests.language.helpers import at, problems, with_steps

LIMIT = "a duration is at most 10 years (3650d, or 2600bd)"
ZERO = (
    "divides by zero, which fails at every run: divide by something else, or test the "
    "divisor first, as in `x != 0 ? total / x : 0`"
)
NEVER_ENDS = (
    "A process that starts itself, directly or through others, never ends (each run starts "
    "another): repeat work inside one process with repeat or for_each, or start the next "
    "case from outside"
)


def test_division_by_a_literal_zero_is_refused_where_it_is_written() -> None:
    text = with_steps(
        """\
        - id: share
          set:
            share: ${ input.amount / 0 }
            rate: "${ 100 / 0.0 }"
        - id: check
          if: input.amount / -0 > 1
          wait: 1d
        """
    )
    # '      share: ${ input.amount ' is 29 characters: the '/' is at column 30.
    # '      rate: "${ 100 ' is 20 characters; '    if: input.amount ' is 21.
    assert problems(text) == [
        at(12, 30, "steps[0].set.share", f"`input.amount / 0` {ZERO}"),
        at(13, 21, "steps[0].set.rate", f"`100 / 0.0` {ZERO}"),
        at(15, 22, "steps[1].if", f"`input.amount / -0 > 1` {ZERO}"),
    ]


def test_division_by_zero_data_is_left_to_the_run() -> None:
    text = with_steps(
        """\
        - id: share
          set: {share: "${ input.amount / (input.amount - input.amount) }"}
        """
    )
    assert problems(text) == []


def test_an_expression_over_the_budget_whatever_the_data_is_refused() -> None:
    ten = "[1,2,3,4,5,6,7,8,9,10]"
    grid = (
        f"{ten}.map(a, {ten}.map(b, {ten}.map(c, {ten}.map(d, {ten}.map(e, a + b + c + d + e)))))"
    )
    text = with_steps(
        f"""\
        - id: grid
          set:
            cells: ${{ {grid} }}
        """
    )
    (problem,) = problems(text)
    assert (problem.line, problem.column, problem.path) == (12, 17, "steps[0].set.cells")
    assert problem.message.startswith(f"`{grid}` may take up to ")
    assert problem.message.endswith(
        "units of work even with no data at all, more than the 2,000,000 one expression "
        "may take: build shorter lists in it, or nest fewer map, filter, all or exists"
    )


def test_an_expression_the_engine_cannot_bound_is_refused() -> None:
    # CEL takes a leading dot (a name from the root); the engine cannot read it to bound it.
    text = with_steps("- {id: check, if: .input.amount > 1, wait: 1h}\n")
    # '  - {id: check, if: ' is 20 characters.
    assert problems(text)[0] == at(
        10,
        21,
        "steps[0].if",
        "the engine cannot read `.input.amount > 1` to bound its work (unexpected '.'): "
        "write it with the operators, calls and macros of docs/definitions.md",
    )


@pytest.mark.parametrize(
    ("step", "column", "path", "duration"),
    [
        # '  - {id: pause, wait: ' is 22 characters.
        ("- {id: pause, wait: 99999999999999d}", 23, "steps[0].wait", "99999999999999d"),
        # '  - {id: paid, wait: {event: paid, timeout: ' is 44 characters.
        (
            "- {id: paid, wait: {event: paid, timeout: 3000bd}}",
            45,
            "steps[0].wait.timeout",
            "3000bd",
        ),
        # '  - {id: pause, wait: 1d, timeout: ' is 35 characters.
        ("- {id: pause, wait: 1d, timeout: 5000w}", 36, "steps[0].timeout", "5000w"),
    ],
)
def test_durations_over_ten_years_are_refused(
    step: str, column: int, path: str, duration: str
) -> None:
    assert problems(with_steps(step + "\n")) == [
        at(10, column, path, f"'{duration}' is too long: {LIMIT}")
    ]


def test_a_process_that_starts_itself_is_refused() -> None:
    text = with_steps("- {id: again, process: demo}\n")
    # '  - {id: again, process: ' is 25 characters.
    assert problems(text) == [
        at(10, 26, "steps[0].process", f"'demo' would start itself: demo → demo. {NEVER_ENDS}")
    ]


# --- processes that start each other, through `backoffice validate` ---------------------


def process(name: str, *children: str) -> str:
    steps = (
        "".join(
            f"  - {{id: start_{index}, process: {child}}}\n" for index, child in enumerate(children)
        )
        or "  - {id: pause, wait: 1h}\n"
    )
    return (
        textwrap.dedent(
            f"""\
        name: {name}
        version: 1
        title: {name.title()}
        owner: ops
        business_key: input.case
        input:
          case: string
        steps:
        """
        )
        + steps
    )


def write(directory: Path, name: str, *children: str) -> Path:
    path = directory / f"{name.replace('-', '_')}.yaml"
    path.write_text(process(name, *children), encoding="utf-8")
    return path


def validate(*paths: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["validate", "--no-catalog", *map(str, paths)])
    return result.exit_code, result.stdout.splitlines()


def test_two_processes_that_start_each_other_are_both_refused_with_the_chain(
    tmp_path: Path,
) -> None:
    first = write(tmp_path, "order-a", "order-b")
    second = write(tmp_path, "order-b", "order-a")
    code, lines = validate(tmp_path)
    assert code == 1
    # '  - {id: start_0, process: ' is 27 characters; the step is line 9.
    assert lines == [
        f"{first}:9:28: steps[0].process: 'order-a' would start itself again: "
        f"order-a → order-b → order-a. {NEVER_ENDS}",
        f"{second}:9:28: steps[0].process: 'order-b' would start itself again: "
        f"order-b → order-a → order-b. {NEVER_ENDS}",
    ]


def test_a_loop_through_three_processes_is_refused_in_the_one_file_validated(
    tmp_path: Path,
) -> None:
    first = write(tmp_path, "close-month", "close-entity")
    write(tmp_path, "close-entity", "close-ledger")
    write(tmp_path, "close-ledger", "close-month")
    code, lines = validate(first)
    assert code == 1
    assert lines == [
        f"{first}:9:28: steps[0].process: 'close-month' would start itself again: "
        f"close-month → close-entity → close-ledger → close-month. {NEVER_ENDS}",
    ]


def test_processes_that_start_others_without_a_loop_are_valid(tmp_path: Path) -> None:
    write(tmp_path, "close-month", "close-entity", "close-ledger")
    write(tmp_path, "close-entity", "close-ledger")
    write(tmp_path, "close-ledger")
    code, lines = validate(tmp_path)
    assert code == 0, lines
