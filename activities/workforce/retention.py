"""How long a leaver's records are kept, and their purge with its deletion certificate.

Storage limitation (GDPR Art. 5(1)(e)): each category of records is kept for the period
the definition's retention table gives (payroll and tax years, the personnel file, a copy
of the ID document, the mailbox...), counted from the relieving date, and purged then
unless a legal hold stops it. The schedule is kept in the pack's records so that a purge
knows its rule, and each purge leaves a certificate: whose records, which category, under
which rule, when, and what was deleted.

What the pack itself holds of a person is little: ids, dates, and the findings of any
security incident about them (deleted with the category the incident was filed under).
The systems of record (HRIS, mailbox, identity provider) delete their own data through
their own steps; the certificate says what the pack deleted.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.workforce.inputs import BadInput, check
from activities.workforce.legal_holds import active_holds
from activities.workforce.moments import add_years
from activities.workforce.records import (
    DeletionCertificateRow,
    IncidentRow,
    RetentionRow,
)
from backoffice import packs
from backoffice.packs import records_engine


class RetentionPeriod(BaseModel):
    category: str = Field(description="personnel_file, payroll_tax, mailbox...")
    years: int = Field(default=0, description="Whole years after the relieving date.")
    days: int = Field(default=0, description="Days after the relieving date (and years).")


class RetentionPlan(BaseModel):
    employee_id: str
    relieving_date: date
    periods: list[RetentionPeriod] = Field(description="The definition's retention table.")


class RetentionEntry(BaseModel):
    category: str
    purge_on: date


class RetentionSchedule(BaseModel):
    entries: list[RetentionEntry]


class PurgeRequest(BaseModel):
    employee_id: str
    category: str


class PurgeResult(BaseModel):
    category: str
    purged: bool
    held: bool
    hold_reason: str = ""
    certificate_id: str = ""
    deleted: list[str] = Field(default_factory=list)


class Refused(Exception):
    """What was asked cannot be done as written; says why and what to do instead."""


def purge_on(relieving: date, period: RetentionPeriod) -> date:
    return add_years(relieving, period.years) + timedelta(days=period.days)


def schedule_in(engine: Engine, plan: RetentionPlan, now: datetime) -> list[RetentionRow]:
    """Keep each category's purge date; a repeated plan moves the dates of those not purged."""
    seen: set[str] = set()
    for period in plan.periods:
        if period.category in seen:
            raise Refused(
                f"the retention table names {period.category} twice: keep one period for it"
            )
        seen.add(period.category)
        if not period.years and not period.days:
            raise Refused(
                f"the retention period of {period.category} is no time at all: give it "
                "years: or days:"
            )
    with Session(engine, expire_on_commit=False) as session:
        kept = []
        for period in plan.periods:
            row = session.get(RetentionRow, (plan.employee_id, period.category))
            if row is None:
                row = RetentionRow(
                    employee_id=plan.employee_id,
                    category=period.category,
                    relieving_date=plan.relieving_date,
                    years=period.years,
                    days=period.days,
                    purge_on=purge_on(plan.relieving_date, period),
                    scheduled_at=now,
                )
            elif row.purged_at is None:  # a purged category stays as it was purged
                row.relieving_date = plan.relieving_date
                row.years, row.days = period.years, period.days
                row.purge_on = purge_on(plan.relieving_date, period)
            session.add(row)
            kept.append(row)
        session.commit()
        return kept


def certificate_id(employee_id: str, category: str) -> str:
    """The same id for every attempt at one purge: a retry finds the certificate it wrote."""
    digest = hashlib.sha256(f"{employee_id}\x00{category}".encode()).hexdigest()
    return f"DEL-{digest[:12].upper()}"


def rule_of(row: RetentionRow) -> str:
    period = " and ".join(
        text
        for count, unit in ((row.years, "year"), (row.days, "day"))
        if count and (text := f"{count} {unit}{'s' if count != 1 else ''}")
    )
    return (
        f"{row.category}: kept {period} after the relieving date "
        f"{row.relieving_date.isoformat()}, so purged on {row.purge_on.isoformat()}"
    )


def purge_in(engine: Engine, request: PurgeRequest, now: datetime) -> PurgeResult:
    """Purge one category of an employee's records in the pack, unless a legal hold stops it."""
    with Session(engine, expire_on_commit=False) as session:
        certified = certificate_id(request.employee_id, request.category)
        done = session.get(DeletionCertificateRow, certified)
        if done is not None:
            return _purged(done)
        row = session.get(RetentionRow, (request.employee_id, request.category))
        if row is None:
            raise Refused(
                f"no retention is scheduled for the {request.category} records of "
                f"{request.employee_id}: schedule it with workforce.schedule_retention first"
            )
        if now.date() < row.purge_on:
            raise Refused(
                f"the {request.category} records of {request.employee_id} are kept until "
                f"{row.purge_on.isoformat()}: purge them on that day, not before"
            )
        holds = active_holds(session, request.employee_id, request.category)
        if holds:
            reasons = "; ".join(f"{hold.matter} ({hold.hold_id}): {hold.reason}" for hold in holds)
            return PurgeResult(
                category=request.category, purged=False, held=True, hold_reason=reasons
            )
        incidents = list(
            session.exec(
                select(IncidentRow).where(
                    IncidentRow.employee_id == request.employee_id,
                    IncidentRow.retention_category == request.category,
                )
            )
        )
        deleted = [
            f"security incident {incident.incident_id} ({incident.severity}) of "
            f"{incident.opened_at:%Y-%m-%d}, with its findings"
            for incident in incidents
        ] or [f"nothing: the pack kept no {request.category} records of {request.employee_id}"]
        session.exec(
            delete(IncidentRow).where(
                col(IncidentRow.incident_id).in_([i.incident_id for i in incidents])
            )
        )
        row.purged_at = now
        session.add(row)
        certificate = DeletionCertificateRow(
            certificate_id=certified,
            employee_id=request.employee_id,
            category=request.category,
            rule=rule_of(row),
            purge_on=row.purge_on,
            purged_at=now,
            deleted_json=json.dumps(deleted),
        )
        session.add(certificate)
        try:
            session.commit()
        except IntegrityError:  # the same purge at the same moment: its certificate stands
            session.rollback()
            kept = session.get(DeletionCertificateRow, certificate.certificate_id)
            if kept is None:  # pragma: no cover - only the certificate is unique here
                raise
            return _purged(kept)
        return _purged(certificate)


def _purged(certificate: DeletionCertificateRow) -> PurgeResult:
    return PurgeResult(
        category=certificate.category,
        purged=True,
        held=False,
        certificate_id=certificate.certificate_id,
        deleted=json.loads(certificate.deleted_json),
    )


def _now() -> datetime:
    # Temporal's clock, not the machine's: a purge a timer started years after the relieving
    # date is on time by the server that ran the timer (a time-skipping one in tests, too).
    return activity.info().current_attempt_scheduled_time.astimezone(UTC)


@packs.activity(errors=["BadRetentionPlan"])
@activity.defn(name="workforce.schedule_retention")
async def schedule_retention(plan: RetentionPlan) -> RetentionSchedule:
    """When each category of a leaver's records is to be purged, kept in the pack's records."""
    try:
        check(plan)
        rows = await asyncio.to_thread(schedule_in, records_engine(), plan, _now())
    except (Refused, BadInput) as error:
        raise ApplicationError(str(error), type="BadRetentionPlan", non_retryable=True) from None
    return RetentionSchedule(
        entries=[RetentionEntry(category=row.category, purge_on=row.purge_on) for row in rows]
    )


@packs.activity(errors=["PurgeRefused"])
@activity.defn(name="workforce.purge")
async def purge(request: PurgeRequest) -> PurgeResult:
    """Purge a category of a leaver's records when due, unless held; certify what went."""
    try:
        check(request)
        return await asyncio.to_thread(purge_in, records_engine(), request, _now())
    except (Refused, BadInput) as error:
        raise ApplicationError(str(error), type="PurgeRefused", non_retryable=True) from None
