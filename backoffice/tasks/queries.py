"""Reading tasks for people: what the inbox and ``backoffice tasks`` show.

Listing asks the task table, never Temporal: a person's open tasks come from one indexed
join, so the inbox stays fast with thousands of open tasks (``bench/inbox.py``). The
inbox's filtered lists and group queues are in ``listing.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from backoffice.language.task_settings import shortfall_text
from backoffice.tasks.store import TaskCandidateRow, TaskEventRow, TaskQueueRow, TaskRow

PAGE_SIZE = 200


def as_utc(moment: datetime) -> datetime:
    """Times in the task table are UTC; some databases give them back without the zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_overdue(row: TaskRow, now: datetime) -> bool:
    return as_utc(row.due_at or row.deadline) < now


def open_tasks_for(engine: Engine, person: str, limit: int = PAGE_SIZE) -> list[TaskRow]:
    """A person's open tasks, soonest due first."""
    with Session(engine) as session:
        query = (
            select(TaskRow)
            .join(TaskCandidateRow, col(TaskCandidateRow.task_id) == col(TaskRow.id))
            .where(TaskCandidateRow.person_id == person, TaskRow.status == "open")
            .order_by(col(TaskRow.due_at), col(TaskRow.deadline))
            .limit(limit)
        )
        return list(session.exec(query))


def count_open_for(engine: Engine, person: str) -> int:
    with Session(engine) as session:
        query = (
            select(func.count())
            .select_from(TaskCandidateRow)
            .join(TaskRow, col(TaskCandidateRow.task_id) == col(TaskRow.id))
            .where(TaskCandidateRow.person_id == person, TaskRow.status == "open")
        )
        return int(session.exec(query).one())


@dataclass
class Listing:
    """A page of a person's inbox: the soonest-due open tasks, and how many there are."""

    rows: list[TaskRow]
    total: int


def inbox_listing(engine: Engine, person: str, limit: int = PAGE_SIZE) -> Listing:
    """The plain listing the inbox page ran before it had filters: ``bench/inbox.py``
    times the page's lists (``listing.py``) against it in the same run."""
    return Listing(open_tasks_for(engine, person, limit), count_open_for(engine, person))


@dataclass
class AuditEvent:
    at: datetime
    event: str
    actor: str
    source: str
    detail: dict[str, Any]


@dataclass
class TaskDetail:
    """A task as its page shows it: the row, who may decide, and what happened so far."""

    row: TaskRow
    deciders: dict[str, str]
    events: list[AuditEvent] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)  # the groups whose queue lists it

    @property
    def context(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.row.context_json)
        return value

    @property
    def form(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.row.form_json or "{}")
        return value

    @property
    def reassigners(self) -> list[str]:
        value: list[str] = json.loads(self.row.reassigners_json or "[]")
        return value

    @property
    def excluded(self) -> list[str]:
        value: list[str] = json.loads(self.row.excluded_json or "[]")
        return value

    @property
    def approver_shortfall(self) -> str | None:
        """Said on an open task that fewer people may approve it than still must."""
        if self.row.status != "open":
            return None
        approved = {event.actor for event in self.events if event.event == "approved"}
        still_needed = self.row.approvals - len(approved)
        eligible = len(set(self.deciders) - approved)
        if still_needed <= 0 or eligible >= still_needed:
            return None
        return shortfall_text(self.row.approvals, len(approved) + eligible)


def task_detail(engine: Engine, task_id: str) -> TaskDetail | None:
    with Session(engine) as session:
        row = session.get(TaskRow, task_id)
        if row is None:
            return None
        deciders = {
            c.person_id: c.reason
            for c in session.exec(
                select(TaskCandidateRow).where(TaskCandidateRow.task_id == task_id)
            )
        }
        events = [
            AuditEvent(e.at, e.event, e.actor, e.source, json.loads(e.detail_json))
            for e in session.exec(
                select(TaskEventRow)
                .where(TaskEventRow.task_id == task_id)
                .order_by(col(TaskEventRow.at), col(TaskEventRow.id))
            )
        ]
        queues = session.exec(select(TaskQueueRow.group_id).where(TaskQueueRow.task_id == task_id))
        return TaskDetail(row=row, deciders=deciders, events=events, queues=sorted(queues))


def tasks_of_run(engine: Engine, workflow_id: str) -> list[dict[str, Any]]:
    """Every task of a run with its audit events (who did what, when, from where), as data.

    What a process keeps in its archive of a case: plain JSON, so it stays readable when
    the task table changes shape.
    """
    with Session(engine) as session:
        task_ids = session.exec(
            select(TaskRow.id)
            .where(TaskRow.workflow_id == workflow_id)
            .order_by(col(TaskRow.created_at))
        ).all()
    found = []
    for task_id in task_ids:
        detail = task_detail(engine, task_id)
        if detail is None:  # removed meanwhile: nothing to keep of it
            continue
        task = detail.row
        found.append(
            {
                "task_id": task.id,
                "step": task.step_id,
                "title": task.title,
                "status": task.status,
                "outcome": task.outcome,
                "events": [
                    {
                        "at": event.at.isoformat(),
                        "event": event.event,
                        "actor": event.actor,
                        "source": event.source,
                        "detail": event.detail,
                    }
                    for event in detail.events
                ],
            }
        )
    return found
