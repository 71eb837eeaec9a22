"""Legal holds: records of an employee that may not be purged while a matter is open.

Legal (or HR) places a hold for a matter, the case or claim it keeps the records for, on
one category of an employee's records or on all of them, and lifts it when the matter is
closed. A purge that finds a hold in force leaves the records and says which hold stopped
it. Holds are never deleted: a lifted one keeps who lifted it, when and why.

People place and lift holds by starting a tiny process that calls these activities
(docs/processes/workforce_rules.md shows it), so each one is in the engine's audit.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session, col, or_, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.workforce.inputs import BadInput, check
from activities.workforce.moments import utc_text
from activities.workforce.records import LegalHoldRow
from backoffice import packs
from backoffice.packs import records_engine


class LegalHold(BaseModel):
    employee_id: str
    matter: str = Field(description="The case or matter, as legal names it.")
    category: str = Field(default="", description="One category of records; empty: all.")
    reason: str = Field(description="Why the records must be kept.")
    placed_by: str = Field(description="Who asked for the hold.")


class HoldLift(BaseModel):
    employee_id: str
    matter: str
    reason: str = Field(description="Why the records may go now.")
    lifted_by: str


class HoldsOf(BaseModel):
    employee_id: str


class LegalHoldRecord(BaseModel):
    hold_id: str
    employee_id: str
    matter: str
    category: str
    reason: str
    placed_by: str
    placed_at: str
    in_force: bool
    lifted_by: str = ""
    lifted_at: str = ""
    lift_reason: str = ""


class LegalHolds(BaseModel):
    holds: list[LegalHoldRecord]


class NoSuchHold(LookupError):
    """No hold of that matter was ever placed on the employee."""


def _record(row: LegalHoldRow) -> LegalHoldRecord:
    return LegalHoldRecord(
        hold_id=row.hold_id,
        employee_id=row.employee_id,
        matter=row.matter,
        category=row.category,
        reason=row.reason,
        placed_by=row.placed_by,
        placed_at=utc_text(row.placed_at),
        in_force=row.lifted_at is None,
        lifted_by=row.lifted_by or "",
        lifted_at=utc_text(row.lifted_at) if row.lifted_at else "",
        lift_reason=row.lift_reason or "",
    )


def active_holds(session: Session, employee_id: str, category: str) -> list[LegalHoldRow]:
    """The holds in force on this category of the employee's records (or on all of them)."""
    statement = select(LegalHoldRow).where(
        LegalHoldRow.employee_id == employee_id,
        col(LegalHoldRow.lifted_at).is_(None),
        or_(LegalHoldRow.category == category, LegalHoldRow.category == ""),
    )
    return list(session.exec(statement.order_by(col(LegalHoldRow.placed_at))))


def place_in(engine: Engine, hold: LegalHold) -> LegalHoldRow:
    """Place the hold; one of the same matter and category in force already is the result."""
    with Session(engine, expire_on_commit=False) as session:
        statement = select(LegalHoldRow).where(
            LegalHoldRow.employee_id == hold.employee_id,
            LegalHoldRow.matter == hold.matter,
            LegalHoldRow.category == hold.category,
            col(LegalHoldRow.lifted_at).is_(None),
        )
        kept = session.exec(statement).first()
        if kept is not None:
            return kept
        row = LegalHoldRow(
            hold_id=f"LH-{uuid.uuid4().hex[:10].upper()}",
            employee_id=hold.employee_id,
            category=hold.category,
            matter=hold.matter,
            reason=hold.reason,
            placed_by=hold.placed_by,
            placed_at=datetime.now(UTC),
        )
        session.add(row)
        session.commit()
        return row


def lift_in(engine: Engine, lift: HoldLift) -> list[LegalHoldRow]:
    """Lift every hold of the matter on the employee; lifted ones already are the result."""
    with Session(engine, expire_on_commit=False) as session:
        statement = select(LegalHoldRow).where(
            LegalHoldRow.employee_id == lift.employee_id, LegalHoldRow.matter == lift.matter
        )
        rows = list(session.exec(statement.order_by(col(LegalHoldRow.placed_at))))
        if not rows:
            raise NoSuchHold(
                f"no legal hold for matter {lift.matter} was placed on {lift.employee_id}: "
                "check the matter and the employee id (workforce.legal_holds lists them)"
            )
        in_force = [row for row in rows if row.lifted_at is None]
        now = datetime.now(UTC)
        for row in in_force:
            row.lifted_at, row.lifted_by, row.lift_reason = now, lift.lifted_by, lift.reason
            session.add(row)
        session.commit()
        if in_force:
            return in_force
        # A retried lift finds them lifted by its first attempt: the same answer.
        last = max(row.lifted_at or now for row in rows)
        return [row for row in rows if row.lifted_at == last]


def holds_of(engine: Engine, employee_id: str) -> list[LegalHoldRow]:
    with Session(engine) as session:
        statement = select(LegalHoldRow).where(LegalHoldRow.employee_id == employee_id)
        return list(session.exec(statement.order_by(col(LegalHoldRow.placed_at))))


def _checked(given: BaseModel) -> None:
    try:
        check(given)
    except BadInput as error:
        raise ApplicationError(str(error), type="BadLegalHold", non_retryable=True) from None


@packs.activity(errors=["BadLegalHold"])
@activity.defn(name="workforce.place_legal_hold")
async def place_legal_hold(hold: LegalHold) -> LegalHoldRecord:
    """Keep an employee's records (one category, or all) from any purge while a matter runs."""
    _checked(hold)
    return _record(await asyncio.to_thread(place_in, records_engine(), hold))


@packs.activity(errors=["LegalHoldNotFound", "BadLegalHold"])
@activity.defn(name="workforce.lift_legal_hold")
async def lift_legal_hold(lift: HoldLift) -> LegalHolds:
    """Lift a matter's holds on an employee's records: their purges may go ahead again."""
    _checked(lift)
    try:
        rows = await asyncio.to_thread(lift_in, records_engine(), lift)
    except NoSuchHold as error:
        raise ApplicationError(str(error), type="LegalHoldNotFound", non_retryable=True) from None
    return LegalHolds(holds=[_record(row) for row in rows])


@packs.activity(errors=["BadLegalHold"])
@activity.defn(name="workforce.legal_holds")
async def legal_holds(employee: HoldsOf) -> LegalHolds:
    """Every legal hold placed on an employee's records, in force or lifted."""
    _checked(employee)
    rows = await asyncio.to_thread(holds_of, records_engine(), employee.employee_id)
    return LegalHolds(holds=[_record(row) for row in rows])
