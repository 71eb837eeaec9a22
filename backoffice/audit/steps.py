"""One row per attempt of every call and bot a process makes: the step audit trail.

Written by a worker interceptor around each activity, so no step can forget it and the
workflow history stays as it is. What a step was given and what it answered are kept as
SHA-256 hashes of their JSON (the audit proves what was sent without holding the data;
bot inputs carry credential names, never secrets). Human decisions have their own trail
(``task_event``); the two together are a run's complete audit.
"""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select


class StepEventRow(SQLModel, table=True):
    __tablename__ = "step_event"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # workflow, run, activity id and attempt: written once
    workflow_id: str = Field(index=True)
    run_id: str
    process: str = Field(index=True)
    business_key: str
    step: str  # the step's key in the run (its activity id)
    action: str  # the activity or bot name: invoice.check, erp.post_invoice
    actor: str  # bot:<system> or system
    attempt: int
    started_at: datetime
    ended_at: datetime
    input_hash: str
    output_hash: str | None = None
    outcome: str  # completed, failed
    reason_code: str | None = None  # the error type, or the reason code it carries
    error: str | None = None


# When the attempt began working on its system: a bot waits first for its system to answer
# and for a licence, and the audit shows the time it held one (overlaps count licences).
_started: ContextVar[datetime | None] = ContextVar("step_started", default=None)


def begin_attempt() -> None:
    _started.set(None)


def mark_started() -> None:
    _started.set(datetime.now(UTC))


def started_at(default: datetime) -> datetime:
    return _started.get() or default


def digest(value: Any) -> str:
    """The SHA-256 of a value's canonical JSON (pydantic models as their JSON data)."""

    def plain(item: Any) -> Any:
        if isinstance(item, BaseModel):
            return item.model_dump(mode="json")
        raise TypeError(f"not JSON: {type(item).__name__}")

    text = json.dumps(value, default=plain, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def write(engine: Engine, row: StepEventRow) -> None:
    """Keep the row once: a retried write of the same attempt is a no-op."""
    with Session(engine) as session:
        if session.exec(select(StepEventRow.id).where(StepEventRow.key == row.key)).first():
            return
        session.add(row)
        try:
            session.commit()
        except IntegrityError:  # written meanwhile by a concurrent try: the same row
            session.rollback()


def trail(engine: Engine, workflow_id: str) -> list[StepEventRow]:
    """A run's step events, oldest first."""
    with Session(engine) as session:
        statement = (
            select(StepEventRow)
            .where(StepEventRow.workflow_id == workflow_id)
            .order_by(StepEventRow.started_at, StepEventRow.id)  # type: ignore[arg-type]
        )
        return list(session.exec(statement))
