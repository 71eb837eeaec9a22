"""Activities behind the changes people make to open tasks.

One of several approvals, a delegation, a reassignment, a new deadline: each changes who
may decide or when, writes its audit row and tells the people concerned. The process
checked the request against the task's state before accepting it
(``workflows/task_rules.py``); checks that need the directory are made here, and a refusal
is a ``TaskChangeRefused`` error the caller sees with its reason.

Internal, like the activities of ``backoffice/tasks/activities.py``: only the process's
update handlers call them, after those checks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice import registry
from backoffice.engine.contracts import ActingOperator
from backoffice.people.directory import SqlDirectory
from backoffice.tasks.activities import Deciders, Recorded
from backoffice.tasks.queries import as_utc
from backoffice.tasks.records import (
    already,
    candidates,
    event,
    notify,
    open_row,
    operator_detail,
    records_engine,
    send_mail,
    set_candidates,
)
from backoffice.tasks.store import TaskEventRow, TaskRow

REFUSED = "TaskChangeRefused"


class Change(BaseModel):
    task_id: str
    user: str
    at: datetime
    comment: str | None = None
    via: str | None = None
    address: str | None = None
    operator: ActingOperator | None = None


class DecisionMade(Change):
    outcome: str
    fields: dict[str, Any] = Field(default_factory=dict)


class Delegated(Change):
    to: str


class Reassigned(Change):
    to: list[str]
    excluded: list[str] = Field(default_factory=list)


class Rescheduled(Change):
    deadline: datetime
    due_at: datetime | None = None


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, type=REFUSED, non_retryable=True)


@registry.internal_activity()
@activity.defn(name="tasks.record_decision")
async def record_decision(decision: DecisionMade) -> Recorded:
    """One of several approvals: audited, and the task leaves that person's list."""
    return await asyncio.to_thread(_record_decision, decision)


def _record_decision(decision: DecisionMade) -> Recorded:
    key = f"decision-{decision.user}"
    with Session(records_engine()) as session:
        row = open_row(session, decision.task_id)
        if row is not None and not already(session, row, key):
            remaining = candidates(session, row.id)
            remaining.pop(decision.user, None)  # nobody decides the same task twice
            set_candidates(session, row.id, remaining)
            session.add(_audit(row, key, "approved", decision, outcome=decision.outcome))
            session.commit()
    return Recorded(task_id=decision.task_id, status="recorded")


@registry.internal_activity()
@activity.defn(name="tasks.delegate")
async def delegate_task(change: Delegated) -> Deciders:
    """Hand the task from a decider to someone of the same or higher authority."""
    deciders = await asyncio.to_thread(_delegate, change)
    await asyncio.to_thread(send_mail)
    return Deciders(deciders=deciders)


def _delegate(change: Delegated) -> dict[str, str]:
    problem = SqlDirectory(records_engine()).delegation_problem(change.user, change.to)
    if problem is not None:
        raise _refuse(problem)

    def moved(current: dict[str, str]) -> dict[str, str]:
        deciders = {who: why for who, why in current.items() if who != change.user}
        return {**deciders, change.to: f"delegated by {change.user}"}

    key = f"delegated-{change.user}-{change.to}-{change.at.isoformat()}"
    return _hand_over(
        change, "delegated", key, moved, f"Delegated to you by {change.user}", change.to
    )


def _hand_over(
    change: Change,
    name: str,
    key: str,
    decide: Callable[[dict[str, str]], dict[str, str]],
    told: str,
    to: Any,
) -> dict[str, str]:
    """Give an open task new deciders (from the current ones); tell the newcomers; audit."""
    with Session(records_engine()) as session:
        row = open_row(session, change.task_id)
        current = candidates(session, change.task_id)
        if row is None or already(session, row, key):
            return current
        deciders = decide(current)
        set_candidates(session, row.id, deciders)
        row.claimed_by = None
        session.add(row)
        notify(session, row, [p for p in deciders if p not in current], key, change.at, told)
        session.add(_audit(row, key, name, change, to=to))
        session.commit()
    return deciders


def _audit(row: TaskRow, key: str, name: str, change: Change, **detail: Any) -> TaskEventRow:
    """The audit row of a person's change: who, when, from where, why."""
    return event(
        row, key, name, change.user, change.at, source=change.via or "api",
        comment=change.comment, address=change.address, **operator_detail(change.operator),
        **detail,
    )  # fmt: skip


@registry.internal_activity()
@activity.defn(name="tasks.reassign")
async def reassign_task(change: Reassigned) -> Deciders:
    """Give the task to other people: they replace whoever could decide before."""
    deciders = await asyncio.to_thread(_reassign, change)
    await asyncio.to_thread(send_mail)
    return Deciders(deciders=deciders)


def _reassign(change: Reassigned) -> dict[str, str]:
    missing = SqlDirectory(records_engine()).inactive(change.to)
    if missing:
        raise _refuse(f"not active people in the directory: {', '.join(missing)}")
    deciders = {p: f"reassigned by {change.user}" for p in change.to if p not in change.excluded}
    key = f"reassigned-{change.user}-{change.at.isoformat()}"
    told = f"Assigned to you by {change.user}"
    return _hand_over(change, "reassigned", key, lambda _: deciders, told, change.to)


@registry.internal_activity()
@activity.defn(name="tasks.reschedule")
async def reschedule_task(change: Rescheduled) -> Recorded:
    """Move the task's deadline and due date; its deciders hear of it."""
    recorded = await asyncio.to_thread(_reschedule, change)
    await asyncio.to_thread(send_mail)
    return recorded


def _reschedule(change: Rescheduled) -> Recorded:
    key = f"rescheduled-{change.user}-{change.at.isoformat()}"
    with Session(records_engine()) as session:
        row = open_row(session, change.task_id)
        if row is None or already(session, row, key):
            return Recorded(task_id=change.task_id, status="unchanged")
        old_deadline, old_due = row.deadline, row.due_at
        shift = change.deadline - as_utc(row.deadline)
        row.due_at = change.due_at or (as_utc(row.due_at) + shift if row.due_at else None)
        row.deadline = change.deadline
        session.add(row)
        label = f"New deadline {change.deadline:%Y-%m-%d %H:%M} UTC"
        notify(session, row, candidates(session, row.id), key, change.at, label)
        session.add(
            _audit(
                row,
                key,
                "rescheduled",
                change,
                deadline=change.deadline,
                due_at=row.due_at,
                previous_deadline=old_deadline,
                previous_due_at=old_due,
            )
        )
        session.commit()
    return Recorded(task_id=change.task_id, status="rescheduled")
