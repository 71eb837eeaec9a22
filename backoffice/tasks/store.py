"""The task table (kept current by activities, so listing never asks Temporal) and the audit.

Every task event is a row of ``task_event``: who, when, what, from where. Rows are written
by activities, which Temporal may retry: writes are idempotent by task id and event key.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric
from sqlmodel import Field, SQLModel


class TaskRow(SQLModel, table=True):
    __tablename__ = "task"

    id: str = Field(primary_key=True)
    workflow_id: str = Field(index=True)
    process: str = Field(index=True)
    business_key: str
    step_id: str
    title: str
    status: str = Field(default="open", index=True)  # open, decided, timed_out, cancelled, voided
    outcome: str | None = None
    created_at: datetime
    due_at: datetime | None = Field(default=None, index=True)
    deadline: datetime
    closed_at: datetime | None = None
    outcomes_json: str = "[]"
    context_json: str = "{}"
    description: str | None = None
    form_json: str | None = None  # fields and outcomes, as the definition gives them
    approvals: int = 1
    excluded_json: str | None = None
    reassigners_json: str | None = None  # people who may reassign and reschedule
    claimed_by: str | None = None
    # From the context, for the list's filters and sorting (backoffice/tasks/context_facts.py).
    supplier: str | None = None
    # A sort key in any currency: 14 digits before the point, 4 after (ISO 4217: at most 3).
    amount: Decimal | None = Field(default=None, sa_type=Numeric(18, 4))
    amount_text: str | None = None


class TaskCandidateRow(SQLModel, table=True):
    """Who may decide a task, and why (assignee, or delegate of whom)."""

    __tablename__ = "task_candidate"

    task_id: str = Field(primary_key=True, foreign_key="task.id")
    person_id: str = Field(primary_key=True, index=True)
    reason: str = "assignee"


class TaskQueueRow(SQLModel, table=True):
    """The groups whose queue a task is in: those its assignee rules name (``group:ap-clerks``).

    Members see the queue's open tasks, a colleague's claimed ones included; who may decide
    one is still the task's candidates.
    """

    __tablename__ = "task_queue"

    task_id: str = Field(primary_key=True, foreign_key="task.id")
    group_id: str = Field(primary_key=True, index=True)


class TaskEventRow(SQLModel, table=True):
    """The audit trail of human tasks."""

    __tablename__ = "task_event"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # idempotency: the same event written twice is one row
    task_id: str = Field(index=True)
    at: datetime
    # created, reminded, escalated, delegated, reassigned, rescheduled, claimed, released,
    # approved (one of several approvals), decided, timed_out, cancelled, voided (undone)
    event: str
    actor: str  # a person id, or "system"
    source: str  # worker, inbox, cli, operator
    detail_json: str = "{}"


class NotificationRow(SQLModel, table=True):
    """A message to a person about a task; sent by e-mail when SMTP is configured."""

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # idempotency across activity retries
    task_id: str = Field(index=True)
    person_id: str = Field(index=True)
    email: str
    subject: str
    body: str
    created_at: datetime
    sent_at: datetime | None = None
    # Which send holds the message and since when, so two sends at once never both mail
    # it; a claim older than the outbox's lapse belongs to a sender that died.
    claimed_by: str | None = None
    claimed_at: datetime | None = None
