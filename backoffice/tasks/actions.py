"""Acting on tasks from outside a run: what the inbox and the CLI share.

Each action is a Temporal update on the task's process; the process checks it and either
applies it or refuses it with a reason (a refused update leaves no trace in the run's
history). The identity (``user``) always comes from the authenticated caller. Where an
action needs the directory (a delegate's authority), it is asked here first, so a request
that cannot succeed never reaches the process.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import Engine
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from backoffice.engine.contracts import (
    CLAIM_UPDATE,
    DECIDE_UPDATE,
    DELEGATE_UPDATE,
    REASSIGN_UPDATE,
    RESCHEDULE_UPDATE,
    Claim,
    Decision,
    Delegate,
    Reassign,
    Reschedule,
    TaskView,
)
from backoffice.errors import BackofficeError
from backoffice.people.directory import SqlDirectory
from backoffice.tasks.closed_tasks import why_closed
from backoffice.tasks.queries import task_detail
from backoffice.tasks.store import TaskRow


class TaskRefused(BackofficeError):
    """The action was not taken; the message says why (and what to do, where it can)."""


def find_task(engine: Engine, task_id: str, person: str) -> TaskRow:
    """The open task; TaskRefused when there is none or it is closed already."""
    detail = task_detail(engine, task_id)
    if detail is None:
        raise TaskRefused(f"no task {task_id}: see `backoffice tasks --as {person}`")
    if detail.row.status != "open":
        # The table answers before the process does, so it says what the process would.
        raise TaskRefused(
            why_closed(detail) or f"task {task_id} is {detail.row.status.replace('_', ' ')}"
        )
    return detail.row


async def _update(
    client: Client, row: TaskRow, name: str, request: Any, update_id: str | None = None
) -> TaskView:
    handle = client.get_workflow_handle(row.workflow_id)
    try:
        view: TaskView = await handle.execute_update(
            name, request, result_type=TaskView, id=update_id
        )
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        reason = getattr(cause, "message", None) or str(cause)
        if "there is no task" in reason and row.status == "open":
            reason = "the task is still being opened: try again in a moment"
        raise TaskRefused(reason) from None
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND and "completed" in error.message:
            raise TaskRefused(f"task {row.id} is closed: its process has ended") from None
        raise TaskRefused(f"cannot reach the process of {row.id}: {error.message}") from None
    return view


async def decide(
    client: Client, engine: Engine, decision: Decision, request_id: str | None = None
) -> TaskView:
    """Send the decision. ``request_id`` names the request (a form shown once, a command):
    the same request sent again is applied once and answered with the first result, while
    a new request by someone who already decided is refused."""
    row = find_task(engine, decision.task_id, decision.user)
    update_id = f"{decision.task_id}:{decision.user}:{request_id or uuid.uuid4().hex}"
    view = await _update(client, row, DECIDE_UPDATE, decision, update_id)
    mine = [d for d in view.decisions if d.user == decision.user]
    if not mine or mine[-1].outcome != decision.outcome:
        raise TaskRefused(f"{decision.user} has already decided this task")
    return view


async def settled(engine: Engine, task_id: str, within_seconds: float = 10.0) -> bool:
    """Wait until the task table shows a decided task closed; False if not within the time.

    The process closes the task's row by an activity just after it accepted the decision:
    waiting for that here lets the page or command that follows show the task as it now
    is, instead of the form that was just submitted.
    """
    loop = asyncio.get_running_loop()
    until = loop.time() + within_seconds
    while True:
        detail = await asyncio.to_thread(task_detail, engine, task_id)
        if detail is None or detail.row.status != "open":
            return True
        if loop.time() >= until:
            return False
        await asyncio.sleep(0.1)


async def claim(client: Client, engine: Engine, request: Claim) -> TaskView:
    row = find_task(engine, request.task_id, request.user)
    return await _update(client, row, CLAIM_UPDATE, request)


async def delegate(client: Client, engine: Engine, request: Delegate) -> TaskView:
    row = find_task(engine, request.task_id, request.user)
    problem = SqlDirectory(engine).delegation_problem(request.user, request.to)
    if problem is not None:
        raise TaskRefused(problem)
    return await _update(client, row, DELEGATE_UPDATE, request)


async def reassign(
    client: Client, engine: Engine, request: Reassign, update_id: str | None = None
) -> TaskView:
    """Reassign the task; ``update_id`` makes a request sent again (a retried activity's)
    apply once."""
    row = find_task(engine, request.task_id, request.user)
    unknown = SqlDirectory(engine).inactive(request.to)
    if unknown:
        raise TaskRefused(f"not active people in the directory: {', '.join(unknown)}")
    return await _update(client, row, REASSIGN_UPDATE, request, update_id)


async def reschedule(client: Client, engine: Engine, request: Reschedule) -> TaskView:
    row = find_task(engine, request.task_id, request.user)
    return await _update(client, row, RESCHEDULE_UPDATE, request)
