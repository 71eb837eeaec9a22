"""Re-based deadlines on the time-skipping server; tasks of ended processes; a case run again."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session
from temporalio.client import WorkflowFailureError, WorkflowHandle, WorkflowUpdateFailedError

from backoffice import database, runtime
from backoffice.engine.contracts import RESCHEDULE_UPDATE, Reschedule, TaskView
from backoffice.tasks.orphans import close_orphaned_tasks
from backoffice.tasks.queries import as_utc, open_tasks_for, task_detail
from backoffice.tasks.store import TaskRow
from tests.support.processes import ProcessRunner
from tests.support.waits import opened_task as open_task_of

SCHEDULED = """
name: rebased
version: 1
title: Re-based approval
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: approve
    task:
      assignees: [{group: ap-clerks}]
      reassigners: [{group: ap-managers}]
      due: 2d
      reminders: {every: 1d}
      escalations:
        - {after: 3d, add: [{group: ap-managers}]}
      timeout: {after: 5d, outcome: expired}
output:
  outcome: ${ steps.approve.outcome }
  timed_out: ${ steps.approve.timed_out }
"""


async def opened_task(handle: WorkflowHandle[Any, Any]) -> TaskView:
    """The open task once it can be decided and its row is recorded."""
    engine = database.engine(runtime.settings())
    return await open_task_of(
        handle, decidable=True, until=lambda task: task_detail(engine, task.task_id) is not None
    )


def offsets(task_id: str, created: datetime) -> list[tuple[str, float]]:
    """The task's audit as (event, days after it opened), rounded to the hour."""
    detail = task_detail(database.engine(runtime.settings()), task_id)
    assert detail is not None
    return [
        (e.event, round((as_utc(e.at) - created).total_seconds() / 86400, 1)) for e in detail.events
    ]


async def test_moving_the_deadline_moves_reminders_and_escalations_still_to_come(
    skipping_runner: ProcessRunner,
) -> None:
    name = skipping_runner.define(SCHEDULED)
    handle = await skipping_runner.start(name, {"case": uuid.uuid4().hex[:8]})
    task = await opened_task(handle)
    later = task.deadline + timedelta(days=3)
    moved: TaskView = await handle.execute_update(
        RESCHEDULE_UPDATE,
        Reschedule(task_id=task.task_id, user="dave", deadline=later, comment="start moved"),
        result_type=TaskView,
    )
    assert moved.deadline == later
    assert moved.due_at == task.due_at + timedelta(days=3)  # type: ignore[operator]

    result = await handle.result()
    assert result["output"] == {"outcome": "expired", "timed_out": True}
    # Every point of the schedule came three days later than first planned.
    assert offsets(task.task_id, task.created_at) == [
        ("created", 0.0),
        ("rescheduled", 0.0),
        ("reminded", 4.0),
        ("reminded", 5.0),
        ("escalated", 6.0),
        ("reminded", 7.0),
        ("timed_out", 8.0),
    ]
    with Session(database.engine(runtime.settings())) as session:
        row = session.get(TaskRow, task.task_id)
    assert row is not None
    assert as_utc(row.deadline) == later


async def test_only_reassigners_move_a_deadline_and_never_into_the_past(
    skipping_runner: ProcessRunner,
) -> None:
    name = skipping_runner.define(SCHEDULED)
    handle = await skipping_runner.start(name, {"case": uuid.uuid4().hex[:8]})
    task = await opened_task(handle)
    refusals = {
        "alice": "alice may not move the deadline of this task; who may: dave",
        "dave": "has passed",
    }
    for user, reason in refusals.items():
        deadline = task.deadline if user == "alice" else task.created_at - timedelta(days=1)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                RESCHEDULE_UPDATE,
                Reschedule(task_id=task.task_id, user=user, deadline=deadline),
                result_type=TaskView,
            )
        assert reason in str(refused.value.cause)
    # Cancelled and finished while this test's worker runs: a run left waiting for a
    # worker would stop the shared time-skipping server from skipping for later tests.
    await handle.cancel()
    with pytest.raises(WorkflowFailureError):
        await handle.result()


async def test_tasks_of_a_terminated_process_are_closed_and_a_new_run_opens_them_again(
    runner: ProcessRunner,
) -> None:
    name = runner.define(SCHEDULED)
    case = uuid.uuid4().hex[:8]
    handle = await runner.start(name, {"case": case})
    task = await opened_task(handle)
    engine = database.engine(runtime.settings())
    assert task.task_id in [row.id for row in open_tasks_for(engine, "alice")]

    await handle.terminate(reason="wrong case")
    assert await close_orphaned_tasks(runner.client, engine) >= 1
    assert task.task_id not in [row.id for row in open_tasks_for(engine, "alice")]
    detail = task_detail(engine, task.task_id)
    assert detail is not None
    assert detail.row.status == "cancelled"
    assert detail.events[-1].event == "cancelled"
    assert (
        detail.events[-1].detail["reason"]
        == "the process ended (terminated) while the task was open"
    )

    # An operator may restart the case after a terminated run: its task opens anew.
    again = await runner.start(name, {"case": case}, restart=True)
    reopened = await opened_task(again)
    assert reopened.task_id == task.task_id
    assert task.task_id in [row.id for row in open_tasks_for(engine, "alice")]
    events = [e.event for e in (task_detail(engine, task.task_id) or detail).events]
    assert events == ["created", "cancelled", "created"]
    await again.cancel()
    with pytest.raises(WorkflowFailureError):
        await again.result()
