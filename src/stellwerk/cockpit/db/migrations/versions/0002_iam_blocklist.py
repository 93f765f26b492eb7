"""IAM: when and why an account was blocked (JOC's blocklist shows both).

Revision ID: 0002_iam
Revises: 0001
Create Date: 2026-11-23 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_iam"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("iam_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blocked_since", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("block_comment", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("iam_accounts", schema=None) as batch_op:
        batch_op.drop_column("block_comment")
        batch_op.drop_column("blocked_since")
