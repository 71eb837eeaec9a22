"""The workforce pack's own records: the onboarding register, the retention schedule, legal
holds, deletion certificates and security incidents.

The systems of record (the HRIS, the identity provider, the asset register, the HR
intranet) keep the employees' data; the pack keeps only what its processes decide about
them, keyed by the HRIS's and the applicant tracker's ids. So there is little personal data
here: an applicant or employee id, dates, and the findings of an incident.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DateTime, Index, text
from sqlmodel import Field, SQLModel

# Onboardings that count for the duplicate check: every one not cancelled (hrms's rule).
COUNTED_ONBOARDING = text("status != 'Cancelled'")
COUNTED_ONBOARDING_INDEX = "ux_workforce_onboarding_applicant"


class OnboardingRow(SQLModel, table=True):
    """One onboarding of one job applicant. The unique index, not a look-up before the
    insert, keeps a second onboarding of the same applicant out: of two opened at the same
    moment on two workers, exactly one is kept."""

    __tablename__ = "workforce_onboarding"
    __table_args__ = (
        Index(
            COUNTED_ONBOARDING_INDEX,
            "job_applicant",
            unique=True,
            sqlite_where=COUNTED_ONBOARDING,
            postgresql_where=COUNTED_ONBOARDING,
        ),
    )

    onboarding_id: str = Field(primary_key=True)
    job_applicant: str = Field(index=True)
    date_of_joining: date
    status: str  # Pending, In Process, Completed, Cancelled
    reason: str = ""  # why it was last changed (a cancellation's, say)
    opened_at: datetime = Field(sa_type=DateTime(timezone=True))
    changed_at: datetime = Field(sa_type=DateTime(timezone=True))


class RetentionRow(SQLModel, table=True):
    """When one category of a leaver's records is due to be purged, and whether it was."""

    __tablename__ = "workforce_retention"

    employee_id: str = Field(primary_key=True)
    category: str = Field(primary_key=True)
    relieving_date: date
    years: int
    days: int
    purge_on: date
    scheduled_at: datetime = Field(sa_type=DateTime(timezone=True))
    purged_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class LegalHoldRow(SQLModel, table=True):
    """A legal hold on an employee's records: one category, or all (category empty)."""

    __tablename__ = "workforce_legal_hold"

    hold_id: str = Field(primary_key=True)
    employee_id: str = Field(index=True)
    category: str = ""  # empty: every category of the employee's records
    matter: str  # the case or matter the hold is for, as legal names it
    reason: str
    placed_by: str
    placed_at: datetime = Field(sa_type=DateTime(timezone=True))
    lifted_by: str | None = None
    lifted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    lift_reason: str | None = None


class DeletionCertificateRow(SQLModel, table=True):
    """The proof that one category of an employee's records was purged: once per category."""

    __tablename__ = "workforce_deletion_certificate"
    __table_args__ = (
        Index("ux_workforce_deletion_certificate", "employee_id", "category", unique=True),
    )

    certificate_id: str = Field(primary_key=True)
    employee_id: str
    category: str
    rule: str  # the retention rule, in words, under which the records were purged
    purge_on: date
    purged_at: datetime = Field(sa_type=DateTime(timezone=True))
    deleted_json: str  # what was deleted: a JSON list of sentences


class IncidentRow(SQLModel, table=True):
    """A security incident about an employee (a login found after their access was revoked)."""

    __tablename__ = "workforce_incident"

    incident_id: str = Field(primary_key=True)
    severity: str  # P1, P2
    summary: str
    employee_id: str = Field(index=True)
    findings_json: str  # a JSON list of sentences
    retention_category: str  # the category whose purge deletes it
    opened_at: datetime = Field(sa_type=DateTime(timezone=True))
