"""Each system's health and its licence leases, in the records database.

Every change is one conditional UPDATE, so workers racing on the same row agree: only
one of them pauses a system, probes it, or takes a free licence. Times are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

ERROR_CHARS = 500


class SystemStateRow(SQLModel, table=True):
    __tablename__ = "system_state"

    system: str = Field(primary_key=True)
    failures: int = 0  # failed attempts in a row, over all runs and workers
    last_error: str | None = None
    last_failure_at: datetime | None = None
    paused_since: datetime | None = None  # set while the system is paused for everyone
    next_probe_at: datetime | None = None  # when a waiting bot may ask the system again
    resumed_at: datetime | None = None


class SystemLeaseRow(SQLModel, table=True):
    __tablename__ = "system_lease"

    system: str = Field(primary_key=True)
    slot: int = Field(primary_key=True)
    holder: str | None = None  # the attempt working on the system with this licence
    expires_at: datetime | None = None  # renewed while it works; a dead worker's lapses


def utc_now() -> datetime:
    return datetime.now(UTC)


def _ensure(session: Session, row: SQLModel) -> None:
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # made meanwhile by another worker: the same row
        session.rollback()


def _state_row(session: Session, system: str) -> None:
    if session.get(SystemStateRow, system) is None:
        _ensure(session, SystemStateRow(system=system))


# --- health ----------------------------------------------------------------------------


def state(engine: Engine, system: str) -> SystemStateRow | None:
    with Session(engine) as session:
        return session.get(SystemStateRow, system)


def states(engine: Engine) -> list[SystemStateRow]:
    with Session(engine) as session:
        return list(session.exec(select(SystemStateRow).order_by(col(SystemStateRow.system))))


def record_failure(
    engine: Engine, system: str, error: str, pause_after: int, probe_every: timedelta
) -> bool:
    """Count a failed attempt; True when this one paused the system (it was not before)."""
    now = utc_now()
    row = SystemStateRow
    with Session(engine) as session:
        _state_row(session, system)
        session.execute(
            update(row)
            .where(col(row.system) == system)
            .values(failures=row.failures + 1, last_error=error[:ERROR_CHARS], last_failure_at=now)
        )
        paused = session.execute(
            update(row)
            .where(
                col(row.system) == system,
                col(row.paused_since).is_(None),
                col(row.failures) >= pause_after,
            )
            .values(paused_since=now, next_probe_at=now + probe_every)
        )
        session.commit()
        return bool(paused.rowcount)  # type: ignore[attr-defined]


def record_success(engine: Engine, system: str) -> datetime | None:
    """The system answered: count from zero again. Gives since when it was paused, if it was."""
    row = SystemStateRow
    with Session(engine) as session:
        current = session.get(row, system)
        if current is None or (current.failures == 0 and current.paused_since is None):
            return None  # the usual case: read only
        since = current.paused_since
        if since is None:
            # Only while not paused: a pause another worker made meanwhile ends by a probe.
            session.execute(
                update(row)
                .where(col(row.system) == system, col(row.paused_since).is_(None))
                .values(failures=0)
            )
            session.commit()
            return None
        resumed = session.execute(
            update(row)
            .where(col(row.system) == system, col(row.paused_since) == since)
            .values(failures=0, paused_since=None, next_probe_at=None, resumed_at=utc_now())
        )
        session.commit()
        return since if resumed.rowcount else None  # type: ignore[attr-defined]


def claim_probe(engine: Engine, system: str, probe_every: timedelta) -> bool:
    """True for the one waiting bot, over all workers, whose turn it is to ask the system."""
    now = utc_now()
    row = SystemStateRow
    with Session(engine) as session:
        claimed = session.execute(
            update(row)
            .where(
                col(row.system) == system,
                col(row.paused_since).is_not(None),
                col(row.next_probe_at) <= now,
            )
            .values(next_probe_at=now + probe_every)
        )
        session.commit()
        return bool(claimed.rowcount)  # type: ignore[attr-defined]


def pause(engine: Engine, system: str, reason: str, probe_every: timedelta) -> bool:
    """Pause a system by hand (ops, tests); True if it was running."""
    now = utc_now()
    row = SystemStateRow
    with Session(engine) as session:
        _state_row(session, system)
        changed = session.execute(
            update(row)
            .where(col(row.system) == system, col(row.paused_since).is_(None))
            .values(paused_since=now, next_probe_at=now + probe_every, last_error=reason)
        )
        session.commit()
        return bool(changed.rowcount)  # type: ignore[attr-defined]


# --- licences --------------------------------------------------------------------------


def acquire(engine: Engine, system: str, slots: int, holder: str, ttl: timedelta) -> int | None:
    """Take a free licence of the system (or one whose holder stopped renewing it)."""
    now = utc_now()
    lease = SystemLeaseRow
    with Session(engine) as session:
        present = set(session.exec(select(lease.slot).where(lease.system == system)))
        for slot in range(slots):
            if slot not in present:
                _ensure(session, SystemLeaseRow(system=system, slot=slot))
        for slot in range(slots):
            taken = session.execute(
                update(lease)
                .where(
                    col(lease.system) == system,
                    col(lease.slot) == slot,
                    or_(col(lease.holder).is_(None), col(lease.expires_at) < now),
                )
                .values(holder=holder, expires_at=now + ttl)
            )
            session.commit()
            if taken.rowcount:  # type: ignore[attr-defined]
                return slot
    return None


def renew(engine: Engine, system: str, slot: int, holder: str, ttl: timedelta) -> bool:
    """Keep the licence; False if it lapsed and another attempt took it."""
    lease = SystemLeaseRow
    with Session(engine) as session:
        kept = session.execute(
            update(lease)
            .where(
                and_(col(lease.system) == system, col(lease.slot) == slot),
                col(lease.holder) == holder,
            )
            .values(expires_at=utc_now() + ttl)
        )
        session.commit()
        return bool(kept.rowcount)  # type: ignore[attr-defined]


def release(engine: Engine, system: str, slot: int, holder: str) -> None:
    lease = SystemLeaseRow
    with Session(engine) as session:
        session.execute(
            update(lease)
            .where(
                col(lease.system) == system, col(lease.slot) == slot, col(lease.holder) == holder
            )
            .values(holder=None, expires_at=None)
        )
        session.commit()


def holders(engine: Engine, system: str) -> list[SystemLeaseRow]:
    """The licences held now (lapsed ones excluded)."""
    now = utc_now()
    lease = SystemLeaseRow
    with Session(engine) as session:
        statement = select(lease).where(
            lease.system == system, col(lease.holder).is_not(None), col(lease.expires_at) >= now
        )
        return list(session.exec(statement))
