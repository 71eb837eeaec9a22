"""Activities that keep the task table and the audit trail current, and resolve deciders.

The database is synchronous: each activity runs its work in a thread, off the event loop
that also polls workflow tasks.

Internal: only the interpreter's human-task steps call them (by these names, which recorded
histories hold). A definition calling ``tasks.close`` would decide a task around the
update validators and segregation of duties, so the catalog never lists them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice import registry
from backoffice.engine.contracts import ActingOperator
from backoffice.language.task_settings import shortfall_text
from backoffice.people.directory import SqlDirectory
from backoffice.tasks.context_facts import facts_of
from backoffice.tasks.guest_links import (
    GUEST_PREFIX,
    GuestInvite,
    guest_of_task,
    remind_guest,
    send_link,
)
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
    set_queues,
)
from backoffice.tasks.store import TaskRow


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
    description: str | None = None
    form: dict[str, Any] | None = None
    approvals: int = 1
    reassigners: list[str] = Field(default_factory=list)
    # Corrections made to a computed schedule when the task opened, kept in its audit.
    notes: list[str] = Field(default_factory=list)
    # The guest who alone decides it, mailed a link of their own (guest tasks only).
    guest: GuestInvite | None = None


class Deciders(BaseModel):
    """Who may decide, with why; excluded people are never among them."""

    deciders: dict[str, str]
    reassigners: list[str] = Field(default_factory=list)


class TaskClosed(BaseModel):
    task_id: str
    status: Literal["decided", "timed_out", "cancelled"]
    outcome: str | None = None
    decided_by: list[str] = Field(default_factory=list)
    at: datetime
    comment: str | None = None
    via: str | None = None
    address: str | None = None
    operator: ActingOperator | None = None


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
    operator: ActingOperator | None = None


class Recorded(BaseModel):
    task_id: str
    status: str


@registry.internal_activity()
@activity.defn(name="tasks.open")
async def open_task(task: TaskOpened) -> Deciders:
    """Record a new task and resolve who may decide it (delegations included)."""
    opened = await asyncio.to_thread(_open, task)
    activity.logger.info(
        "task opened", extra={"task_id": task.task_id, "deciders": len(opened.deciders)}
    )
    await asyncio.to_thread(send_mail)
    return opened


def eligible(
    found: dict[str, str], excluded: list[str], reassigners: Iterable[str]
) -> dict[str, str]:
    """Who may decide: those the rules found, less the excluded. When that leaves nobody
    (the only buyer ordered the goods, an escalation to the requester), the task goes to
    the people who may reassign it, rather than to no one."""
    deciders = {who: why for who, why in found.items() if who not in excluded}
    if deciders:
        return deciders
    return {
        who: "reassigner: nobody else may decide"
        for who in sorted(reassigners)
        if who not in excluded
    }


def _open(task: TaskOpened) -> Deciders:
    engine = records_engine()
    directory = SqlDirectory(engine)
    reassigners: set[str] = set()
    for rule in task.reassigners:
        reassigners |= directory.resolve(rule)
    if task.guest is not None:
        # Nobody of the directory decides a guest's task, not even its reassigners.
        deciders = {task.guest.id: f"guest {task.guest.name}".strip()}
    else:
        found = directory.deciders(task.assignees, task.created_at.date(), task.excluded)
        deciders = eligible(found, task.excluded, reassigners)
    with Session(engine) as session:
        row = session.get(TaskRow, task.task_id)
        if row is not None and as_utc(row.created_at) == task.created_at:
            return Deciders(deciders=candidates(session, row.id), reassigners=sorted(reassigners))
        # New, or opened again by a later run for the same case (the earlier one failed or
        # was terminated): the row starts over, the earlier opening's audit stays.
        facts = facts_of(task.context)
        values: dict[str, Any] = {
            "workflow_id": task.workflow_id,
            "process": task.process,
            "business_key": task.business_key,
            "step_id": task.step_id,
            "title": task.title,
            "status": "open",
            "outcome": None,
            "closed_at": None,
            "claimed_by": None,
            "created_at": task.created_at,
            "due_at": task.due_at,
            "deadline": task.deadline,
            "outcomes_json": json.dumps(task.outcomes),
            "context_json": json.dumps(task.context, default=str),
            "description": task.description,
            "form_json": json.dumps(task.form) if task.form is not None else None,
            "approvals": task.approvals,
            "excluded_json": json.dumps(task.excluded),
            "reassigners_json": json.dumps(sorted(reassigners)),
            "supplier": facts.supplier,
            "amount": facts.amount,
            "amount_text": facts.amount_text,
        }
        if row is None:
            row = TaskRow(id=task.task_id, **values)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        session.add(row)
        session.flush()
        set_candidates(session, task.task_id, deciders)
        set_queues(session, task.task_id, task.assignees)
        session.add(
            event(
                row,
                "created",
                "created",
                "system",
                task.created_at,
                assignees=task.assignees,
                deciders=sorted(deciders),
                excluded=task.excluded,
                notes=task.notes,
            )
        )
        notify(session, row, deciders, "created", task.created_at, "New task")
        if task.guest is not None:
            guest = task.guest
            if "@" not in guest.email:
                raise ApplicationError(
                    f"step '{task.step_id}': the guest's e-mail is empty or not an address, "
                    "so no link can be sent. Check the expression given as guest: email:",
                    type="GuestWithoutAddress",
                    non_retryable=True,
                )
            send_link(
                session, row, guest.id, guest.email, guest.name, guest.link_expires_at,
                task.created_at,
            )  # fmt: skip
        if len(deciders) < task.approvals:
            _short_of_approvers(session, row, task, deciders, reassigners)
        session.commit()
    return Deciders(deciders=deciders, reassigners=sorted(reassigners))


@registry.internal_activity()
@activity.defn(name="tasks.close")
async def close_task(closed: TaskClosed) -> Recorded:
    """Mark a task decided, timed out or cancelled, and write the audit event."""
    return await asyncio.to_thread(_close, closed)


def _close(closed: TaskClosed) -> Recorded:
    with Session(records_engine()) as session:
        row = session.get(TaskRow, closed.task_id)
        if row is not None and row.status == "open":
            row.status = closed.status
            row.outcome = closed.outcome
            row.closed_at = closed.at
            row.claimed_by = None
            session.add(row)
            set_candidates(session, closed.task_id, {})  # a closed task is nobody's to decide
            session.add(
                event(
                    row,
                    closed.status,
                    closed.status,
                    ",".join(closed.decided_by) or "system",
                    closed.at,
                    source=closed.via or "worker",
                    outcome=closed.outcome,
                    comment=closed.comment,
                    address=closed.address,
                    **operator_detail(closed.operator),
                )
            )
            session.commit()
        status = row.status if row is not None else "unknown"
    return Recorded(task_id=closed.task_id, status=status)


@registry.internal_activity()
@activity.defn(name="tasks.remind")
async def remind_task(reminder: TaskReminded) -> Recorded:
    """Remind the people who may decide; audited as 'reminded'."""
    recorded = await asyncio.to_thread(_remind, reminder)
    await asyncio.to_thread(send_mail)
    return recorded


def _remind(reminder: TaskReminded) -> Recorded:
    key = f"reminded-{reminder.number}"
    with Session(records_engine()) as session:
        row = open_row(session, reminder.task_id)
        if row is not None and not already(session, row, key):
            people = sorted(candidates(session, row.id))
            label = f"Reminder {reminder.number}"
            notify(session, row, people, f"reminder-{reminder.number}", reminder.at, label)
            if guest_of_task(session, row.id) is not None:
                remind_guest(session, row, reminder.number, reminder.at)
            session.add(
                event(
                    row,
                    key,
                    "reminded",
                    "system",
                    reminder.at,
                    number=reminder.number,
                    to=people,
                )
            )
            session.commit()
        status = row.status if row else "closed"
    return Recorded(task_id=reminder.task_id, status=status)


@registry.internal_activity()
@activity.defn(name="tasks.escalate")
async def escalate_task(escalation: TaskEscalated) -> Deciders:
    """Apply an escalation level: new deciders, notifications, audited as 'escalated'."""
    deciders = await asyncio.to_thread(_escalate, escalation)
    await asyncio.to_thread(send_mail)
    return Deciders(deciders=deciders)


def _escalate(escalation: TaskEscalated) -> dict[str, str]:
    engine = records_engine()
    directory = SqlDirectory(engine)
    # A guest's task stays theirs (the directory knows no guest): an escalation only tells.
    guest = [rule for rule in escalation.assignees if rule.startswith(GUEST_PREFIX)]
    found = (
        {}
        if guest
        else directory.deciders(escalation.assignees, escalation.at.date(), escalation.excluded)
    )
    notified: set[str] = set()
    for rule in escalation.notify:
        notified |= directory.resolve(rule)
    key = f"escalated-{escalation.level}"
    with Session(engine) as session:
        row = open_row(session, escalation.task_id)
        reassigners = json.loads(row.reassigners_json or "[]") if row is not None else []
        deciders = eligible(found, escalation.excluded, reassigners)
        if row is not None and guest:
            deciders = candidates(session, row.id)
        if row is not None and not already(session, row, key):
            set_candidates(session, row.id, deciders)
            set_queues(session, row.id, escalation.assignees)
            if row.claimed_by not in deciders:
                row.claimed_by = None
                session.add(row)
            label = f"Escalation level {escalation.level}"
            notify(session, row, set(deciders) | notified, key, escalation.at, label)
            session.add(
                event(
                    row,
                    key,
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


@registry.internal_activity()
@activity.defn(name="tasks.claim")
async def claim_task(claim: TaskClaimed) -> Recorded:
    """Audit a claim or a release ('claimed' / 'released')."""
    return await asyncio.to_thread(_claim, claim)


def _claim(claim: TaskClaimed) -> Recorded:
    name = "released" if claim.release else "claimed"
    # Claims repeat; the key makes one row per claim even when the activity is retried.
    key = f"{name}-{claim.user}-{claim.at.isoformat()}"
    with Session(records_engine()) as session:
        row = open_row(session, claim.task_id)
        if row is not None and not already(session, row, key):
            row.claimed_by = None if claim.release else claim.user
            session.add(row)
            source = "operator" if claim.operator else "worker"
            detail = operator_detail(claim.operator)
            session.add(event(row, key, name, claim.user, claim.at, source=source, **detail))
            session.commit()
    return Recorded(task_id=claim.task_id, status=name)


def _short_of_approvers(
    session: Session,
    row: TaskRow,
    task: TaskOpened,
    deciders: dict[str, str],
    reassigners: set[str],
) -> None:
    """Fewer people may approve than must: the audit says so, and those who may reassign
    the task hear it at once, instead of the task waiting silently until its timeout."""
    text = shortfall_text(task.approvals, len(deciders))
    session.add(
        event(
            row,
            "short_of_approvers",
            "short_of_approvers",
            "system",
            task.created_at,
            needed=task.approvals,
            eligible=sorted(deciders),
            advice=text,
        )
    )
    notify(session, row, reassigners, "short", task.created_at, text[0].upper() + text[1:])
