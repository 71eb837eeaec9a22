"""Invoice amounts and match variances are kept as NUMERIC, not double precision.

Revision ID: payables_0003
Revises: payables_0002

A double holds 1190.10 as 1190.0999999999999; NUMERIC keeps the amount the supplier wrote.
Gross amounts get 4 decimals (every ISO 4217 currency has at most 3) and 14 digits before
the point; variances, computed from unit prices with more decimals, 6. SQLite changes a
column by rebuilding its table (batch mode): the register's partial unique index is made
again by name afterwards, as a rebuild would not keep its WHERE.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "payables_0003"
down_revision = "payables_0002"
branch_labels = None
depends_on = None

AMOUNT = sa.Numeric(18, 4)
VARIANCE = sa.Numeric(20, 6)
COUNTED_INDEX = "ux_supplier_invoice_counted"
COUNTED = "kind = 'invoice' AND status NOT IN ('cancelled', 'reversed')"
COLUMNS = (
    ("supplier_invoice", "gross_amount", AMOUNT, False),
    ("invoice_match_line", "price_variance", VARIANCE, False),
    ("invoice_match_line", "quantity_variance", VARIANCE, False),
)


def upgrade() -> None:
    _change(to_numeric=True)


def downgrade() -> None:
    _change(to_numeric=False)


def _change(to_numeric: bool) -> None:
    op.drop_index(COUNTED_INDEX, table_name="supplier_invoice")
    for table, column, numeric, nullable in COLUMNS:
        kind: sa.types.TypeEngine[Any] = numeric if to_numeric else sa.Float()
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=sa.Float() if to_numeric else numeric,
                type_=kind,
                existing_nullable=nullable,
                postgresql_using=f"{column}::{kind.compile(dialect=op.get_bind().dialect)}",
            )
    op.create_index(
        COUNTED_INDEX,
        "supplier_invoice",
        ["company", "supplier_id", "number_key", "fiscal_year"],
        unique=True,
        sqlite_where=sa.text(COUNTED),
        postgresql_where=sa.text(COUNTED),
    )
