"""Mails of ``notify`` steps, and voiding a decision that no longer stands (``void``).

Internal activities, like ``tasks.*``: only the interpreter calls them. Both write to the
outbox before they send, keyed so that a retried activity, or a run replayed on another
worker, finds its rows there and sends nothing twice (``backoffice/tasks/outbox.py``
sends each row once).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from pydantic import BaseModel, Field
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice import registry, runtime
from backoffice.links import task_url
from backoffice.people.directory import SqlDirectory
from backoffice.people.store import PersonRow
from backoffice.tasks.queries import as_utc
from backoffice.tasks.records import already, event, records_engine, send_mail
from backoffice.tasks.store import NotificationRow, TaskRow

NOBODY_TO_NOTIFY = "NobodyToNotify"


class Notice(BaseModel):
    """One notify step's mail, its text already written out by the run."""

    key: str = Field(description="The run and the step instance: unique per mail sent.")
    workflow_id: str
    process: str
    business_key: str
    step_id: str
    to: list[str]  # assignee rules, as tasks record them
    subject: str
    body: str
    at: datetime


class NoticeSent(BaseModel):
    sent_to: list[str]
    unresolved: list[str] = Field(default_factory=list)


class VoidRequest(BaseModel):
    task_id: str
    reason: str
    decided_by: list[str] = Field(default_factory=list)
    at: datetime


class Voided(BaseModel):
    task_id: str
    status: str
    told: list[str] = Field(default_factory=list)


def queue_mail(
    session: Session,
    key: str,
    about: str,
    person_id: str,
    subject: str,
    body: str,
    at: datetime,
) -> bool:
    """Put one mail to an active person in the outbox, unless ``key`` is there already."""
    person = session.get(PersonRow, person_id)
    if person is None or not person.active:
        return False
    if session.exec(select(NotificationRow.id).where(NotificationRow.key == key)).first():
        return True
    session.add(
        NotificationRow(
            key=key,
            task_id=about,
            person_id=person_id,
            email=person.email,
            subject=subject,
            body=body,
            created_at=at,
        )
    )
    return True


@registry.internal_activity()
@activity.defn(name="notify.send")
async def send_notice(notice: Notice) -> NoticeSent:
    """Mail the people a notify step names; a step that names nobody at all fails."""
    sent = await asyncio.to_thread(_queue_notice, notice)
    if sent.unresolved:
        activity.logger.warning(
            "notify: some rules name nobody", extra={"step": notice.key, "rules": sent.unresolved}
        )
    await asyncio.to_thread(send_mail)
    return sent


def _queue_notice(notice: Notice) -> NoticeSent:
    engine = records_engine()
    directory = SqlDirectory(engine)
    people: set[str] = set()
    unresolved: list[str] = []
    for rule in notice.to:
        found = directory.resolve(rule)
        people |= found
        if not found:
            unresolved.append(rule)
    if not people:
        raise ApplicationError(
            f"step '{notice.step_id}': nobody to mail: {', '.join(notice.to)} "
            f"{'names' if len(notice.to) == 1 else 'name'} no active person in the directory. "
            "Check the names, or add or_else to a rule, as in "
            "{role: controller, or_else: {group: finance-heads}}",
            {"unresolved": unresolved},
            type=NOBODY_TO_NOTIFY,
            non_retryable=True,
        )
    about = f"{notice.workflow_id}/{notice.step_id}"
    subject = f"[{notice.process}] {notice.subject}"
    body = f"{notice.body.rstrip()}\n\nCase {notice.business_key} ({notice.process}).\n"
    with Session(engine) as session:
        sent_to = [
            person
            for person in sorted(people)
            if queue_mail(
                session, f"notify#{notice.key}#{person}", about, person, subject, body, notice.at
            )
        ]
        session.commit()
    return NoticeSent(sent_to=sent_to, unresolved=unresolved)


@registry.internal_activity()
@activity.defn(name="tasks.void")
async def void_task(request: VoidRequest) -> Voided:
    """Mark a decided task voided with why, audited, and tell the people who decided it."""
    voided = await asyncio.to_thread(_void, request)
    await asyncio.to_thread(send_mail)
    return voided


def _void(request: VoidRequest) -> Voided:
    with Session(records_engine()) as session:
        row = session.get(TaskRow, request.task_id)
        if row is None:
            return Voided(task_id=request.task_id, status="unknown")
        if already(session, row, "voided"):  # retried after it was written
            return Voided(task_id=row.id, status=row.status, told=sorted(request.decided_by))
        decided = row.outcome
        row.status = "voided"
        row.claimed_by = None
        session.add(row)
        session.add(
            event(
                row,
                "voided",
                "voided",
                "system",
                request.at,
                outcome=decided,
                reason=request.reason,
                told=sorted(request.decided_by),
            )
        )
        # A task opened again by a later run of the same case is told apart by its opening.
        opening = f"{row.id}#{as_utc(row.created_at):%Y%m%dT%H%M%S%f}"
        link = task_url(runtime.settings().inbox_url, row.id)
        subject = f"[{row.process}] Decision voided: {row.title}"
        body = (
            f"Your decision ({decided or 'none'}) on {row.title} no longer stands: the "
            "process voided it while undoing its work.\n\n"
            f"Why: {request.reason}\n\nCase {row.business_key}, task {row.id}\n"
            f"See it in the inbox: {link}\n"
        )
        told = [
            person
            for person in sorted(set(request.decided_by))
            if queue_mail(
                session, f"{opening}#voided#{person}", row.id, person, subject, body, request.at
            )
        ]
        session.commit()
        return Voided(task_id=row.id, status="voided", told=told)
