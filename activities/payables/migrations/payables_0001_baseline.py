"""The supplier invoice register, match lines and archive as the last release before
migrations made them.

Revision ID: payables_0001
Revises: (none: the baseline of the branch ``payables``)

A database that release made has these tables and no version table: it is stamped here
(``made_before_migrations``) and upgraded from here. The column types are spelled as the
database keeps them, not by the model classes, so this revision stays what it is when a
model changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "payables_0001"
down_revision = None
branch_labels = ("payables",)
depends_on = None

made_before_migrations = ("supplier_invoice", "invoice_match_line", "invoice_archive")
# Invoices that count for the exact duplicate check: one per number (register.COUNTED).
COUNTED = "kind = 'invoice' AND status NOT IN ('cancelled', 'reversed')"


def upgrade() -> None:
    op.create_table(
        "supplier_invoice",
        sa.Column("invoice_id", sa.String(), nullable=False),
        sa.Column("company", sa.String(), nullable=False),
        sa.Column("supplier_id", sa.String(), nullable=False),
        sa.Column("supplier_invoice_no", sa.String(), nullable=False),
        sa.Column("number_key", sa.String(), nullable=True),
        sa.Column("reference_key", sa.String(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("gross_amount", sa.Float(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("document_number", sa.String(), nullable=True),
        sa.Column("reason_code", sa.String(), nullable=True),
        sa.Column("duplicate_of", sa.String(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id"),
    )
    op.create_index("ix_supplier_invoice_company", "supplier_invoice", ["company"], unique=False)
    op.create_index(
        "ix_supplier_invoice_reference_key", "supplier_invoice", ["reference_key"], unique=False
    )
    op.create_index(
        "ix_supplier_invoice_supplier_id", "supplier_invoice", ["supplier_id"], unique=False
    )
    op.create_index(
        "ux_supplier_invoice_counted",
        "supplier_invoice",
        ["company", "supplier_id", "number_key", "fiscal_year"],
        unique=True,
        sqlite_where=sa.text(COUNTED),
        postgresql_where=sa.text(COUNTED),
    )
    op.create_table(
        "invoice_match_line",
        sa.Column("invoice_id", sa.String(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("po_number", sa.String(), nullable=True),
        sa.Column("po_line", sa.Integer(), nullable=True),
        sa.Column("route", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("price_variance", sa.Float(), nullable=False),
        sa.Column("quantity_variance", sa.Float(), nullable=False),
        sa.Column("reason_codes", sa.String(), nullable=False),
        sa.Column("warnings", sa.String(), nullable=False),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", "line"),
    )
    op.create_table(
        "invoice_archive",
        sa.Column("archive_ref", sa.String(), nullable=False),
        sa.Column("invoice_id", sa.String(), nullable=False),
        sa.Column("workflow_id", sa.String(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("document_url", sa.String(), nullable=True),
        sa.Column("content_json", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retain_until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("archive_ref"),
    )
    op.create_index(
        "ix_invoice_archive_invoice_id", "invoice_archive", ["invoice_id"], unique=False
    )
    op.create_index(
        "ix_invoice_archive_workflow_id", "invoice_archive", ["workflow_id"], unique=False
    )


def downgrade() -> None:
    for table in made_before_migrations:
        op.drop_table(table)
