"""Timers, deadlines and decisions: time-skipping for the waits, updates for decisions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from backoffice.engine.contracts import DECIDE_UPDATE, Decision, TaskView
from tests.support.processes import ProcessRunner
from tests.support.waits import opened_task

HEADER = """
version: 1
title: Test process
owner: tests
business_key: input.case
calendar:
  timezone: Europe/Berlin
  holidays: ["2030-01-01"]
input:
  case: string
  requester: string?
"""

APPROVAL = """
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{user: alice}, {user: bob}, {user: carol}]
      exclude: ["${ input.requester }"]
      approvals: APPROVALS
      form:
        outcomes: [approve, {id: reject, requires: [comment]}]
      due: 2bd
      timeout: {after: 5bd, outcome: expired}
output:
  outcome: ${ steps.approve.outcome }
  by: ${ steps.approve.decided_by }
  timed_out: ${ steps.approve.timed_out }
"""


def case() -> str:
    return uuid.uuid4().hex[:10]


def define(runner: ProcessRunner, name: str, body: str) -> str:
    return runner.define(f"name: {name}\n{HEADER}\n{body}")


async def open_task(handle: WorkflowHandle[Any, Any]) -> TaskView:
    """The open task, once the workflow task that opened it is in history (timer started)."""

    async def timer_started(_: TaskView) -> bool:
        history = await handle.fetch_history()
        return any(e.HasField("timer_started_event_attributes") for e in history.events)

    return await opened_task(handle, until=timer_started)


async def decide(handle: WorkflowHandle[Any, Any], decision: Decision) -> TaskView:
    result: TaskView = await handle.execute_update(
        DECIDE_UPDATE, decision, result_type=TaskView, id=f"{decision.task_id}:{decision.user}"
    )
    return result


async def test_approval_decided_by_an_assignee(runner: ProcessRunner) -> None:
    name = define(runner, "approve-once", APPROVAL.replace("APPROVALS", "1"))
    handle = await runner.start(name, {"case": case(), "requester": "dave"})
    task = await open_task(handle)
    assert task.assignees == ["user:alice", "user:bob", "user:carol"]
    assert task.excluded == ["dave"]
    await decide(handle, Decision(task_id=task.task_id, user="alice", outcome="approve"))
    result = await handle.result()
    assert result["output"] == {"outcome": "approve", "by": ["alice"], "timed_out": False}


async def test_four_eyes_needs_two_different_approvers(runner: ProcessRunner) -> None:
    name = define(runner, "four-eyes", APPROVAL.replace("APPROVALS", "2"))
    handle = await runner.start(name, {"case": case(), "requester": "dave"})
    task = await open_task(handle)
    first = await decide(handle, Decision(task_id=task.task_id, user="alice", outcome="approve"))
    assert first.status == "open"
    with pytest.raises(WorkflowUpdateFailedError) as again:
        await handle.execute_update(
            DECIDE_UPDATE,
            Decision(task_id=task.task_id, user="alice", outcome="approve"),
            result_type=TaskView,
        )
    assert "alice has already decided this task" in str(again.value.cause)
    await decide(handle, Decision(task_id=task.task_id, user="bob", outcome="approve"))
    result = await handle.result()
    assert result["output"]["by"] == ["alice", "bob"]


@pytest.mark.parametrize(
    ("decision", "reason"),
    [
        (Decision(task_id="?", user="dave", outcome="approve"), "dave may not decide this task"),
        (
            Decision(task_id="?", user="mallory", outcome="approve"),
            "mallory is not among the people who may decide this task",
        ),
        (Decision(task_id="?", user="alice", outcome="maybe"), "'maybe' is not an outcome"),
        (Decision(task_id="?", user="alice", outcome="reject"), "'reject' needs: comment"),
        (Decision(task_id="nope", user="alice", outcome="approve"), "there is no task nope"),
    ],
)
async def test_bad_decisions_are_rejected_with_a_reason_and_leave_no_trace(
    runner: ProcessRunner, decision: Decision, reason: str
) -> None:
    name = define(runner, "strict-approval", APPROVAL.replace("APPROVALS", "1"))
    handle = await runner.start(name, {"case": case(), "requester": "dave"})
    task = await open_task(handle)
    if decision.task_id == "?":
        decision = decision.model_copy(update={"task_id": task.task_id})
    before = len((await handle.fetch_history()).events)
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await decide(handle, decision)
    assert reason in str(caught.value.cause)
    assert len((await handle.fetch_history()).events) == before
    await handle.cancel()


async def test_task_nobody_decides_ends_with_its_timeout_outcome(
    skipping_runner: ProcessRunner,
) -> None:
    name = define(skipping_runner, "expires", APPROVAL.replace("APPROVALS", "1"))
    result = await skipping_runner.run(name, {"case": case(), "requester": "dave"})
    assert result["output"] == {"outcome": "expired", "by": [], "timed_out": True}


async def test_event_wait_times_out_and_continues(skipping_runner: ProcessRunner) -> None:
    name = define(
        skipping_runner,
        "no-receipt",
        """
steps:
  - id: receipt
    wait: {event: goods_received, timeout: 10bd, on_timeout: continue}
output:
  received: ${ steps.receipt.received }
""",
    )
    result = await skipping_runner.run(name, {"case": case()})
    assert result["output"] == {"received": False}


async def test_event_wait_times_out_and_fails_with_event_timeout(
    skipping_runner: ProcessRunner,
) -> None:
    name = define(
        skipping_runner,
        "must-receive",
        """
steps:
  - id: receipt
    wait: {event: goods_received, timeout: 2d}
""",
    )
    with pytest.raises(WorkflowFailureError) as caught:
        await skipping_runner.run(name, {"case": case()})
    assert isinstance(caught.value.cause, ApplicationError)
    assert caught.value.cause.type == "EventTimeout"


async def test_business_day_wait_skips_weekends_and_holidays(
    skipping_runner: ProcessRunner,
) -> None:
    name = define(
        skipping_runner,
        "cool-off",
        """
steps:
  - {id: start, set: {started: "${ today }"}}
  - {id: cool_off, wait: 3bd}
output:
  started: ${ vars.started }
  ended: ${ today }
  business_days: ${ business_days_between(vars.started, today) }
""",
    )
    result = await skipping_runner.run(name, {"case": case()})
    assert result["output"]["business_days"] == 3


async def test_wait_until_a_computed_time(skipping_runner: ProcessRunner) -> None:
    name = define(
        skipping_runner,
        "until-then",
        """
steps:
  - {id: start, set: {target: "${ string(now + duration('36h')) }"}}
  - {id: later, wait: {until: vars.target}}
output:
  target: ${ vars.target }
  waited_until: ${ steps.later.waited_until }
""",
    )
    result = await skipping_runner.run(name, {"case": case()})
    # The time-skipping server's clock is shared by the session's tests and far ahead of
    # the wall's: compare with the run's own target, not with a calendar year.
    output = result["output"]
    assert datetime.fromisoformat(output["waited_until"]) == datetime.fromisoformat(
        output["target"]
    )
