"""``backoffice tasks`` and ``backoffice decide``: the inbox at the command line."""

from __future__ import annotations

import json
from typing import Any

import typer
from sqlmodel import Session
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from backoffice import database, runtime
from backoffice.cli.runs import client_for
from backoffice.engine.contracts import (
    CLAIM_UPDATE,
    DECIDE_SIGNAL,
    DECIDE_UPDATE,
    Claim,
    Decision,
    TaskView,
)
from backoffice.engine.runs import RunError
from backoffice.settings import Settings
from backoffice.tasks.store import TaskRow


def list_tasks(settings: Settings, person: str) -> None:
    from activities.tasks import open_tasks_for

    runtime.use(settings)
    rows = open_tasks_for(person)
    if not rows:
        typer.echo(f"{person} has no open tasks")
        return
    for row in rows:
        due = f"due {row.due_at:%Y-%m-%d %H:%M}" if row.due_at else "no due date"
        typer.echo(f"{row.id}\n    {row.title}  ({row.process} {row.business_key}, {due})")


def task_row(settings: Settings, task_id: str, person: str) -> TaskRow:
    """The task as the task table knows it, or a RunError pointing at `backoffice tasks`."""
    with Session(database.engine(settings)) as session:
        row = session.get(TaskRow, task_id)
    if row is None:
        raise RunError(f"no task {task_id}: see `backoffice tasks --as {person}`")
    return row


def parse_fields(fields: list[str]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for item in fields:
        name, separator, value = item.partition("=")
        if not separator or not name:
            raise RunError(f"--field {item!r}: write NAME=VALUE")
        try:
            parsed[name] = json.loads(value)
        except json.JSONDecodeError:
            parsed[name] = value
    return parsed


async def decide(
    settings: Settings,
    task_id: str,
    person: str,
    outcome: str,
    comment: str | None,
    fields: dict[str, Any],
    port: int | None,
    by_signal: bool = False,
) -> None:
    row = task_row(settings, task_id, person)
    client = await client_for(settings, port)
    decision = Decision(
        task_id=task_id, user=person, outcome=outcome, comment=comment, fields=fields
    )
    if by_signal:
        await client.get_workflow_handle(row.workflow_id).signal(DECIDE_SIGNAL, decision)
        typer.echo(
            f"{outcome} by {person} on {task_id} sent: it applies when a worker runs the "
            "process, and is dropped (with a warning in the worker log) if not allowed"
        )
        return
    try:
        view: TaskView = await client.get_workflow_handle(row.workflow_id).execute_update(
            DECIDE_UPDATE, decision, result_type=TaskView, id=f"{task_id}:{person}"
        )
    except WorkflowUpdateFailedError as error:
        reason = str(error.cause)
        if "there is no task" in reason and row.status == "open":
            reason = "the task is still being opened: try again in a moment"
        raise RunError(f"decision refused: {reason}") from None
    except RPCError as error:
        raise RunError(f"cannot reach the process of {task_id}: {error.message}") from None
    state = "decided" if view.status == "decided" else "recorded; more approvals are needed"
    typer.echo(f"{outcome} by {person} on {task_id}: {state}")


async def claim(
    settings: Settings, task_id: str, person: str, release: bool, port: int | None
) -> None:
    row = task_row(settings, task_id, person)
    client = await client_for(settings, port)
    request = Claim(task_id=task_id, user=person, release=release)
    try:
        await client.get_workflow_handle(row.workflow_id).execute_update(
            CLAIM_UPDATE, request, result_type=TaskView
        )
    except WorkflowUpdateFailedError as error:
        raise RunError(f"refused: {error.cause}") from None
    typer.echo(f"{task_id} {'released' if release else 'claimed'} by {person}")
