"""The engine's tables as the last release before migrations made them.

Revision ID: engine_0001
Revises: (none: the baseline of the branch ``engine``)

A database that release made has these tables and no version table: it is stamped here
(``made_before_migrations``) and upgraded from here. The column types are spelled as the
database keeps them, not by the model classes, so this revision stays what it is when a
model changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "engine_0001"
down_revision = None
branch_labels = ("engine",)
depends_on = None

made_before_migrations = (
    "cost_centre",
    "delegation",
    "event_subscription",
    "inbox_session",
    "notification",
    "person",
    "person_group",
    "person_role",
    "sign_in_failure",
    "step_event",
    "system_lease",
    "system_state",
    "task",
    "task_candidate",
    "task_event",
    "task_queue",
)


def upgrade() -> None:
    op.create_table(
        "event_subscription",
        sa.Column("workflow_id", sa.String(), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subscribed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("workflow_id", "event", "key"),
    )
    op.create_index("ix_event_subscription_key", "event_subscription", ["key"], unique=False)
    op.create_index("ix_event_subscription_until", "event_subscription", ["until"], unique=False)
    op.create_table(
        "inbox_session",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("password", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_inbox_session_expires_at", "inbox_session", ["expires_at"], unique=False)
    op.create_index("ix_inbox_session_person_id", "inbox_session", ["person_id"], unique=False)
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_notification_person_id", "notification", ["person_id"], unique=False)
    op.create_index("ix_notification_task_id", "notification", ["task_id"], unique=False)
    op.create_table(
        "person",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("manager_id", sa.String(), nullable=True),
        sa.Column("approval_limit", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_manager_id", "person", ["manager_id"], unique=False)
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("client", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_failure_at", "sign_in_failure", ["at"], unique=False)
    op.create_index("ix_sign_in_failure_client", "sign_in_failure", ["client"], unique=False)
    op.create_index("ix_sign_in_failure_name", "sign_in_failure", ["name"], unique=False)
    op.create_table(
        "step_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("workflow_id", sa.String(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("process", sa.String(), nullable=False),
        sa.Column("business_key", sa.String(), nullable=False),
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("input_hash", sa.String(), nullable=False),
        sa.Column("output_hash", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("reason_code", sa.String(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_step_event_process", "step_event", ["process"], unique=False)
    op.create_index("ix_step_event_workflow_id", "step_event", ["workflow_id"], unique=False)
    op.create_table(
        "system_lease",
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("system", "slot"),
    )
    op.create_table(
        "system_state",
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_probe_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("system"),
    )
    op.create_table(
        "task",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("workflow_id", sa.String(), nullable=False),
        sa.Column("process", sa.String(), nullable=False),
        sa.Column("business_key", sa.String(), nullable=False),
        sa.Column("step_id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcomes_json", sa.String(), nullable=False),
        sa.Column("context_json", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("form_json", sa.String(), nullable=True),
        sa.Column("approvals", sa.Integer(), nullable=False),
        sa.Column("excluded_json", sa.String(), nullable=True),
        sa.Column("reassigners_json", sa.String(), nullable=True),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("supplier", sa.String(), nullable=True),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("amount_text", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_due_at", "task", ["due_at"], unique=False)
    op.create_index("ix_task_process", "task", ["process"], unique=False)
    op.create_index("ix_task_status", "task", ["status"], unique=False)
    op.create_index("ix_task_workflow_id", "task", ["workflow_id"], unique=False)
    op.create_table(
        "task_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("detail_json", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_task_event_task_id", "task_event", ["task_id"], unique=False)
    op.create_table(
        "cost_centre",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("owner_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cost_centre_owner_id", "cost_centre", ["owner_id"], unique=False)
    op.create_table(
        "delegation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.String(), nullable=False),
        sa.Column("to_id", sa.String(), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_delegation_from_id", "delegation", ["from_id"], unique=False)
    op.create_table(
        "person_group",
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("group_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("person_id", "group_id"),
    )
    op.create_index("ix_person_group_group_id", "person_group", ["group_id"], unique=False)
    op.create_table(
        "person_role",
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("person_id", "role"),
    )
    op.create_index("ix_person_role_role", "person_role", ["role"], unique=False)
    op.create_table(
        "task_candidate",
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
        ),
        sa.PrimaryKeyConstraint("task_id", "person_id"),
    )
    op.create_index("ix_task_candidate_person_id", "task_candidate", ["person_id"], unique=False)
    op.create_table(
        "task_queue",
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("group_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
        ),
        sa.PrimaryKeyConstraint("task_id", "group_id"),
    )
    op.create_index("ix_task_queue_group_id", "task_queue", ["group_id"], unique=False)


def downgrade() -> None:
    # Tables with foreign keys go before the tables they point at.
    children = ("cost_centre", "delegation", "person_group", "person_role", "task_candidate")
    for table in (*children, "task_queue"):
        op.drop_table(table)
    for table in made_before_migrations:
        if table not in (*children, "task_queue"):
            op.drop_table(table)
