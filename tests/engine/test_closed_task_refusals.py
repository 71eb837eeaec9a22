"""A decision on a task that closed without one is refused saying what happened and when.

The task table answers before the process is asked, so its refusal must be as clear as
the process's own: cancelled (its part of the process ended), timed out (its deadline
passed) or voided (the process undid its work), and in each case nothing is recorded.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from backoffice import database, runtime
from backoffice.engine.contracts import Decision
from backoffice.tasks.actions import TaskRefused, decide
from backoffice.tasks.closed_tasks import deciders_when_closed, why_closed
from backoffice.tasks.queries import AuditEvent, TaskDetail
from backoffice.tasks.store import TaskRow
from tests.engine.test_cli_identity import PASSWORD, backoffice
from tests.support.eventually import eventually
from tests.support.processes import ProcessRunner

# Two seconds on the real dev server: the decision comes too late by construction.
ENDS_WITHOUT_IT = """
name: NAME
version: 1
title: A task its block outlives
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: close
    timeout: 2s
    steps:
      - id: confirm_close
        task:
          assignees: [{user: alice}]
          form: {outcomes: [confirm]}
          timeout: {after: 10bd, outcome: expired}
    catch:
      - errors: [Timeout]
        steps:
          - {id: late, set: {late: true}}
variables: {late: false}
"""

RUNS_OUT = """
name: task-runs-out
version: 1
title: A task nobody decides in time
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: confirm_close
    task:
      assignees: [{user: alice}]
      form: {outcomes: [confirm]}
      timeout: {after: 2s, outcome: expired}
"""


def closed_row(workflow_id: str, status: str) -> TaskRow | None:
    with Session(database.engine(runtime.settings())) as session:
        rows = select(TaskRow).where(TaskRow.workflow_id == workflow_id)
        row = session.exec(rows.where(TaskRow.step_id == "confirm_close")).first()
    return row if row is not None and row.status == status else None


async def test_the_command_line_says_a_cancelled_task_no_longer_waits_for_a_decision(
    runner: ProcessRunner, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    name = runner.define(ENDS_WITHOUT_IT.replace("NAME", "ends-without-it-cli"))
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:8]})
    row = await eventually(lambda: closed_row(handle.id, "cancelled"), "the task to close")
    code, out = await backoffice(
        dev_env, tmp_path, "decide", row.id, "--as", "alice", "--outcome", "confirm",
        "--password-stdin", stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert code != 0, out
    assert f"task {row.id} was cancelled on " in out, out
    assert "the process no longer waits for this decision" in out, out
    assert "so nothing is recorded" in out, out


async def test_a_decision_after_the_tasks_own_deadline_is_refused_saying_it_timed_out(
    runner: ProcessRunner,
) -> None:
    name = runner.define(RUNS_OUT)
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:8]})
    row = await eventually(lambda: closed_row(handle.id, "timed_out"), "the task to time out")
    late = Decision(task_id=row.id, user="alice", outcome="confirm")
    with pytest.raises(TaskRefused) as refused:
        await decide(runner.client, database.engine(runtime.settings()), late)
    said = str(refused.value)
    assert f"task {row.id} timed out on " in said
    assert "no decision came before its deadline" in said
    assert "the outcome 'expired'" in said
    assert "nothing is recorded" in said


def _detail(status: str, *events: AuditEvent) -> TaskDetail:
    at = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    row = TaskRow(
        id="p/1/approve", workflow_id="p/1", process="p", business_key="1", step_id="approve",
        title="Approve", status=status, outcome="approve", created_at=at, deadline=at,
        closed_at=at, excluded_json='["erin"]',
    )  # fmt: skip
    return TaskDetail(row=row, deciders={}, events=list(events))


def _event(name: str, actor: str = "system", **detail: object) -> AuditEvent:
    return AuditEvent(datetime(2026, 12, 1, 9, 30, tzinfo=UTC), name, actor, "worker", detail)


def test_a_voided_task_says_when_and_why_its_decision_no_longer_stands() -> None:
    detail = _detail(
        "voided",
        _event("decided", "alice", outcome="approve"),
        _event("voided", reason="the payment was refused by the bank"),
    )
    said = why_closed(detail)
    assert said is not None
    assert said.startswith("task p/1/approve was voided on 2026-12-01 at 09:30 UTC")
    assert "(the payment was refused by the bank)" in said
    assert "nothing more is recorded" in said


def test_an_open_or_decided_task_has_nothing_to_explain() -> None:
    assert why_closed(_detail("open")) is None
    assert why_closed(_detail("decided")) is None


def test_whose_a_closed_task_was_follows_its_hand_overs() -> None:
    created = _event("created", deciders=["alice", "bob"])
    assert deciders_when_closed(_detail("cancelled", created)) == {"alice", "bob"}
    delegated = _event("delegated", "bob", to="carol")
    assert deciders_when_closed(_detail("cancelled", created, delegated)) == {"alice", "carol"}
    reassigned = _event("reassigned", "mia", to=["dave", "erin"])
    # erin is excluded from the task: a reassignment never made it hers.
    assert deciders_when_closed(_detail("cancelled", created, reassigned)) == {"dave"}
