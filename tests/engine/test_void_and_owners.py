"""Voiding a decision when the run undoes its work, and tasks for the owner of a thing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.testing import ActivityEnvironment

from backoffice import database, runtime
from backoffice.engine.contracts import DECIDE_UPDATE, Decision, TaskView
from backoffice.engine.runs import progress, send_event
from backoffice.mail import MailSink, read_mailbox
from backoffice.tasks.notices import VoidRequest, void_task
from backoffice.tasks.store import NotificationRow, TaskEventRow, TaskRow
from tests.support.eventually import eventually
from tests.support.network import free_port
from tests.support.processes import ProcessRunner
from tests.support.waits import opened_task

UNDONE = """
name: undone-approval
version: 1
title: Approval undone
owner: tests
business_key: input.case
input:
  case: string
defaults:
  repair_by: [{group: ap-managers}]
steps:
  - id: approve
    task:
      assignees: [{user: alice}, {user: bob}]
      approvals: 2
      timeout: {after: 5bd, outcome: reject}
    compensate:
      id: void_approval
      void: {task: approve, reason: "${ input.case } was withdrawn"}
  - id: hold
    wait: {event: go_on, timeout: 5bd}
"""

OWNERS = """
name: owner-approval
version: 1
title: The owner decides
owner: tests
business_key: input.case
input:
  case: string
  system: string
  supplier: string
steps:
  - id: approve
    task:
      assignees:
        - owner_of: {system: "${ input.system }"}
          or_else: {role: cfo}
        - owner_of: {record: supplier, id: "${ input.supplier }"}
      timeout: {after: 5bd, outcome: reject}
"""


async def holding(runner: ProcessRunner, handle: WorkflowHandle[Any, Any]) -> bool:
    """Whether the run waits in its hold step: the task step is done and recorded."""
    current = await progress(runner.client, handle.id)
    return any(step.step_id == "hold" and step.status == "waiting" for step in current.steps)


def events_of(task_id: str) -> list[TaskEventRow]:
    with Session(database.engine(runtime.settings())) as session:
        query = select(TaskEventRow).where(TaskEventRow.task_id == task_id)
        return list(session.exec(query.order_by(TaskEventRow.id)))  # type: ignore[arg-type]


def voided_mails(task_id: str) -> list[tuple[str, str]]:
    with Session(database.engine(runtime.settings())) as session:
        rows = session.exec(select(NotificationRow).where(NotificationRow.task_id == task_id))
        return sorted((row.person_id, row.subject) for row in rows if "#voided#" in row.key)


async def decide(handle: WorkflowHandle[Any, Any], task_id: str, user: str) -> None:
    await handle.execute_update(
        DECIDE_UPDATE, Decision(task_id=task_id, user=user, outcome="approve"), result_type=TaskView
    )


async def test_a_cancelled_run_voids_the_decision_once_and_tells_both_approvers(
    runner: ProcessRunner, tmp_path: Path
) -> None:
    sink = MailSink(tmp_path / "mail", free_port())
    runtime.use(runtime.settings().model_copy(update={"smtp_url": sink.url}))
    sink.start()
    try:
        name = runner.define(UNDONE)
        case = f"C-{uuid.uuid4().hex[:6]}"
        handle = await runner.start(name, {"case": case})
        task = await opened_task(handle, decidable=True)
        await decide(handle, task.task_id, "alice")
        await decide(handle, task.task_id, "bob")
        await eventually(lambda: holding(runner, handle), "the run to wait for go_on")
        await handle.cancel()
        with pytest.raises(WorkflowFailureError):
            await handle.result()
        # The activity once more, as Temporal retries one whose answer was lost: the
        # audit and the outbox hold it already, nobody is told twice.
        again = VoidRequest(
            task_id=task.task_id, reason="again", decided_by=["alice", "bob"], at=datetime.now(UTC)
        )
        assert (await ActivityEnvironment().run(void_task, again)).status == "voided"
    finally:
        sink.stop()
    events = events_of(task.task_id)
    assert [event.event for event in events] == ["created", "approved", "decided", "voided"]
    assert json.loads(events[-1].detail_json)["reason"] == f"{case} was withdrawn"
    assert json.loads(events[-1].detail_json)["told"] == ["alice", "bob"]
    subject = f"[{name}] Decision voided: Approve"
    assert voided_mails(task.task_id) == [("alice", subject), ("bob", subject)]
    for person in ("alice", "bob"):
        got = [str(m["Subject"]) for m in read_mailbox(sink.directory, f"{person}@acme.example")]
        assert got.count(subject) == 1
    with Session(database.engine(runtime.settings())) as session:
        row = session.get(TaskRow, task.task_id)
        assert row is not None
        assert row.status == "voided"
        assert row.outcome == "approve"


@pytest.mark.parametrize(
    ("system", "supplier", "deciders"),
    [
        ("erp", "SUP-100", {"dave", "alice"}),  # the ERP's owner, the supplier's owner
        ("mainframe", "SUP-100", {"frank", "alice"}),  # nobody owns it: or_else, the CFO
        ("treasury", "SUP-999", {"grace"}),  # nobody owns that supplier: no one from it
    ],
)
async def test_owner_of_gives_the_task_to_the_owner_of_a_system_or_record(
    runner: ProcessRunner, system: str, supplier: str, deciders: set[str]
) -> None:
    name = runner.define(OWNERS)
    handle = await runner.start(
        name, {"case": uuid.uuid4().hex[:8], "system": system, "supplier": supplier}
    )
    task = await opened_task(handle, decidable=True)
    assert set(task.deciders or {}) == deciders
    assert task.assignees == [
        f"owner_of:system:{system}|role:cfo",
        f"owner_of:supplier:{supplier}",
    ]
    await handle.terminate("done looking")


async def test_a_decision_voided_by_cancelling_the_run_says_so(runner: ProcessRunner) -> None:
    name = runner.define(
        UNDONE.replace("name: undone-approval", "name: cancelled-approval")
        .replace("      approvals: 2\n", "")
        .replace('void: {task: approve, reason: "${ input.case } was withdrawn"}', "void: approve")
    )
    handle = await runner.start(name, {"case": f"C-{uuid.uuid4().hex[:6]}"})
    task = await opened_task(handle, decidable=True)
    await decide(handle, task.task_id, "bob")
    await eventually(lambda: holding(runner, handle), "the run to wait for go_on")
    await handle.cancel()
    with pytest.raises(WorkflowFailureError):
        await handle.result()
    voided = events_of(task.task_id)[-1]
    assert voided.event == "voided"
    assert json.loads(voided.detail_json)["reason"] == "the run was cancelled"
    assert voided_mails(task.task_id) == [("bob", f"[{name}] Decision voided: Approve")]


LOSING_BRANCH = """
name: losing-approval
version: 1
title: An approval in a branch that loses
owner: tests
business_key: input.case
input:
  case: string
defaults:
  repair_by: [{group: ap-managers}]
steps:
  - id: race
    mode: first
    parallel:
      - id: approval
        steps:
          - id: approve
            task:
              assignees: [{user: bob}]
              timeout: {after: 5bd, outcome: reject}
            compensate: void
          - id: hold
            wait: {event: go_on, timeout: 5bd}
      - id: withdrawal
        steps:
          - id: withdrawn
            wait: {event: withdrawn, timeout: 5bd}
"""


async def test_a_decision_of_a_branch_that_lost_is_voided_saying_which_branch_won(
    runner: ProcessRunner,
) -> None:
    name = runner.define(LOSING_BRANCH)
    handle = await runner.start(name, {"case": f"C-{uuid.uuid4().hex[:6]}"})
    task = await opened_task(handle, decidable=True)
    await decide(handle, task.task_id, "bob")
    await eventually(lambda: holding(runner, handle), "the run to wait for go_on")
    await send_event(runner.client, handle.id, "withdrawn", {})
    await handle.result()  # the run goes on and completes: only the lost branch is undone
    voided = events_of(task.task_id)[-1]
    assert voided.event == "voided"
    assert json.loads(voided.detail_json)["reason"] == "branch 'withdrawal' finished first"
