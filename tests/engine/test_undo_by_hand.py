"""An undo that keeps failing waits for a person: the run never ends with work half done."""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import WorkflowFailureError, WorkflowUpdateFailedError

from backoffice.engine.contracts import DECIDE_UPDATE, Decision, TaskView
from tests.engine.test_time_and_people import decide
from tests.support.activities import calls_of
from tests.support.processes import ProcessRunner
from tests.support.waits import opened_task

DEFINITION = """
name: {name}
version: 1
title: Undo by hand
owner: tests
business_key: input.case
input:
  case: string
defaults:
  repair_by: [{{user: dave}}]
steps:
  - id: booked
    call: test.note
    with: {{note: booked}}
    compensate:
      id: unbook
      title: Cancel the booking of ${{ input.case }}
      call: test.fail
      with: {{type: SystemDown, message: "the booking system is down"}}
  - id: paid
    call: test.note
    with: {{note: paid}}
    compensate: {{id: refund, call: test.undo, with: {{note: refund}}}}
  - {{id: stop, fail: {{reason: DUPLICATE, message: duplicate}}}}
"""


async def test_a_failing_undo_waits_for_a_person_then_the_rest_is_undone(
    runner: ProcessRunner,
) -> None:
    name = runner.define(DEFINITION.format(name=f"undo-{uuid.uuid4().hex[:6]}"))
    key = uuid.uuid4().hex[:8]
    handle = await runner.start(name, {"case": key})

    # The latest step is undone first: the refund works, the booking's cancellation fails.
    first = await opened_task(handle)
    assert [c["note"] for c in calls_of("test.undo")] == ["refund"]
    assert first.title == f"Undo by hand: Cancel the booking of {key} (step booked)"
    assert first.outcomes == ["undone", "retry"]
    assert "SystemDown: the booking system is down" in first.context["error"]
    assert first.context["undo"] == "unbook"
    assert "dave" in first.deciders
    described = await handle.describe()
    assert described.status is not None
    assert described.status.name == "RUNNING"

    # Try again: it fails once more, and a new task opens.
    await decide(handle, Decision(task_id=first.task_id, user="dave", outcome="retry"))
    second = await opened_task(handle, other_than=first.task_id)
    assert second.task_id != first.task_id
    assert second.context["round"] == 2
    assert len(calls_of("test.fail")) == 2

    # "Undone by hand" needs a note of what was done.
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(
            DECIDE_UPDATE,
            Decision(task_id=second.task_id, user="dave", outcome="undone"),
            result_type=TaskView,
        )
    await decide(
        handle,
        Decision(
            task_id=second.task_id,
            user="dave",
            outcome="undone",
            comment="cancelled in the booking system by hand",
        ),
    )
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert "compensation failed" not in str(failed.value.cause)
    assert len(calls_of("test.fail")) == 2
