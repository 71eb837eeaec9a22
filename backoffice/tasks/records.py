"""Writing the task table, the audit trail and the outbox: what the task activities share.

Activities run at least once, so every write here is idempotent: audit rows and
notifications carry a key unique per task and event, and a second write of the same key
is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, delete, select

from backoffice import database, runtime
from backoffice.engine.contracts import ActingOperator
from backoffice.links import task_url
from backoffice.people.store import PersonRow
from backoffice.tasks.outbox import send_pending
from backoffice.tasks.queries import as_utc
from backoffice.tasks.store import (
    NotificationRow,
    TaskCandidateRow,
    TaskEventRow,
    TaskQueueRow,
    TaskRow,
)


def records_engine() -> Engine:
    return database.engine(runtime.settings())


def send_mail() -> None:
    """Send what the outbox holds (no-op without SMTP); a failure leaves it pending."""
    settings = runtime.settings()
    send_pending(records_engine(), settings.smtp_url, settings.mail_from)


def event(
    row: TaskRow,
    key: str,
    name: str,
    actor: str,
    at: datetime,
    source: str = "worker",
    **detail: Any,
) -> TaskEventRow:
    """An audit row; ``key`` makes it unique for this opening of the task (see ``already``)."""
    return TaskEventRow(
        key=_unique(row, key),
        task_id=row.id,
        at=at,
        event=name,
        actor=actor,
        source=source,
        detail_json=json.dumps(detail, default=str),
    )


def operator_detail(operator: ActingOperator | None) -> dict[str, str]:
    """What the audit keeps of an operator acting in someone's name: who, and why."""
    return {} if operator is None else {"operator": operator.name, "reason": operator.reason}


def _unique(row: TaskRow, key: str) -> str:
    # A process started again for the same case (after a failed run) opens the same task
    # id anew: its opening time tells its events apart from the earlier run's.
    return f"{row.id}#{as_utc(row.created_at):%Y%m%dT%H%M%S%f}#{key}"


def already(session: Session, row: TaskRow, key: str) -> bool:
    """Whether the audit already holds this event (an activity retried after writing it)."""
    query = select(TaskEventRow.id).where(TaskEventRow.key == _unique(row, key))
    return session.exec(query).first() is not None


def notify(
    session: Session, row: TaskRow, people: Iterable[str], kind: str, at: datetime, text: str
) -> None:
    """Queue an e-mail about the task to each active person; sent by ``send_mail``."""
    for person_id in sorted(set(people)):
        person = session.get(PersonRow, person_id)
        if person is None or not person.active:
            continue
        key = _unique(row, f"{kind}#{person_id}")
        if session.exec(select(NotificationRow.id).where(NotificationRow.key == key)).first():
            continue
        session.add(
            NotificationRow(
                key=key,
                task_id=row.id,
                person_id=person_id,
                email=person.email,
                subject=f"[{row.process}] {text}: {row.title}",
                body=f"{text}: {row.title}\nCase {row.business_key}, task {row.id}\n"
                f"Due {row.due_at or row.deadline:%Y-%m-%d %H:%M} UTC.\n\n"
                f"Open it in the inbox: {task_url(runtime.settings().inbox_url, row.id)}\n",
                created_at=at,
            )
        )


def set_candidates(session: Session, task_id: str, deciders: dict[str, str]) -> None:
    """Who may decide the task now: replaces whoever could before."""
    session.exec(delete(TaskCandidateRow).where(TaskCandidateRow.task_id == task_id))  # type: ignore[arg-type]
    session.add_all(
        TaskCandidateRow(task_id=task_id, person_id=who, reason=why)
        for who, why in deciders.items()
    )


def queues_named(assignees: Iterable[str]) -> set[str]:
    """The groups assignee rules name: ``group:ap-clerks``, ``approval_limit:5000@ap-clerks``."""
    groups: set[str] = set()
    for rule in assignees:
        kind, _, value = rule.partition(":")
        if kind == "group" and value:
            groups.add(value)
        elif kind == "approval_limit" and "@" in value:
            groups.add(value.partition("@")[2])
    return groups


def set_queues(session: Session, task_id: str, assignees: Iterable[str]) -> None:
    """Put the task in the queues of the groups its rules name now (and only those)."""
    session.exec(delete(TaskQueueRow).where(TaskQueueRow.task_id == task_id))  # type: ignore[arg-type]
    session.add_all(
        TaskQueueRow(task_id=task_id, group_id=group) for group in sorted(queues_named(assignees))
    )


def candidates(session: Session, task_id: str) -> dict[str, str]:
    """Who may decide the task now, each with why."""
    rows = session.exec(select(TaskCandidateRow).where(TaskCandidateRow.task_id == task_id))
    return {row.person_id: row.reason for row in rows}


def open_row(session: Session, task_id: str) -> TaskRow | None:
    """The task if it is still open: changes to closed tasks are not written."""
    row = session.get(TaskRow, task_id)
    return row if row is not None and row.status == "open" else None
