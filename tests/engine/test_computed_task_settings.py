"""Task settings worked out when the task opens: approvals by input, reminders before an
input date, due and timeout from expressions, and four-eyes that too few people can meet."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from backoffice import database, runtime
from backoffice.engine.contracts import (
    DECIDE_UPDATE,
    PROGRESS_QUERY,
    REASSIGN_UPDATE,
    Decision,
    Progress,
    Reassign,
    TaskView,
)
from backoffice.tasks.queries import task_detail
from backoffice.tasks.store import NotificationRow, TaskEventRow
from tests.support.eventually import eventually
from tests.support.processes import ProcessRunner
from tests.support.waits import opened_task

BERLIN = ZoneInfo("Europe/Berlin")

HEADER = """
version: 1
title: Computed task settings
owner: tests
business_key: input.case
calendar:
  timezone: Europe/Berlin
input:
  case: string
  role: string?
  end_date: string?
  n: any?
"""


def case() -> str:
    return uuid.uuid4().hex[:10]


def define(runner: ProcessRunner, body: str) -> str:
    return runner.define(f"name: settings-{uuid.uuid4().hex[:8]}\n{HEADER}\n{body}")


def audit(task_id: str, name: str) -> list[TaskEventRow]:
    with Session(database.engine(runtime.settings())) as session:
        return list(
            session.exec(
                select(TaskEventRow)
                .where(TaskEventRow.task_id == task_id, TaskEventRow.event == name)
                .order_by(col(TaskEventRow.id))
            )
        )


def when(row: TaskEventRow) -> datetime:
    # A timer fires at its moment; the workflow task that acts on it reads the clock a few
    # milliseconds later, so the audit is compared to the second.
    return row.at.replace(tzinfo=UTC, microsecond=0)


def local_midnight(day: datetime) -> datetime:
    return datetime.combine(day.date(), datetime.min.time(), BERLIN).astimezone(UTC)


async def decide(
    handle: WorkflowHandle[Any, Any], task: TaskView, user: str, outcome: str = "approve"
) -> TaskView:
    result: TaskView = await handle.execute_update(
        DECIDE_UPDATE,
        Decision(task_id=task.task_id, user=user, outcome=outcome),
        result_type=TaskView,
        id=f"{task.task_id}:{user}",
    )
    return result


APPROVALS = """
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{group: ap-clerks}, {user: carol}]
      approvals: "${ input.role in ['admin', 'treasury'] ? 2 : 1 }"
      timeout: {after: 5bd, outcome: expired}
output:
  by: ${ steps.approve.decided_by }
"""


async def test_approvals_computed_from_the_input(runner: ProcessRunner) -> None:
    name = define(runner, APPROVALS)
    privileged = await runner.start(name, {"case": case(), "role": "admin"})
    task = await opened_task(privileged, decidable=True)
    assert task.approvals_needed == 2
    assert (await decide(privileged, task, "alice")).status == "open"
    await decide(privileged, task, "bob")
    assert (await privileged.result())["output"] == {"by": ["alice", "bob"]}

    plain = await runner.start(name, {"case": case(), "role": "clerk"})
    task = await opened_task(plain, decidable=True)
    assert task.approvals_needed == 1
    await decide(plain, task, "carol")
    assert (await plain.result())["output"] == {"by": ["carol"]}


BAD_APPROVALS = """
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{group: ap-clerks}]
      approvals: ${ input.n }
      timeout: {after: 5bd, outcome: expired}
    catch:
      - errors: [ExpressionError]
        steps:
          - id: said
            set: {problem: "${ error.message }"}
output:
  problem: ${ vars.problem }
"""


async def test_approvals_that_are_not_a_whole_number_fail_the_step_catchably(
    runner: ProcessRunner,
) -> None:
    name = define(runner, "variables: {problem: ''}\n" + BAD_APPROVALS)
    result = await runner.run(name, {"case": case(), "n": 1.5})
    problem = result["output"]["problem"]
    assert "approvals `input.n` gave 1.5" in problem
    assert "a whole number from 1 to 5" in problem


REMINDERS = """
steps:
  - id: renew
    title: Renew contract ${ input.case }
    task:
      assignees: [{user: alice}]
      reminders: {before: "${ input.end_date }", at: [90d, 60d, 30d]}
      due: ${ input.end_date }
      timeout: {after: "${ input.end_date }", outcome: lapsed}
output:
  outcome: ${ steps.renew.outcome }
"""


async def test_reminders_before_an_input_date_come_90_60_and_30_days_before_it(
    skipping_runner: ProcessRunner, time_env: WorkflowEnvironment
) -> None:
    end = (await time_env.get_current_time()).astimezone(BERLIN) + timedelta(days=120)
    name = define(skipping_runner, REMINDERS)
    handle = await skipping_runner.start(name, {"case": case(), "end_date": end.date().isoformat()})
    assert (await handle.result())["output"] == {"outcome": "lapsed"}
    task_id = f"{handle.id}/renew"
    ends_at = local_midnight(end)
    reminded = audit(task_id, "reminded")
    assert [when(row) for row in reminded] == [
        ends_at - timedelta(days=days) for days in (90, 60, 30)
    ]
    (timed_out,) = audit(task_id, "timed_out")
    assert when(timed_out) == ends_at


async def test_reminders_already_past_are_skipped_and_said(
    skipping_runner: ProcessRunner, time_env: WorkflowEnvironment
) -> None:
    end = (await time_env.get_current_time()).astimezone(BERLIN) + timedelta(days=45)
    name = define(skipping_runner, REMINDERS)
    handle = await skipping_runner.start(name, {"case": case(), "end_date": end.date().isoformat()})
    assert (await handle.result())["output"] == {"outcome": "lapsed"}
    task_id = f"{handle.id}/renew"
    reminded = audit(task_id, "reminded")
    assert [json.loads(row.detail_json).get("number") for row in reminded] == [3]
    assert when(reminded[0]) == local_midnight(end) - timedelta(days=30)
    (created,) = audit(task_id, "created")
    (note,) = json.loads(created.detail_json)["notes"]
    assert note.startswith("the reminders 90d, 60d before ")
    assert "had already passed when the task opened: they are skipped" in note


DUE_AND_TIMEOUT = """
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{user: alice}]
      due: "${ input.role == 'urgent' ? '1d' : input.end_date }"
      timeout: {after: "${ input.role == 'urgent' ? '2d' : '3bd' }", outcome: expired}
output:
  outcome: ${ steps.approve.outcome }
"""


async def test_due_and_timeout_computed_when_the_task_opens(runner: ProcessRunner) -> None:
    name = define(runner, DUE_AND_TIMEOUT)
    urgent = await runner.start(name, {"case": case(), "role": "urgent", "end_date": ""})
    task = await opened_task(urgent)
    assert task.due_at == task.created_at + timedelta(days=1)
    assert task.deadline == task.created_at + timedelta(days=2)
    assert task.notes == []
    await urgent.cancel()

    # A due date after the timeout is moved to the timeout, and said.
    later = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    slow = await runner.start(name, {"case": case(), "role": "plain", "end_date": later})
    task = await opened_task(slow)
    assert task.due_at == task.deadline
    assert task.deadline > task.created_at + timedelta(days=2)
    (note,) = task.notes
    assert "came after the timeout" in note
    assert "due at the timeout instead" in note
    metadata = await slow.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    assert "due at the timeout instead" in metadata.current_details
    await slow.cancel()


SHORT = """
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{group: ap-managers}]
      approvals: 2
      reassigners: [{role: cfo}]
      timeout: {after: 5bd, outcome: expired}
output:
  by: ${ steps.approve.decided_by }
"""


async def test_four_eyes_too_few_can_meet_is_told_at_once_and_a_reassignment_fixes_it(
    runner: ProcessRunner,
) -> None:
    name = define(runner, SHORT)
    handle = await runner.start(name, {"case": case()})
    task = await opened_task(handle, decidable=True)
    assert sorted(task.deciders or {}) == ["dave"]  # ap-managers holds one person
    told = "needs 2 approvers, only 1 eligible: reassign or add an approver"

    async def shown() -> Progress | None:
        found = await handle.query(PROGRESS_QUERY, result_type=Progress)
        waiting = [step.waiting_for or "" for step in found.steps]
        return found if any(told in text for text in waiting) else None

    await eventually(shown, "the progress to tell of too few approvers")
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    assert told in metadata.current_details

    (short,) = audit(task.task_id, "short_of_approvers")
    assert json.loads(short.detail_json)["eligible"] == ["dave"]
    engine = database.engine(runtime.settings())
    with Session(engine) as session:
        mails = session.exec(
            select(NotificationRow).where(NotificationRow.task_id == task.task_id)
        ).all()
    assert ("frank", f"[{name}] Needs 2 approvers") in {
        (mail.person_id, mail.subject.split(",")[0]) for mail in mails
    }
    detail = task_detail(engine, task.task_id)
    assert detail is not None
    assert detail.approver_shortfall == told

    await handle.execute_update(
        REASSIGN_UPDATE,
        Reassign(task_id=task.task_id, user="frank", to=["dave", "alice"]),
        result_type=TaskView,
    )

    async def cleared() -> Progress | None:
        found = await handle.query(PROGRESS_QUERY, result_type=Progress)
        waiting = [step.waiting_for or "" for step in found.steps]
        return None if any(told in text for text in waiting) else found

    await eventually(cleared, "the notice to go once two may approve")
    detail = task_detail(engine, task.task_id)
    assert detail is not None
    assert detail.approver_shortfall is None
    await decide(handle, task, "dave")
    await decide(handle, task, "alice")
    assert (await handle.result())["output"] == {"by": ["dave", "alice"]}


def documented(name: str) -> str:
    """The complete example of ``name`` in the process owner's manual, as written there."""
    manual = Path(__file__).resolve().parents[2] / "docs" / "definitions.md"
    blocks = re.findall(r"```yaml\n(.*?)```", manual.read_text(encoding="utf-8"), re.S)
    (block,) = [block for block in blocks if f"\nname: {name}\n" in block]
    return block


async def test_the_documented_contract_renewal_runs_as_the_manual_says(
    skipping_runner: ProcessRunner, time_env: WorkflowEnvironment
) -> None:
    name = skipping_runner.define(documented("contract-renewal"))
    end = (await time_env.get_current_time()).astimezone(BERLIN) + timedelta(days=100)
    contract = case()
    handle = await skipping_runner.start(
        name,
        {
            "contract_id": contract,
            "end_date": end.date().isoformat(),
            "owner": "dave",
            "role": "admin",
        },
    )
    task = await opened_task(handle, decidable=True)
    assert task.approvals_needed == 2
    ends_at = datetime.combine(end.date(), datetime.min.time(), UTC)  # the calendar's zone
    assert task.deadline == ends_at
    assert task.due_at == task.deadline
    assert list(task.reminders_at.values()) == [
        ends_at - timedelta(days=days) for days in (90, 60, 30)
    ]
    assert (await decide(handle, task, "erin", "renew")).status == "open"
    await decide(handle, task, "dave", "renew")
    assert (await handle.result())["output"] == {"outcome": "renew"}


ESCALATION = """
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{user: alice}]
      escalations:
        - after: "${ input.role == 'late' ? input.end_date : '1d' }"
          add: [{user: bob}]
      timeout: {after: 2d, outcome: expired}
output:
  outcome: ${ steps.approve.outcome }
"""


async def test_a_computed_escalation_comes_then_or_is_left_out_and_said(
    skipping_runner: ProcessRunner, time_env: WorkflowEnvironment
) -> None:
    name = define(skipping_runner, ESCALATION)
    on_time = await skipping_runner.start(name, {"case": case(), "role": "soon"})
    assert (await on_time.result())["output"] == {"outcome": "expired"}
    (escalated,) = audit(f"{on_time.id}/approve", "escalated")
    assert json.loads(escalated.detail_json)["deciders"] == ["alice", "bob"]

    end = (await time_env.get_current_time()) + timedelta(days=10)
    late = await skipping_runner.start(
        name, {"case": case(), "role": "late", "end_date": end.date().isoformat()}
    )
    assert (await late.result())["output"] == {"outcome": "expired"}
    task_id = f"{late.id}/approve"
    assert audit(task_id, "escalated") == []
    (created,) = audit(task_id, "created")
    (note,) = json.loads(created.detail_json)["notes"]
    assert note.startswith("escalation level 1 (")
    assert "would come at or after the timeout (" in note
    assert note.endswith("): it is left out")
