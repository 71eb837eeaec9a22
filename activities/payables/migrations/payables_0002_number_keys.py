"""The register counts one invoice per number: older registers get their number keys.

Revision ID: payables_0002
Revises: payables_0001

Releases before the register's unique index kept neither the number key nor the invoice a
duplicate was counted against, and could count one number twice. Such a register gets the
two columns, every invoice its key, and a number counted twice settled where the earlier
check had settled it (``activities.payables.upgrades``), before the index is made. A
register made with the index (the baseline's) has nothing to do here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from activities.payables import upgrades
from activities.payables.register import COUNTED_INDEX

revision = "payables_0002"
down_revision = "payables_0001"
branch_labels = None
depends_on = None

COUNTED = "kind = 'invoice' AND status NOT IN ('cancelled', 'reversed')"


def upgrade() -> None:
    connection = op.get_bind()
    inspector = sa.inspect(connection)
    present = {column["name"] for column in inspector.get_columns("supplier_invoice")}
    for name in ("number_key", "duplicate_of"):
        if name not in present:
            op.add_column("supplier_invoice", sa.Column(name, sa.String(), nullable=True))
    upgrades.fill_number_keys(connection)
    upgrades.settle_counted_twins(connection)
    indexes = {index["name"] for index in sa.inspect(connection).get_indexes("supplier_invoice")}
    if COUNTED_INDEX not in indexes:
        op.create_index(
            COUNTED_INDEX,
            "supplier_invoice",
            ["company", "supplier_id", "number_key", "fiscal_year"],
            unique=True,
            sqlite_where=sa.text(COUNTED),
            postgresql_where=sa.text(COUNTED),
        )


def downgrade() -> None:
    # The baseline has the keys and the index already: there is nothing to take back.
    pass
