"""A send of the outbox claims each message before mailing it, so overlapping sends never
both mail the same one.

Revision ID: engine_0005
Revises: engine_0004

Two nullable columns: who holds the message and since when. Existing rows start unclaimed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "engine_0005"
down_revision = "engine_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
