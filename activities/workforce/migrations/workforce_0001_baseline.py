"""The workforce pack's first tables: the onboarding register, the retention schedule, legal
holds, deletion certificates and security incidents.

Revision ID: workforce_0001
Revises: (none: the baseline of the branch ``workforce``)

No release before migrations had these tables, so this baseline names none in
``made_before_migrations``: a database such a release made gets them from this revision.
The column types are spelled as the database keeps them, not by the model classes, so this
revision stays what it is when a model changes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "workforce_0001"
down_revision = None
branch_labels = ("workforce",)
depends_on = None

# Onboardings that count for the duplicate check (records.COUNTED_ONBOARDING).
COUNTED_ONBOARDING = "status != 'Cancelled'"
TABLES = (
    "workforce_onboarding",
    "workforce_retention",
    "workforce_legal_hold",
    "workforce_deletion_certificate",
    "workforce_incident",
)


def _moment(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "workforce_onboarding",
        sa.Column("onboarding_id", sa.String(), nullable=False),
        sa.Column("job_applicant", sa.String(), nullable=False),
        sa.Column("date_of_joining", sa.Date(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        _moment("opened_at"),
        _moment("changed_at"),
        sa.PrimaryKeyConstraint("onboarding_id"),
    )
    op.create_index(
        "ix_workforce_onboarding_job_applicant", "workforce_onboarding", ["job_applicant"]
    )
    op.create_index(
        "ux_workforce_onboarding_applicant",
        "workforce_onboarding",
        ["job_applicant"],
        unique=True,
        sqlite_where=sa.text(COUNTED_ONBOARDING),
        postgresql_where=sa.text(COUNTED_ONBOARDING),
    )
    op.create_table(
        "workforce_retention",
        sa.Column("employee_id", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("relieving_date", sa.Date(), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("purge_on", sa.Date(), nullable=False),
        _moment("scheduled_at"),
        _moment("purged_at", nullable=True),
        sa.PrimaryKeyConstraint("employee_id", "category"),
    )
    op.create_table(
        "workforce_legal_hold",
        sa.Column("hold_id", sa.String(), nullable=False),
        sa.Column("employee_id", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("matter", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("placed_by", sa.String(), nullable=False),
        _moment("placed_at"),
        sa.Column("lifted_by", sa.String(), nullable=True),
        _moment("lifted_at", nullable=True),
        sa.Column("lift_reason", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("hold_id"),
    )
    op.create_index("ix_workforce_legal_hold_employee_id", "workforce_legal_hold", ["employee_id"])
    op.create_table(
        "workforce_deletion_certificate",
        sa.Column("certificate_id", sa.String(), nullable=False),
        sa.Column("employee_id", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("purge_on", sa.Date(), nullable=False),
        _moment("purged_at"),
        sa.Column("deleted_json", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("certificate_id"),
    )
    op.create_index(
        "ux_workforce_deletion_certificate",
        "workforce_deletion_certificate",
        ["employee_id", "category"],
        unique=True,
    )
    op.create_table(
        "workforce_incident",
        sa.Column("incident_id", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("employee_id", sa.String(), nullable=False),
        sa.Column("findings_json", sa.String(), nullable=False),
        sa.Column("retention_category", sa.String(), nullable=False),
        _moment("opened_at"),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    op.create_index("ix_workforce_incident_employee_id", "workforce_incident", ["employee_id"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
