"""Inventory changes (a named group of objects to deploy together) and the Agents' `hidden` flag and name
aliases.

Revision ID: 0003_inventory_changes
Revises: 0002_iam
Create Date: 2026-11-22 06:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0003_inventory_changes"
down_revision: str | None = "0002_iam"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inv_changes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column(
            "state",
            sa.Enum("OPEN", "CLOSED", "PUBLISHED", name="changestate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("last_published_by", sa.String(length=255), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.Column("closed", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", name=op.f("uq_inv_changes_name")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "inv_change_items",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("change_id", _ID, nullable=False),
        sa.Column("configuration_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["inv_changes.id"],
            name=op.f("fk_inv_change_items_change_id_inv_changes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["configuration_id"],
            ["inv_configurations.id"],
            name=op.f("fk_inv_change_items_configuration_id_inv_configurations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "change_id", "configuration_id", name=op.f("uq_inv_change_items_change_id_configuration_id")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("inv_change_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inv_change_items_configuration_id"), ["configuration_id"], unique=False
        )
    # Existing Agents are visible: the column is added with a default, which is then dropped (the tables
    # give the value on every insert).
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(
            sa.Column(
                "name_aliases",
                sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
                nullable=True,
            )
        )
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.alter_column(
            "hidden", existing_type=sa.Boolean(), server_default=None, existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("name_aliases")
        batch_op.drop_column("hidden")
    op.drop_table("inv_change_items")  # with its index (MariaDB keeps an index its foreign key needs)
    op.drop_table("inv_changes")
