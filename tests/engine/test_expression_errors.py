"""An expression that fails at run time fails its step, catchably, and says why.

The types validation cannot know (an input field of type any, a list whose items are not
described) are the ones that reach a run: such a failure must not lose the run, but fail
the step with an ExpressionError naming the step, the expression and the values' types.
"""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from tests.support.activities import calls_of
from tests.support.processes import ProcessRunner

HEADER = """
version: 1
title: Expression errors
owner: tests
business_key: input.case
input:
  case: string
  items: list?
  extra: any?
defaults:
  repair_by: [{group: ap-managers}]
"""


def case() -> str:
    return uuid.uuid4().hex[:10]


async def test_a_caught_expression_error_lets_the_run_go_on(runner: ProcessRunner) -> None:
    name = runner.define(
        "name: expression-error-caught\n"
        + HEADER
        + """
variables: {problem: "", guard: "", went_on: false}
steps:
  - id: lines
    for_each: input.items
    max_items: 5
    steps:
      - id: count
        set: {label: '${ string(item + 1) }'}
        catch:
          - errors: [ExpressionError]
            steps: [{id: noted, set: {problem: '${ error.message }'}}]
  - id: big
    if: input.items[0] > 2
    call: test.note
    with: {note: big}
    catch:
      - errors: [ExpressionError]
        steps: [{id: guard_noted, set: {guard: '${ error.message }'}}]
  - {id: after, set: {went_on: true}}
output:
  problem: ${ vars.problem }
  guard: ${ vars.guard }
  went_on: ${ vars.went_on }
"""
    )
    result = await runner.run(name, {"case": case(), "items": ["3"]})
    assert result["status"] == "completed"
    assert result["output"] == {
        "problem": "step 'count': expression `string(item + 1)`: `item + 1` adds text and a "
        "decimal number: to put a number into text, write string(1) (or use a template: "
        "'INV-${ ... }'); to compute with the number the text holds, write double(item) "
        "(item is text)",
        "guard": "step 'big': expression `input.items[0] > 2`: `input.items[0] > 2` compares "
        "text with a decimal number: convert one side, as in double(text) or string(number) "
        "(input.items[0] is text)",
        "went_on": True,
    }


async def test_an_uncaught_expression_error_fails_the_step_and_undoes_the_run(
    runner: ProcessRunner,
) -> None:
    note = f"booked-{case()}"
    name = runner.define(
        "name: expression-error-uncaught\n"
        + HEADER
        + f"""
steps:
  - id: booked
    call: test.note
    with: {{note: {note}}}
    compensate: {{id: unbook, call: test.undo, with: {{note: {note}}}}}
  - id: count
    set: {{label: '${{ string(input.extra + 1) }}'}}
"""
    )
    with pytest.raises(WorkflowFailureError) as failed:
        await runner.run(name, {"case": case(), "extra": "3"})
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "ExpressionError"
    assert cause.message == (
        "step 'count': expression `string(input.extra + 1)`: `input.extra + 1` adds text and "
        "a decimal number: to put a number into text, write string(1) (or use a template: "
        "'INV-${ ... }'); to compute with the number the text holds, write "
        "double(input.extra) (input.extra is text)"
    )
    assert [call["note"] for call in calls_of("test.undo")].count(note) == 1  # undone
