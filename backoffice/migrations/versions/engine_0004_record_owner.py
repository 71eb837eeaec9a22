"""The directory keeps who owns each system and record, for the ``owner_of`` assignee.

Revision ID: engine_0004
Revises: engine_0003

A new table, filled from the directory file's ``owners`` list each time it is loaded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "engine_0004"
down_revision = "engine_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_owner",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column("owner_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("kind", "record_id"),
    )
    op.create_index("ix_record_owner_owner_id", "record_owner", ["owner_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_record_owner_owner_id", table_name="record_owner")
    op.drop_table("record_owner")
