"""Approval limits and task amounts are kept as NUMERIC, not double precision.

Revision ID: engine_0002
Revises: engine_0001

A double holds 1190.10 as 1190.0999999999999; NUMERIC keeps the amount as written, so a
limit of 5000.00 compares with an invoice of 5000.00 exactly. 4 decimals (every ISO 4217
currency has at most 3) and 14 digits before the point. SQLite changes a column by
rebuilding its table (batch mode), with the foreign keys that point at it unchecked
meanwhile (``backoffice.migrations.runner``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "engine_0002"
down_revision = "engine_0001"
branch_labels = None
depends_on = None

AMOUNT = sa.Numeric(18, 4)
COLUMNS = (("person", "approval_limit", False), ("task", "amount", True))


def upgrade() -> None:
    _change(sa.Float(), AMOUNT)


def downgrade() -> None:
    _change(AMOUNT, sa.Float())


def _change(old: sa.types.TypeEngine[Any], new: sa.types.TypeEngine[Any]) -> None:
    kind = new.compile(dialect=op.get_bind().dialect)
    for table, column, nullable in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=old,
                type_=new,
                existing_nullable=nullable,
                postgresql_using=f"{column}::{kind}",
            )
