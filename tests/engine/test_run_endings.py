"""Every way a run ends leaves its search attributes, current details and status saying so.

Ops find runs by ``ProcessStatus``, ``CurrentStep`` and ``WaitingOn`` in the Web UI: a run
that finished, failed or was cancelled must not still read as running or waiting on
someone, and a run busy with a step must name it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowFailureError, WorkflowHandle

from backoffice import search_attributes as sa
from backoffice.cli.runs import CLOSED_STATES, as_ended, render_progress
from backoffice.engine.runs import progress
from tests.support.eventually import eventually
from tests.support.processes import ProcessRunner
from tests.support.waits import listed, opened_task

DEFINITION = """
name: endings
version: 1
title: Endings
owner: tests
business_key: input.case
input:
  case: string
  how: string
steps:
  - id: first
    title: Note the case
    call: test.note
    with: {note: "${ input.case }"}
  - id: turned_down
    if: input.how == "finish"
    finish: {reason: DUPLICATE}
  - id: refused
    if: input.how == "fail"
    fail: {reason: BANK_MISMATCH, message: "bank account differs"}
  - id: stuck
    if: input.how == "busy"
    title: Call a system that keeps failing
    call: test.fail
    with: {type: Outage, retryable: true}
  - id: approve
    if: input.how == "wait"
    title: Approve ${ input.case }
    task:
      assignees: [{user: alice}]
      form: {outcomes: [approve, reject]}
      reminders: {at: [1d]}
      escalations: [{after: 2d, add: [{user: dave}]}]
      timeout: {after: 5d, outcome: reject}
  - id: receipt
    if: input.how == "wait"
    title: Wait for the goods
    wait: {event: goods_received, timeout: 10d}
"""


async def attributes_when(
    runner: ProcessRunner, handle: WorkflowHandle[Any, Any], done: Any
) -> dict[str, Any]:
    """The run's search attributes once ``done(attributes)`` holds (visibility lags)."""

    async def held() -> dict[str, Any]:
        typed = (await handle.describe()).typed_search_attributes
        attributes = {
            key.name: typed.get(key)
            for key in (
                sa.PROCESS_STATUS,
                sa.PROCESS_REASON,
                sa.CURRENT_STEP,
                sa.WAITING_ON,
                sa.WAITING_UNTIL,
                sa.WAITING_SINCE,
            )
        }
        assert done(attributes), attributes
        return attributes

    return await eventually(held, f"the search attributes of {handle.id}")


async def details(handle: WorkflowHandle[Any, Any]) -> str:
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    return str(metadata.current_details)


def closed(held: dict[str, Any]) -> bool:
    return held["CurrentStep"] in (None, []) and held["WaitingOn"] in (None, [])


async def test_a_finish_with_a_reason_reads_finished_with_it(runner: ProcessRunner) -> None:
    name = runner.define(DEFINITION)
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:8], "how": "finish"})
    result = await handle.result()
    assert result["status"] == "finished"
    held = await attributes_when(runner, handle, lambda h: h["ProcessStatus"] == "finished")
    assert held["ProcessReason"] == "DUPLICATE"
    assert closed(held)
    shown = await details(handle)
    assert "· finished (DUPLICATE)" in shown
    assert "now:" not in shown
    current = await progress(runner.client, handle.id)
    assert current.status == "finished"
    assert current.reason == "DUPLICATE"
    assert {step.status for step in current.steps} <= {"completed", "skipped"}


async def test_a_completed_run_reads_completed(runner: ProcessRunner) -> None:
    name = runner.define(DEFINITION)
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:8], "how": "plain"})
    await handle.result()
    held = await attributes_when(runner, handle, lambda h: h["ProcessStatus"] == "completed")
    assert held["ProcessReason"] is None
    assert closed(held)


async def test_a_failed_run_reads_failed_with_its_reason_even_if_it_never_waited(
    runner: ProcessRunner,
) -> None:
    name = runner.define(DEFINITION)
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:8], "how": "fail"})
    try:
        await handle.result()
        raise AssertionError("the run should have failed")
    except WorkflowFailureError:
        pass
    held = await attributes_when(runner, handle, lambda h: h["ProcessStatus"] == "failed")
    assert held["ProcessReason"] == "BANK_MISMATCH"
    assert closed(held)
    query = f"ProcessStatus = 'failed' AND BusinessKey = '{handle.id.split('/', 1)[1]}'"
    assert await listed(runner.client, query) == [handle.id]
    shown = await details(handle)
    assert "now:" not in shown
    assert "failed: **refused**: bank account differs" in shown


async def test_a_call_retrying_shows_as_running_now_and_a_terminated_run_as_terminated(
    runner: ProcessRunner,
) -> None:
    name = runner.define(DEFINITION)
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:8], "how": "busy"})

    async def stuck() -> str | None:
        shown = await details(handle)
        return shown if "now: **stuck**" in shown else None

    shown = await eventually(stuck, f"the details of {handle.id} to show its stuck step")
    assert "now: **stuck** Call a system that keeps failing" in shown
    current = await progress(runner.client, handle.id)
    assert [step.status for step in current.steps if step.step_id == "stuck"] == ["running"]
    # API calls cost no upsert each (CurrentStep names bots, tasks, waits and children).
    held = await attributes_when(runner, handle, lambda h: True)
    assert held["ProcessStatus"] == "running"
    assert held["CurrentStep"] in (None, [])
    await handle.terminate("ops stopped it")
    # A terminated run cannot say so itself: status shows what the server says.
    described = await handle.describe()
    current = await progress(runner.client, handle.id)
    assert described.status is not None
    shown = render_progress(as_ended(current, CLOSED_STATES[described.status]))
    assert "status: terminated" in shown
    assert "running" not in shown
    assert "cancelled   stuck" in shown


async def test_a_cancelled_run_waits_on_no_one_and_shows_what_was_planned(
    runner: ProcessRunner,
) -> None:
    name = runner.define(DEFINITION)
    case = uuid.uuid4().hex[:8]
    handle = await runner.start(name, {"case": case, "how": "wait"})
    held = await attributes_when(runner, handle, lambda h: "alice" in (h["WaitingOn"] or []))
    assert held["ProcessStatus"] == "waiting"
    assert held["CurrentStep"] == ["approve"]
    assert isinstance(held["WaitingSince"], datetime)
    assert held["WaitingUntil"] is not None

    # The reminder and the escalation to come are there before they fire.
    current = await progress(runner.client, handle.id)
    task = current.tasks[0]
    assert [(p.what, p.number, p.to) for p in task.planned] == [
        ("reminder", 1, []),
        ("escalation", 1, ["add user:dave"]),
    ]
    assert current.waiting_since is not None
    shown = await details(handle)
    assert "since" in shown
    assert "next for **approve**: reminder 1" in shown
    assert "next for **approve**: escalation 1 (add user:dave)" in shown
    text = render_progress(current)
    assert "next: escalation 1 (add user:dave) at" in text

    await handle.cancel()
    held = await attributes_when(runner, handle, lambda h: h["ProcessStatus"] == "cancelled")
    assert closed(held)
    assert held["WaitingSince"] is None
    assert held["WaitingUntil"] is None
    shown = await details(handle)
    assert "now:" not in shown
    assert "· cancelled" in shown
    current = await progress(runner.client, handle.id)
    assert current.status == "cancelled"
    assert all(step.status != "waiting" for step in current.steps)


WATCHED = """
name: watched
version: 1
title: Watched
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: check
    title: Check ${ input.case }
    task:
      assignees: [{user: alice}]
      form: {outcomes: [ok]}
      timeout: {after: 5d, outcome: ok}
  - id: until_paid
    title: Watched until paid
    watch: true
    mode: first
    parallel:
      - id: paid
        steps: [{id: paid_on, wait: 30d}]
      - id: duplicates
        steps: [{id: duplicate, wait: {event: duplicate_found, timeout: 30d}}]
"""


async def test_a_watch_period_reads_watching_while_a_task_reads_waiting(
    runner: ProcessRunner,
) -> None:
    from backoffice.engine.contracts import DECIDE_UPDATE, Decision, TaskView

    name = runner.define(WATCHED)
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:8]})
    held = await attributes_when(runner, handle, lambda h: h["ProcessStatus"] == "waiting")
    assert held["CurrentStep"] == ["check"]
    await opened_task(handle)
    decision = Decision(task_id=f"{handle.id}/check", user="alice", outcome="ok")
    await handle.execute_update(DECIDE_UPDATE, decision, result_type=TaskView)
    held = await attributes_when(runner, handle, lambda h: h["ProcessStatus"] == "watching")
    assert held["WaitingOn"] == ["event:duplicate_found"]
    assert sorted(held["CurrentStep"]) == ["duplicate", "paid_on"]
    assert "· watching" in await details(handle)
    await handle.cancel()
