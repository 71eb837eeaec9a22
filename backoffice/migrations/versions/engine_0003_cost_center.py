"""The directory's table of cost centers takes the one spelling used everywhere else.

Revision ID: engine_0003
Revises: engine_0002

The rows stay as they are: only the table and its index are renamed.
"""

from __future__ import annotations

from alembic import op

revision = "engine_0003"
down_revision = "engine_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rename("cost_centre", "cost_center")


def downgrade() -> None:
    _rename("cost_center", "cost_centre")


def _rename(old: str, new: str) -> None:
    # The index goes first (its name says the table's), then comes back on the new name.
    op.drop_index(f"ix_{old}_owner_id", table_name=old)
    op.rename_table(old, new)
    op.create_index(f"ix_{new}_owner_id", new, ["owner_id"], unique=False)
