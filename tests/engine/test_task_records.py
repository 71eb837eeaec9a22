"""Tasks land in the task table with their deciders; the audit tells their story."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from backoffice import database, runtime
from backoffice.cli.identity import Actor
from backoffice.cli.tasks import decide, list_tasks
from backoffice.engine.contracts import TASKS_QUERY, TaskView
from backoffice.engine.runs import RunError
from backoffice.mail import MailSink, read_mailbox
from backoffice.people.model import Delegation
from backoffice.people.store import load_directory, read_directory_file
from backoffice.settings import load_settings
from backoffice.tasks.queries import open_tasks_for as tasks_of
from backoffice.tasks.store import NotificationRow, TaskEventRow, TaskRow
from tests.support.eventually import eventually
from tests.support.network import free_port
from tests.support.payload_keys import KEY_ENVIRONMENT
from tests.support.processes import PEOPLE, ProcessRunner
from tests.support.records import records_environ

DEFINITION = """
name: cc-approval
version: 1
title: Cost center approval
owner: tests
business_key: input.case
input:
  case: string
  cost_center: string
  entered_by: string
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{cost_center_owner: "${ input.cost_center }"}, {manager_of: bob}]
      exclude: ["${ input.entered_by }"]
      due: 2bd
      timeout: {after: 5bd, outcome: expired}
output:
  outcome: ${ steps.approve.outcome }
"""


async def task_row(handle: WorkflowHandle[Any, Any]) -> TaskRow:
    engine = database.engine(runtime.settings())

    async def recorded() -> TaskRow | None:
        with Session(engine) as session:
            row = session.exec(select(TaskRow).where(TaskRow.workflow_id == handle.id)).first()
        if row is not None and (row.status != "open" or row.id in await open_task_ids(handle)):
            return row
        return None

    return await eventually(recorded, f"the task of {handle.id} to be recorded")


async def open_task_ids(handle: WorkflowHandle[Any, Any]) -> list[str]:
    try:
        tasks = await handle.query(TASKS_QUERY, result_type=list[TaskView])
    except Exception:  # the run may already be closed
        return []
    return [task.task_id for task in tasks]


def open_tasks_for(person: str) -> list[TaskRow]:
    return tasks_of(database.engine(runtime.settings()), person)


def audit(task_id: str) -> list[tuple[str, str]]:
    with Session(database.engine(runtime.settings())) as session:
        rows = session.exec(
            select(TaskEventRow).where(TaskEventRow.task_id == task_id).order_by(TaskEventRow.id)  # type: ignore[arg-type]
        )
        return [(row.event, row.actor) for row in rows]


async def test_task_is_listed_for_its_deciders_and_audited(
    runner: ProcessRunner,
    dev_env: WorkflowEnvironment,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name = runner.define(DEFINITION)
    handle = await runner.start(
        name, {"case": uuid.uuid4().hex[:8], "cost_center": "CC-4100", "entered_by": "carol"}
    )
    row = await task_row(handle)
    # alice owns CC-4100; carol manages bob but entered the invoice, so she is excluded.
    assert [task.id for task in open_tasks_for("alice")] == [row.id]
    assert open_tasks_for("carol") == []
    assert row.due_at is not None
    assert row.status == "open"

    settings = load_settings(
        {
            "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
            "BACKOFFICE_STATE_DIR": str(runtime.settings().state_dir),
            **KEY_ENVIRONMENT,
            **records_environ(runtime.settings().state_dir),
        }
    )
    list_tasks(settings, "alice")
    assert row.id in capsys.readouterr().out
    with pytest.raises(RunError, match="carol may not decide this task"):
        await decide(settings, row.id, Actor("carol"), "approve", None, {}, None)
    with pytest.raises(RunError, match="bob is not among the people who may decide"):
        await decide(settings, row.id, Actor("bob"), "approve", None, {}, None)
    await decide(settings, row.id, Actor("alice"), "approve", "fine", {}, None)

    assert (await handle.result())["output"] == {"outcome": "approve"}
    with Session(database.engine(runtime.settings())) as session:
        closed = session.get(TaskRow, row.id)
    assert closed is not None
    assert (closed.status, closed.outcome) == ("decided", "approve")
    assert audit(row.id) == [("created", "system"), ("decided", "alice")]
    assert open_tasks_for("alice") == []


async def test_delegate_may_decide_while_the_manager_is_away(runner: ProcessRunner) -> None:
    people = read_directory_file(PEOPLE)
    today = date.today()
    away = Delegation.model_validate(
        {"from": "carol", "to": "dave", "starts": today - timedelta(days=1),
         "ends": today + timedelta(days=1)}
    )  # fmt: skip
    load_directory(
        database.engine(runtime.settings()), people.model_copy(update={"delegations": [away]})
    )
    name = runner.define(DEFINITION)
    handle = await runner.start(
        name, {"case": uuid.uuid4().hex[:8], "cost_center": "CC-9999", "entered_by": "bob"}
    )
    row = await task_row(handle)
    assert [task.id for task in open_tasks_for("dave")] == [row.id]
    with Session(database.engine(runtime.settings())) as session:
        created = session.exec(select(TaskEventRow).where(TaskEventRow.task_id == row.id)).one()
    assert json.loads(created.detail_json)["deciders"] == ["carol", "dave"]
    await handle.cancel()


async def test_timed_out_task_is_closed_in_the_table(skipping_runner: ProcessRunner) -> None:
    name = skipping_runner.define(DEFINITION)
    handle = await skipping_runner.start(
        name, {"case": uuid.uuid4().hex[:8], "cost_center": "CC-4100", "entered_by": "carol"}
    )
    assert (await handle.result())["output"] == {"outcome": "expired"}
    row = await task_row(handle)
    assert row.status == "timed_out"
    assert audit(row.id) == [("created", "system"), ("timed_out", "system")]


SLA = """
name: sla-approval
version: 1
title: SLA approval
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{cost_center_owner: CC-4100}]
      due: 3bd
      reminders: {every: 1bd}
      escalations:
        - after: 3bd
          add: [{manager_of: alice}]
        - after: 5bd
          replace: [{group: ap-managers}]
          notify: [{role: cfo}]
      timeout: {after: 7bd, outcome: expired}
output:
  outcome: ${ steps.approve.outcome }
  timed_out: ${ steps.approve.timed_out }
"""


async def test_reminders_and_each_escalation_level_then_the_timeout(
    skipping_runner: ProcessRunner,
) -> None:
    sink = MailSink(runtime.settings().state_dir / "mail", free_port())
    runtime.use(runtime.settings().model_copy(update={"smtp_url": sink.url}))
    sink.start()
    try:
        name = skipping_runner.define(SLA)
        handle = await skipping_runner.start(name, {"case": uuid.uuid4().hex[:8]})
        assert (await handle.result())["output"] == {"outcome": "expired", "timed_out": True}
    finally:
        sink.stop()
    to_alice = [str(m["Subject"]) for m in read_mailbox(sink.directory, "alice@acme.example")]
    assert [subject.split(":")[0] for subject in to_alice[:3]] == [
        "[sla-approval] New task",
        "[sla-approval] Reminder 1",
        "[sla-approval] Reminder 2",
    ]
    to_frank = [str(m["Subject"]) for m in read_mailbox(sink.directory, "frank@acme.example")]
    assert [subject.split(":")[0] for subject in to_frank] == ["[sla-approval] Escalation level 2"]
    row = await task_row(handle)
    events = audit(row.id)
    # Reminders every business day (1, 2, 4, 6), escalations at 3 and 5, timeout at 7.
    assert events == [
        ("created", "system"),
        ("reminded", "system"),
        ("reminded", "system"),
        ("escalated", "system"),
        ("reminded", "system"),
        ("escalated", "system"),
        ("reminded", "system"),
        ("timed_out", "system"),
    ]
    with Session(database.engine(runtime.settings())) as session:
        escalations = session.exec(
            select(TaskEventRow).where(
                TaskEventRow.task_id == row.id, TaskEventRow.event == "escalated"
            )
        ).all()
        first, second = (json.loads(event.detail_json) for event in escalations)
        notified = {
            (n.person_id, n.subject.split(":")[0])
            for n in session.exec(select(NotificationRow).where(NotificationRow.task_id == row.id))
        }
    assert first["deciders"] == ["alice", "carol"]
    assert second["deciders"] == ["dave"]
    assert second["notified"] == ["frank"]
    assert ("carol", "[sla-approval] Escalation level 1") in notified
    assert ("frank", "[sla-approval] Escalation level 2") in notified
    assert ("alice", "[sla-approval] Reminder 1") in notified


async def test_decision_between_reminders_stops_the_schedule(runner: ProcessRunner) -> None:
    name = runner.define(SLA)
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:8]})
    row = await task_row(handle)
    await eventually(
        lambda: row.id in [t.id for t in open_tasks_for("alice")], "alice's list to show the task"
    )
    from backoffice.engine.contracts import DECIDE_UPDATE, Decision, TaskView

    await handle.execute_update(
        DECIDE_UPDATE,
        Decision(task_id=row.id, user="alice", outcome="approve"),
        result_type=TaskView,
    )
    assert (await handle.result())["output"] == {"outcome": "approve", "timed_out": False}
    assert audit(row.id) == [("created", "system"), ("decided", "alice")]


async def test_operators_decide_by_signal_and_refused_ones_are_dropped(
    runner: ProcessRunner,
) -> None:
    from backoffice.engine.contracts import DECIDE_SIGNAL, Decision

    name = runner.define(DEFINITION)
    handle = await runner.start(
        name, {"case": uuid.uuid4().hex[:8], "cost_center": "CC-4100", "entered_by": "carol"}
    )
    row = await task_row(handle)
    # Signals apply in order: carol is excluded, and a reject needs a comment, so only the
    # third decides; had either of the first two applied, it would have decided instead.
    await handle.signal(DECIDE_SIGNAL, Decision(task_id=row.id, user="carol", outcome="approve"))
    await handle.signal(DECIDE_SIGNAL, Decision(task_id=row.id, user="alice", outcome="reject"))
    await handle.signal(
        DECIDE_SIGNAL,
        Decision(task_id=row.id, user="alice", outcome="reject", comment="wrong supplier"),
    )
    assert (await handle.result())["output"] == {"outcome": "reject"}
    assert audit(row.id) == [("created", "system"), ("decided", "alice")]
    with Session(database.engine(runtime.settings())) as session:
        decided = session.exec(
            select(TaskEventRow).where(
                TaskEventRow.task_id == row.id, TaskEventRow.event == "decided"
            )
        ).one()
    assert json.loads(decided.detail_json)["comment"] == "wrong supplier"


async def test_claimed_task_is_decided_by_its_claimer_until_released(
    runner: ProcessRunner,
) -> None:
    from backoffice.engine.contracts import CLAIM_UPDATE, DECIDE_UPDATE, Claim, Decision

    name = runner.define(DEFINITION.replace(
        'assignees: [{cost_center_owner: "${ input.cost_center }"}, {manager_of: bob}]',
        "assignees: [{group: ap-clerks}]",
    ))  # fmt: skip
    handle = await runner.start(
        name, {"case": uuid.uuid4().hex[:8], "cost_center": "CC-4100", "entered_by": "carol"}
    )
    row = await task_row(handle)

    async def update(name: str, payload: Any) -> TaskView:
        result: TaskView = await handle.execute_update(name, payload, result_type=TaskView)
        return result

    claimed = await update(CLAIM_UPDATE, Claim(task_id=row.id, user="alice"))
    assert claimed.claimed_by == "alice"
    with pytest.raises(WorkflowUpdateFailedError) as taken:
        await update(DECIDE_UPDATE, Decision(task_id=row.id, user="bob", outcome="approve"))
    assert f"task {row.id} is claimed by alice" in str(taken.value.cause)
    with pytest.raises(WorkflowUpdateFailedError) as not_yours:
        await update(CLAIM_UPDATE, Claim(task_id=row.id, user="bob", release=True))
    assert "bob has not claimed" in str(not_yours.value.cause)
    await update(CLAIM_UPDATE, Claim(task_id=row.id, user="alice", release=True))
    await update(DECIDE_UPDATE, Decision(task_id=row.id, user="bob", outcome="approve"))
    assert (await handle.result())["output"] == {"outcome": "approve"}
    assert audit(row.id) == [
        ("created", "system"),
        ("claimed", "alice"),
        ("released", "alice"),
        ("decided", "bob"),
    ]
