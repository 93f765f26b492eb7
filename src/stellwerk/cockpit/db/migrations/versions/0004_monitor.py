"""The Monitor's notifications.

Revision ID: 0004_monitor
Revises: 0003_inventory_changes
Create Date: 2026-11-22 08:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_monitor"
down_revision: str | None = "0003_inventory_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "monitor_notifications",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("controller_id", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("order_id", sa.String(length=255), nullable=True),
        sa.Column("workflow_path", sa.String(length=255), nullable=True),
        sa.Column("job_name", sa.String(length=255), nullable=True),
        sa.Column("position", sa.String(length=255), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("agent_url", sa.String(length=255), nullable=True),
        sa.Column("criticality", sa.String(length=20), nullable=True),
        sa.Column("task_state", sa.String(length=20), nullable=True),
        sa.Column("return_code", sa.Integer(), nullable=True),
        sa.Column("start_time", sa.BigInteger(), nullable=True),
        sa.Column("end_time", sa.BigInteger(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("recovered_id", sa.Integer(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=255), nullable=True),
        sa.Column("acknowledged", sa.BigInteger(), nullable=True),
        sa.Column("acknowledgement_comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("monitor_notifications", schema=None) as batch_op:
        batch_op.create_index("ix_monitor_notifications_created", ["created", "id"], unique=False)
        batch_op.create_index(
            "ix_monitor_notifications_category", ["category", "created", "id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("monitor_notifications")
