"""Activities that keep the task table and the audit trail current, and resolve deciders."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, delete, select
from temporalio import activity

from backoffice import database, registry, runtime
from backoffice.mail import send_pending
from backoffice.people.directory import SqlDirectory
from backoffice.people.store import PersonRow
from backoffice.tasks.store import NotificationRow, TaskCandidateRow, TaskEventRow, TaskRow


class TaskOpened(BaseModel):
    task_id: str
    workflow_id: str
    process: str
    business_key: str
    step_id: str
    title: str
    assignees: list[str]
    excluded: list[str] = Field(default_factory=list)
    outcomes: list[str]
    created_at: datetime
    due_at: datetime | None = None
    deadline: datetime
    context: dict[str, Any] = Field(default_factory=dict)


class Deciders(BaseModel):
    """Who may decide, with why; excluded people are never among them."""

    deciders: dict[str, str]


class TaskClosed(BaseModel):
    task_id: str
    status: Literal["decided", "timed_out", "cancelled"]
    outcome: str | None = None
    decided_by: list[str] = Field(default_factory=list)
    at: datetime
    comment: str | None = None


class TaskReminded(BaseModel):
    task_id: str
    number: int
    at: datetime


class TaskEscalated(BaseModel):
    task_id: str
    level: int
    at: datetime
    assignees: list[str]
    excluded: list[str] = Field(default_factory=list)
    notify: list[str] = Field(default_factory=list)


class TaskClaimed(BaseModel):
    task_id: str
    user: str
    release: bool = False
    at: datetime


class Recorded(BaseModel):
    task_id: str
    status: str


def _engine() -> Any:
    return database.engine(runtime.settings())


def _send_mail() -> None:
    settings = runtime.settings()
    send_pending(_engine(), settings.smtp_url, settings.mail_from)


def _event(
    task_id: str, key: str, event: str, actor: str, at: datetime, **detail: Any
) -> TaskEventRow:
    return TaskEventRow(
        key=f"{task_id}#{key}",
        task_id=task_id,
        at=at,
        event=event,
        actor=actor,
        source="worker",
        detail_json=json.dumps(detail, default=str),
    )


@registry.activity()
@activity.defn(name="tasks.open")
async def open_task(task: TaskOpened) -> Deciders:
    """Record a new task and resolve who may decide it (delegations included)."""
    # The database is synchronous: run it off the event loop that polls workflow tasks.
    deciders = await asyncio.to_thread(_open, task)
    activity.logger.info("task opened", extra={"task_id": task.task_id, "deciders": len(deciders)})
    await asyncio.to_thread(_send_mail)
    return Deciders(deciders=deciders)


def _open(task: TaskOpened) -> dict[str, str]:
    engine = _engine()
    found = SqlDirectory(engine).deciders(task.assignees, task.created_at.date())
    deciders = {who: why for who, why in found.items() if who not in task.excluded}
    with Session(engine) as session:
        if session.get(TaskRow, task.task_id) is None:  # a retried attempt writes nothing twice
            session.add(
                TaskRow(
                    id=task.task_id,
                    workflow_id=task.workflow_id,
                    process=task.process,
                    business_key=task.business_key,
                    step_id=task.step_id,
                    title=task.title,
                    created_at=task.created_at,
                    due_at=task.due_at,
                    deadline=task.deadline,
                    outcomes_json=json.dumps(task.outcomes),
                    context_json=json.dumps(task.context, default=str),
                )
            )
            session.flush()
            _set_candidates(session, task.task_id, deciders)
            session.add(
                _event(
                    task.task_id,
                    "created",
                    "created",
                    "system",
                    task.created_at,
                    assignees=task.assignees,
                    deciders=sorted(deciders),
                    excluded=task.excluded,
                )
            )
            row = session.get(TaskRow, task.task_id)
            assert row is not None
            _notify(session, row, deciders, "created", task.created_at, "New task")
            session.commit()
    return deciders


@registry.activity()
@activity.defn(name="tasks.close")
async def close_task(closed: TaskClosed) -> Recorded:
    """Mark a task decided, timed out or cancelled, and write the audit event."""
    return await asyncio.to_thread(_close, closed)


def _close(closed: TaskClosed) -> Recorded:
    with Session(_engine()) as session:
        row = session.get(TaskRow, closed.task_id)
        if row is not None and row.status == "open":
            row.status = closed.status
            row.outcome = closed.outcome
            row.closed_at = closed.at
            session.add(row)
            _set_candidates(session, closed.task_id, {})  # a closed task is nobody's to decide
            actor = ",".join(closed.decided_by) or "system"
            session.add(
                _event(
                    closed.task_id,
                    closed.status,
                    closed.status,
                    actor,
                    closed.at,
                    outcome=closed.outcome,
                    comment=closed.comment,
                )
            )
            session.commit()
        status = row.status if row is not None else "unknown"
    return Recorded(task_id=closed.task_id, status=status)


def _notify(
    session: Session, row: TaskRow, people: Iterable[str], kind: str, at: datetime, text: str
) -> None:
    for person_id in sorted(set(people)):
        person = session.get(PersonRow, person_id)
        if person is None or not person.active:
            continue
        session.add(
            NotificationRow(
                key=f"{row.id}#{kind}#{person_id}",
                task_id=row.id,
                person_id=person_id,
                email=person.email,
                subject=f"[{row.process}] {text}: {row.title}",
                body=f"{text}: {row.title}\nCase {row.business_key}, task {row.id}\n"
                f"Due {row.due_at or row.deadline:%Y-%m-%d %H:%M} UTC.",
                created_at=at,
            )
        )


def _set_candidates(session: Session, task_id: str, deciders: dict[str, str]) -> None:
    """Who may decide the task now: replaces whoever could before."""
    session.exec(delete(TaskCandidateRow).where(TaskCandidateRow.task_id == task_id))  # type: ignore[arg-type]
    session.add_all(
        TaskCandidateRow(task_id=task_id, person_id=who, reason=why)
        for who, why in deciders.items()
    )


def _candidates(session: Session, task_id: str) -> list[str]:
    rows = session.exec(
        select(TaskCandidateRow.person_id).where(TaskCandidateRow.task_id == task_id)
    )
    return list(rows)


def _already(session: Session, key: str) -> bool:
    return session.exec(select(TaskEventRow.id).where(TaskEventRow.key == key)).first() is not None


@registry.activity()
@activity.defn(name="tasks.remind")
async def remind_task(reminder: TaskReminded) -> Recorded:
    """Remind the people who may decide; audited as 'reminded'."""
    recorded = await asyncio.to_thread(_remind, reminder)
    await asyncio.to_thread(_send_mail)
    return recorded


def _remind(reminder: TaskReminded) -> Recorded:
    with Session(_engine()) as session:
        row = session.get(TaskRow, reminder.task_id)
        key = f"{reminder.task_id}#reminded-{reminder.number}"
        if row is not None and row.status == "open" and not _already(session, key):
            people = _candidates(session, row.id)
            _notify(
                session,
                row,
                people,
                f"reminder-{reminder.number}",
                reminder.at,
                f"Reminder {reminder.number}",
            )
            session.add(
                _event(
                    row.id,
                    f"reminded-{reminder.number}",
                    "reminded",
                    "system",
                    reminder.at,
                    number=reminder.number,
                    to=people,
                )
            )
            session.commit()
        status = row.status if row else "unknown"
    return Recorded(task_id=reminder.task_id, status=status)


@registry.activity()
@activity.defn(name="tasks.escalate")
async def escalate_task(escalation: TaskEscalated) -> Deciders:
    """Apply an escalation level: new deciders, notifications, audited as 'escalated'."""
    deciders = await asyncio.to_thread(_escalate, escalation)
    await asyncio.to_thread(_send_mail)
    return Deciders(deciders=deciders)


def _escalate(escalation: TaskEscalated) -> dict[str, str]:
    engine = _engine()
    directory = SqlDirectory(engine)
    found = directory.deciders(escalation.assignees, escalation.at.date())
    deciders = {who: why for who, why in found.items() if who not in escalation.excluded}
    notified: set[str] = set()
    for rule in escalation.notify:
        notified |= directory.resolve(rule)
    with Session(engine) as session:
        row = session.get(TaskRow, escalation.task_id)
        key = f"{escalation.task_id}#escalated-{escalation.level}"
        if row is not None and row.status == "open" and not _already(session, key):
            _set_candidates(session, row.id, deciders)
            label = f"Escalation level {escalation.level}"
            _notify(
                session,
                row,
                set(deciders) | notified,
                f"escalated-{escalation.level}",
                escalation.at,
                label,
            )
            session.add(
                _event(
                    row.id,
                    f"escalated-{escalation.level}",
                    "escalated",
                    "system",
                    escalation.at,
                    level=escalation.level,
                    assignees=escalation.assignees,
                    deciders=sorted(deciders),
                    notified=sorted(notified),
                )
            )
            session.commit()
    return deciders


@registry.activity()
@activity.defn(name="tasks.claim")
async def claim_task(claim: TaskClaimed) -> Recorded:
    """Audit a claim or a release ('claimed' / 'released')."""
    return await asyncio.to_thread(_claim, claim)


def _claim(claim: TaskClaimed) -> Recorded:
    event = "released" if claim.release else "claimed"
    with Session(_engine()) as session:
        # Claims repeat; the key makes one row per claim even when the activity is retried.
        key = f"{event}-{claim.user}-{claim.at.isoformat()}"
        if not _already(session, f"{claim.task_id}#{key}"):
            session.add(_event(claim.task_id, key, event, claim.user, claim.at))
            session.commit()
    return Recorded(task_id=claim.task_id, status=event)


def open_tasks_for(person: str, limit: int = 200) -> list[TaskRow]:
    """A person's open tasks, soonest due first: what the inbox and `backoffice tasks` list."""
    with Session(_engine()) as session:
        query = (
            select(TaskRow)
            .join(TaskCandidateRow, TaskCandidateRow.task_id == TaskRow.id)  # type: ignore[arg-type]
            .where(TaskCandidateRow.person_id == person, TaskRow.status == "open")
            .order_by(TaskRow.due_at, TaskRow.deadline)  # type: ignore[arg-type]
            .limit(limit)
        )
        return list(session.exec(query))
