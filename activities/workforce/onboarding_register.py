"""The onboarding register: one onboarding per job applicant at a time.

hrms refuses a second onboarding of an applicant while another of theirs is not cancelled
(``validate_duplicate_employee_onboarding``); so does ``workforce.open_onboarding``, by the
register's unique index rather than a look-up before the insert, so two opened at the same
moment on two workers cannot both pass. A cancelled onboarding does not count: the
applicant may be onboarded again under a new onboarding id.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.workforce.inputs import BadInput, check
from activities.workforce.records import OnboardingRow
from backoffice import packs
from backoffice.packs import records_engine

Status = Literal["Pending", "In Process", "Completed", "Cancelled"]
# Tries at keeping an onboarding while others of the same applicant come and go at once.
KEEP_ATTEMPTS = 5


class OnboardingOpen(BaseModel):
    onboarding_id: str = Field(description="The onboarding's own id.")
    job_applicant: str = Field(description="The applicant tracker's id.")
    date_of_joining: date


class OnboardingStatus(BaseModel):
    onboarding_id: str
    status: Status
    reason: str = Field(default="", description="Why it changes (a cancellation's reason).")


class OnboardingRecord(BaseModel):
    onboarding_id: str
    status: str
    job_applicant: str = ""
    date_of_joining: date | None = None


class Refused(Exception):
    """The register refuses what was asked, and says why in words a person acts on."""


def _record(row: OnboardingRow) -> OnboardingRecord:
    return OnboardingRecord(
        onboarding_id=row.onboarding_id,
        status=row.status,
        job_applicant=row.job_applicant,
        date_of_joining=row.date_of_joining,
    )


def _counted_holder(session: Session, applicant: str, other_than: str) -> OnboardingRow | None:
    statement = select(OnboardingRow).where(
        OnboardingRow.job_applicant == applicant,
        OnboardingRow.status != "Cancelled",
        OnboardingRow.onboarding_id != other_than,
    )
    return session.exec(statement).first()


def _duplicate(holder: OnboardingRow) -> Refused:
    return Refused(
        f"onboarding {holder.onboarding_id} ({holder.status}) already onboards applicant "
        f"{holder.job_applicant}: carry on with that onboarding, or cancel it before "
        "opening another"
    )


def open_onboarding_in(engine: Engine, opening: OnboardingOpen) -> OnboardingRow:
    """Keep the onboarding once; a retried opening finds it as the first one kept it."""
    for _ in range(KEEP_ATTEMPTS):
        with Session(engine, expire_on_commit=False) as session:
            kept = session.get(OnboardingRow, opening.onboarding_id)
            if kept is not None:
                if kept.job_applicant != opening.job_applicant:
                    raise Refused(
                        f"onboarding {kept.onboarding_id} was opened for applicant "
                        f"{kept.job_applicant}, not {opening.job_applicant}: give this "
                        "applicant's onboarding an id of its own"
                    )
                return kept
            holder = _counted_holder(session, opening.job_applicant, opening.onboarding_id)
            if holder is not None:
                raise _duplicate(holder)
            now = datetime.now(UTC)
            row = OnboardingRow(
                onboarding_id=opening.onboarding_id,
                job_applicant=opening.job_applicant,
                date_of_joining=opening.date_of_joining,
                status="Pending",
                opened_at=now,
                changed_at=now,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                # Another onboarding of the applicant, or this one, was kept at the same
                # moment: the next try sees which.
                session.rollback()
                continue
            return row
    raise RuntimeError(
        f"onboarding {opening.onboarding_id}: could not be kept in {KEEP_ATTEMPTS} tries "
        f"while onboardings of applicant {opening.job_applicant} kept changing"
    )


def set_status_in(engine: Engine, change: OnboardingStatus) -> OnboardingRow:
    """Record where an onboarding stands; setting the status it has changes nothing."""
    with Session(engine, expire_on_commit=False) as session:
        kept = session.get(OnboardingRow, change.onboarding_id)
        if kept is None:
            raise LookupError(
                f"onboarding {change.onboarding_id} was never opened: open it with "
                "workforce.open_onboarding first"
            )
        if kept.status == change.status:
            return kept
        kept.status = change.status
        kept.reason = change.reason
        kept.changed_at = datetime.now(UTC)
        session.add(kept)
        try:
            session.commit()
        except IntegrityError:
            # A cancelled onboarding taken up again while another of the applicant counts.
            session.rollback()
            holder = _counted_holder(session, kept.job_applicant, kept.onboarding_id)
            if holder is None:  # pragma: no cover - the index names no other reason
                raise
            raise _duplicate(holder) from None
        return kept


@packs.activity(errors=["DuplicateOnboarding", "BadOnboarding"])
@activity.defn(name="workforce.open_onboarding")
async def open_onboarding(opening: OnboardingOpen) -> OnboardingRecord:
    """Open an onboarding of a job applicant, refused while another of theirs counts."""
    try:
        check(opening)
        row = await asyncio.to_thread(open_onboarding_in, records_engine(), opening)
    except Refused as error:
        raise ApplicationError(str(error), type="DuplicateOnboarding", non_retryable=True) from None
    except BadInput as error:
        raise ApplicationError(str(error), type="BadOnboarding", non_retryable=True) from None
    return _record(row)


@packs.activity(errors=["DuplicateOnboarding", "OnboardingNotFound", "BadOnboarding"])
@activity.defn(name="workforce.set_onboarding_status")
async def set_onboarding_status(change: OnboardingStatus) -> OnboardingRecord:
    """Record an onboarding's status: Pending, In Process, Completed or Cancelled."""
    try:
        check(change)
        row = await asyncio.to_thread(set_status_in, records_engine(), change)
    except LookupError as error:
        raise ApplicationError(str(error), type="OnboardingNotFound", non_retryable=True) from None
    except Refused as error:
        raise ApplicationError(str(error), type="DuplicateOnboarding", non_retryable=True) from None
    except BadInput as error:
        raise ApplicationError(str(error), type="BadOnboarding", non_retryable=True) from None
    return _record(row)
