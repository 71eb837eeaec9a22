"""Closing the tasks of processes that ended without closing them.

A process closes its own tasks when it decides, times out, fails or is cancelled. A run
that is terminated (or times out, or is reset) runs no more code, so its open tasks would
stay in people's inboxes for ever. The worker sweeps them now and then: it asks Temporal
whether each process with open tasks still runs, and closes the tasks of those that do
not as cancelled, with the reason in the audit.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from backoffice.logs import get_logger
from backoffice.tasks.records import event, set_candidates
from backoffice.tasks.store import TaskRow

log = get_logger("backoffice.tasks")
PAGE = 500  # processes read from the task table at a time
MAX_PAGES = 1000
SWEEP_CONCURRENCY = 10  # processes asked at once


def _open_workflows(engine: Engine, after: str, limit: int) -> list[str]:
    """Processes with open tasks, in id order after ``after`` (a page of a sweep)."""
    with Session(engine) as session:
        query = (
            select(TaskRow.workflow_id)
            .where(TaskRow.status == "open", col(TaskRow.workflow_id) > after)
            .group_by(col(TaskRow.workflow_id))
            .order_by(col(TaskRow.workflow_id))
            .limit(limit)
        )
        return list(session.exec(query))


async def _ended(client: Client, workflow_id: str) -> str | None:
    """How the process's latest run ended, or None while it runs (or cannot be told)."""
    try:
        described = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return "gone"  # deleted by retention: nothing will ever close its tasks
        return None
    status = described.status
    if status in (None, WorkflowExecutionStatus.RUNNING, WorkflowExecutionStatus.CONTINUED_AS_NEW):
        return None
    return status.name.lower()


def _close(engine: Engine, workflow_id: str, how: str) -> int:
    now = datetime.now(UTC)
    with Session(engine) as session:
        rows = session.exec(
            select(TaskRow).where(TaskRow.workflow_id == workflow_id, TaskRow.status == "open")
        ).all()
        for row in rows:
            row.status, row.closed_at, row.claimed_by = "cancelled", now, None
            session.add(row)
            set_candidates(session, row.id, {})
            reason = f"the process ended ({how}) while the task was open"
            session.add(event(row, "cancelled", "cancelled", "system", now, reason=reason))
        session.commit()
        return len(rows)


async def close_orphaned_tasks(client: Client, engine: Engine) -> int:
    """One sweep over every process with open tasks; the number of tasks closed."""
    gate = asyncio.Semaphore(SWEEP_CONCURRENCY)

    async def check(workflow_id: str) -> int:
        async with gate:
            how = await _ended(client, workflow_id)
        if how is None:
            return 0
        closed = await asyncio.to_thread(_close, engine, workflow_id, how)
        log.warning("tasks of an ended process closed", workflow_id=workflow_id, how=how)
        return closed

    closed, after = 0, ""
    for _ in range(MAX_PAGES):
        page = await asyncio.to_thread(_open_workflows, engine, after, PAGE)
        closed += sum(await asyncio.gather(*(check(w) for w in page)))
        if len(page) < PAGE:
            break
        after = page[-1]
    return closed


async def sweep_until(
    client: Client, engine: Engine, every_seconds: float, stop: asyncio.Event
) -> None:
    """Sweep every ``every_seconds`` until ``stop``; a failed sweep is logged and retried."""
    while not stop.is_set():
        try:
            await close_orphaned_tasks(client, engine)
        except Exception as error:  # the next sweep tries again; the worker keeps running
            log.warning("sweep of ended processes' tasks failed", error=str(error))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_seconds)
