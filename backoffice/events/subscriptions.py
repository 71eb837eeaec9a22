"""Which runs wait for which event about which key: the receiver's registry.

A row is written (by the ``events.subscribe`` activity) each time a run begins a keyed
event wait, and holds until a little after that wait's deadline: between two waits the
run reads its system again, and an event that comes meanwhile must still find it (it
keeps the event for its next wait). Rows are not removed when a wait ends early: a run
signalled after it moved on keeps the event unread, which costs nothing but the signal.
Times are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete
from sqlmodel import Field, Session, SQLModel, col, select

MAX_KEY_LENGTH = 200
# How long after its wait's deadline a run still hears of events: its next wait begins
# once it has read its system again, which takes a bot seconds to minutes.
BETWEEN_WAITS = timedelta(minutes=15)


class EventSubscriptionRow(SQLModel, table=True):
    __tablename__ = "event_subscription"

    workflow_id: str = Field(primary_key=True)
    event: str = Field(primary_key=True)
    key: str = Field(primary_key=True, index=True, max_length=MAX_KEY_LENGTH)
    run_id: str
    step: str  # the waiting step's instance key, for whoever reads the table
    until: datetime = Field(index=True)
    subscribed_at: datetime
    # The last event delivered to this run: a sender retrying after a lost answer must not
    # make the run read its system twice.
    last_event_id: str | None = None


def _utc(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC)


def subscribe(
    engine: Engine,
    *,
    workflow_id: str,
    run_id: str,
    event: str,
    key: str,
    step: str,
    until: datetime,
    now: datetime,
) -> None:
    """Record (or renew) that a run waits for ``event`` about ``key`` until ``until``."""
    with Session(engine) as session:
        row = session.get(EventSubscriptionRow, (workflow_id, event, key))
        if row is None:
            row = EventSubscriptionRow(
                workflow_id=workflow_id,
                event=event,
                key=key,
                run_id=run_id,
                step=step,
                until=_utc(until),
                subscribed_at=_utc(now),
            )
        else:
            row.run_id, row.step = run_id, step
            row.until, row.subscribed_at = _utc(until), _utc(now)
        session.add(row)
        session.commit()


def waiting_for(engine: Engine, event: str, key: str, now: datetime) -> list[EventSubscriptionRow]:
    """The runs waiting for ``event`` about ``key`` now; rows long past their wait are dropped."""
    moment = _utc(now) - BETWEEN_WAITS
    with Session(engine, expire_on_commit=False) as session:
        expired = col(EventSubscriptionRow.until) < moment
        session.execute(delete(EventSubscriptionRow).where(expired))
        session.commit()
        rows = session.exec(
            select(EventSubscriptionRow)
            .where(EventSubscriptionRow.event == event, EventSubscriptionRow.key == key)
            .order_by(col(EventSubscriptionRow.subscribed_at))
        ).all()
        return list(rows)


def delivered(engine: Engine, row: EventSubscriptionRow, event_id: str) -> None:
    with Session(engine) as session:
        stored = session.get(EventSubscriptionRow, (row.workflow_id, row.event, row.key))
        if stored is not None:
            stored.last_event_id = event_id
            session.add(stored)
            session.commit()


def forget(engine: Engine, row: EventSubscriptionRow) -> None:
    """Drop a subscription whose run has ended."""
    with Session(engine) as session:
        stored = session.get(EventSubscriptionRow, (row.workflow_id, row.event, row.key))
        if stored is not None:
            session.delete(stored)
            session.commit()
