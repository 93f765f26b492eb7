"""Cockpit tables: inventory, deployments, Controllers and Agents, history and logs, daily plan, IAM, audit
log, settings, Cockpit cluster, stored EventIds.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 01:17:12.549705
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("controller_id", sa.String(length=100), nullable=False),
        sa.Column("agent_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("process_limit", sa.Integer(), nullable=True),
        sa.Column("is_cluster", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("deployed", sa.Boolean(), nullable=False),
        sa.Column("ordering", sa.Integer(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("controller_id", "agent_id", name=op.f("uq_agents_controller_id_agent_id")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agents_controller_id_name"), ["controller_id", "name"], unique=False
        )

    op.create_table(
        "audit_log",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account", sa.String(length=255), nullable=False),
        sa.Column("request", sa.String(length=255), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "INVENTORY",
                "CONTROLLER",
                "DAILYPLAN",
                "OTHERS",
                "DEPLOYMENT",
                "DOCUMENTATIONS",
                "CERTIFICATES",
                "IDENTITY",
                "SETTINGS",
                "MONITORING",
                "UNKNOWN",
                name="auditcategory",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("controller_id", sa.String(length=100), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("comment", sa.String(length=2000), nullable=True),
        sa.Column(
            "parameters",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("time_spent", sa.Integer(), nullable=True),
        sa.Column("ticket_link", sa.String(length=255), nullable=True),
        sa.Column("commit_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_log_account_created"), ["account", "created"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_log_controller_id_created"), ["controller_id", "created"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_log_created_id"), ["created", "id"], unique=False)

    op.create_table(
        "cockpit_members",
        sa.Column("member_id", sa.String(length=128), nullable=False),
        sa.Column("url", sa.String(length=255), nullable=False),
        sa.Column("started", sa.BigInteger(), nullable=False),
        sa.Column("heartbeat", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "controllers",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("controller_id", sa.String(length=100), nullable=False),
        sa.Column(
            "role",
            sa.Enum("STANDALONE", "PRIMARY", "BACKUP", name="controllerrole", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("url", sa.String(length=255), nullable=False),
        sa.Column("cluster_url", sa.String(length=255), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("certificate", sa.Text(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("controller_id", "role", name=op.f("uq_controllers_controller_id_role")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "dpl_projections",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column(
            "content",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=False,
        ),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("month"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "dpl_submissions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("controller_id", sa.String(length=100), nullable=False),
        sa.Column("plan_date", sa.Date(), nullable=False),
        sa.Column("account", sa.String(length=255), nullable=True),
        sa.Column("submitted", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("dpl_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dpl_submissions_controller_id_plan_date"),
            ["controller_id", "plan_date"],
            unique=False,
        )

    op.create_table(
        "event_ids",
        sa.Column("controller_id", sa.String(length=100), nullable=False),
        sa.Column("consumer", sa.String(length=128), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("controller_id", "consumer"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "history_orders",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("controller_id", sa.String(length=100), nullable=False),
        sa.Column("order_id", sa.String(length=255), nullable=False),
        sa.Column("workflow_path", sa.String(length=255), nullable=False),
        sa.Column("workflow_name", sa.String(length=255), nullable=False),
        sa.Column("workflow_folder", sa.String(length=255), nullable=False),
        sa.Column("workflow_version_id", sa.String(length=64), nullable=False),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "PLANNED",
                "PENDING",
                "SCHEDULED",
                "RUNNING",
                "INPROGRESS",
                "PROMPTING",
                "SUSPENDED",
                "FAILED",
                "WAITING",
                "BLOCKED",
                "CANCELLED",
                "FINISHED",
                "BROKEN",
                "UNKNOWN",
                name="orderstatetext",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "severity",
            sa.Enum("SUCCESSFUL", "INCOMPLETE", "FAILED", name="historystate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("start_time", sa.BigInteger(), nullable=False),
        sa.Column("end_time", sa.BigInteger(), nullable=True),
        sa.Column("planned_time", sa.BigInteger(), nullable=True),
        sa.Column("plan_date", sa.Date(), nullable=True),
        sa.Column("position", sa.String(length=255), nullable=False),
        sa.Column(
            "arguments",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("error_text", sa.Text(), nullable=True),
        sa.Column("start_event_id", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["history_orders.id"],
            name=op.f("fk_history_orders_parent_id_history_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("history_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_history_orders_controller", ["controller_id", "start_time", "id"], unique=False
        )
        batch_op.create_index("ix_history_orders_end", ["controller_id", "end_time"], unique=False)
        batch_op.create_index(
            "ix_history_orders_folder", ["controller_id", "workflow_folder", "start_time", "id"], unique=False
        )
        batch_op.create_index("ix_history_orders_order", ["controller_id", "order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_history_orders_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(
            "ix_history_orders_severity", ["controller_id", "severity", "start_time", "id"], unique=False
        )
        batch_op.create_index("ix_history_orders_start", ["start_time", "id"], unique=False)
        batch_op.create_index(
            "ix_history_orders_workflow", ["controller_id", "workflow_name", "start_time", "id"], unique=False
        )

    op.create_table(
        "iam_identity_services",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column(
            "service_type",
            sa.Enum(
                "JOC",
                "LDAP",
                "LDAP-JOC",
                "OIDC",
                "OIDC-JOC",
                "KEYCLOAK",
                "KEYCLOAK-JOC",
                "FIDO",
                "CERTIFICATE",
                "UNKNOWN",
                name="identityservicetype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("authentication_scheme", sa.String(length=32), nullable=False),
        sa.Column("ordering", sa.Integer(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column(
            "configuration",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", name=op.f("uq_iam_identity_services_name")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "inv_configurations",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column(
            "object_type",
            sa.Enum(
                "FOLDER",
                "WORKFLOW",
                "JOBRESOURCE",
                "LOCK",
                "NOTICEBOARD",
                "FILEORDERSOURCE",
                "WORKINGDAYSCALENDAR",
                "NONWORKINGDAYSCALENDAR",
                "SCHEDULE",
                "JOBTEMPLATE",
                "INCLUDESCRIPT",
                "REPORT",
                name="configurationtype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column(
            "content",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("deployed", sa.Boolean(), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_type", "path", name=op.f("uq_inv_configurations_object_type_path")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("inv_configurations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inv_configurations_folder"), ["folder"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inv_configurations_object_type_name"), ["object_type", "name"], unique=False
        )

    op.create_table(
        "inv_trash",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column(
            "object_type",
            sa.Enum(
                "FOLDER",
                "WORKFLOW",
                "JOBRESOURCE",
                "LOCK",
                "NOTICEBOARD",
                "FILEORDERSOURCE",
                "WORKINGDAYSCALENDAR",
                "NONWORKINGDAYSCALENDAR",
                "SCHEDULE",
                "JOBTEMPLATE",
                "INCLUDESCRIPT",
                "REPORT",
                name="configurationtype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column(
            "content",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("trashed", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_type", "path", name=op.f("uq_inv_trash_object_type_path")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("inv_trash", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inv_trash_folder"), ["folder"], unique=False)

    op.create_table(
        "settings",
        sa.Column("section", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column(
            "value",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=False,
        ),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("section", "name"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "audit_log_objects",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("audit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audit_log.id"],
            name=op.f("fk_audit_log_objects_audit_id_audit_log"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("audit_log_objects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_objects_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_objects_folder"), ["folder"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_objects_path"), ["path"], unique=False)

    op.create_table(
        "dep_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("controller_id", sa.String(length=100), nullable=False),
        sa.Column("configuration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "object_type",
            sa.Enum(
                "FOLDER",
                "WORKFLOW",
                "JOBRESOURCE",
                "LOCK",
                "NOTICEBOARD",
                "FILEORDERSOURCE",
                "WORKINGDAYSCALENDAR",
                "NONWORKINGDAYSCALENDAR",
                "SCHEDULE",
                "JOBTEMPLATE",
                "INCLUDESCRIPT",
                "REPORT",
                name="configurationtype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column(
            "content",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=False,
        ),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("commit_id", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.String(length=64), nullable=True),
        sa.Column(
            "operation",
            sa.Enum("UPDATE", "DELETE", name="deploymentoperation", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum("DEPLOYED", "NOT_DEPLOYED", name="deploymentstate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("account", sa.String(length=255), nullable=False),
        sa.Column("deployed", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["configuration_id"],
            ["inv_configurations.id"],
            name=op.f("fk_dep_history_configuration_id_inv_configurations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("dep_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dep_history_commit_id"), ["commit_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dep_history_configuration_id"), ["configuration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dep_history_controller_id_deployed"), ["controller_id", "deployed"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dep_history_controller_id_object_type_name_id"),
            ["controller_id", "object_type", "name", "id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_dep_history_folder"), ["folder"], unique=False)

    op.create_table(
        "dpl_orders",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("submission_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("controller_id", sa.String(length=100), nullable=False),
        sa.Column("plan_date", sa.Date(), nullable=False),
        sa.Column("order_id", sa.String(length=255), nullable=False),
        sa.Column("order_name", sa.String(length=255), nullable=True),
        sa.Column("workflow_path", sa.String(length=255), nullable=False),
        sa.Column("workflow_name", sa.String(length=255), nullable=False),
        sa.Column("schedule_path", sa.String(length=255), nullable=False),
        sa.Column("schedule_name", sa.String(length=255), nullable=False),
        sa.Column("planned_start", sa.BigInteger(), nullable=False),
        sa.Column("expected_end", sa.BigInteger(), nullable=True),
        sa.Column("repeat_interval", sa.Integer(), nullable=True),
        sa.Column("period_begin", sa.BigInteger(), nullable=True),
        sa.Column("period_end", sa.BigInteger(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "PLANNED", "SUBMITTED", "FINISHED", name="dailyplanorderstate", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column(
            "arguments",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=True,
        ),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["dpl_submissions.id"],
            name=op.f("fk_dpl_orders_submission_id_dpl_submissions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("controller_id", "order_id", name=op.f("uq_dpl_orders_controller_id_order_id")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("dpl_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dpl_orders_controller_id_plan_date_state"),
            ["controller_id", "plan_date", "state"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_dpl_orders_schedule_name"), ["schedule_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_dpl_orders_submission_id"), ["submission_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dpl_orders_workflow_name"), ["workflow_name"], unique=False)

    op.create_table(
        "history_tasks",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("controller_id", sa.String(length=100), nullable=False),
        sa.Column("history_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.String(length=255), nullable=False),
        sa.Column("workflow_path", sa.String(length=255), nullable=False),
        sa.Column("workflow_name", sa.String(length=255), nullable=False),
        sa.Column("workflow_folder", sa.String(length=255), nullable=False),
        sa.Column("workflow_version_id", sa.String(length=64), nullable=False),
        sa.Column("job_name", sa.String(length=255), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("position", sa.String(length=255), nullable=False),
        sa.Column("retry_counter", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=255), nullable=False),
        sa.Column("agent_url", sa.String(length=255), nullable=False),
        sa.Column("subagent_id", sa.String(length=255), nullable=True),
        sa.Column("criticality", sa.String(length=20), nullable=False),
        sa.Column(
            "severity",
            sa.Enum("SUCCESSFUL", "INCOMPLETE", "FAILED", name="historystate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("start_time", sa.BigInteger(), nullable=False),
        sa.Column("end_time", sa.BigInteger(), nullable=True),
        sa.Column("return_code", sa.Integer(), nullable=True),
        sa.Column("error_text", sa.Text(), nullable=True),
        sa.Column("start_event_id", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["history_order_id"],
            ["history_orders.id"],
            name=op.f("fk_history_tasks_history_order_id_history_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("history_tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_history_tasks_controller", ["controller_id", "start_time", "id"], unique=False
        )
        batch_op.create_index(
            "ix_history_tasks_folder", ["controller_id", "workflow_folder", "start_time", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_history_tasks_history_order_id"), ["history_order_id"], unique=False
        )
        batch_op.create_index(
            "ix_history_tasks_job",
            ["controller_id", "workflow_name", "job_name", "start_time", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_history_tasks_severity", ["controller_id", "severity", "start_time", "id"], unique=False
        )
        batch_op.create_index("ix_history_tasks_start", ["start_time", "id"], unique=False)

    op.create_table(
        "iam_accounts",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("force_password_change", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_login", sa.BigInteger(), nullable=True),
        sa.Column("last_failed_login", sa.BigInteger(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["iam_identity_services.id"],
            name=op.f("fk_iam_accounts_service_id_iam_identity_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "name", name=op.f("uq_iam_accounts_service_id_name")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "iam_roles",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("service_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("ordering", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["iam_identity_services.id"],
            name=op.f("fk_iam_roles_service_id_iam_identity_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "name", name=op.f("uq_iam_roles_service_id_name")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "inv_released",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("configuration_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "object_type",
            sa.Enum(
                "FOLDER",
                "WORKFLOW",
                "JOBRESOURCE",
                "LOCK",
                "NOTICEBOARD",
                "FILEORDERSOURCE",
                "WORKINGDAYSCALENDAR",
                "NONWORKINGDAYSCALENDAR",
                "SCHEDULE",
                "JOBTEMPLATE",
                "INCLUDESCRIPT",
                "REPORT",
                name="configurationtype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column(
            "content",
            sa.Text().with_variant(mysql.LONGTEXT(), "mariadb").with_variant(mysql.LONGTEXT(), "mysql"),
            nullable=False,
        ),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("modified", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["configuration_id"],
            ["inv_configurations.id"],
            name=op.f("fk_inv_released_configuration_id_inv_configurations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_type", "name", name=op.f("uq_inv_released_object_type_name")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("inv_released", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inv_released_configuration_id"), ["configuration_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inv_released_folder"), ["folder"], unique=False)

    op.create_table(
        "subagent_clusters",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("agent_ref", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cluster_id", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("deployed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_ref"],
            ["agents.id"],
            name=op.f("fk_subagent_clusters_agent_ref_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "agent_ref", "cluster_id", name=op.f("uq_subagent_clusters_agent_ref_cluster_id")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "subagents",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("agent_ref", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subagent_id", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=255), nullable=False),
        sa.Column(
            "director",
            sa.Enum(
                "NO_DIRECTOR",
                "PRIMARY_DIRECTOR",
                "SECONDARY_DIRECTOR",
                name="directorrole",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("ordering", sa.Integer(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("deployed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_ref"], ["agents.id"], name=op.f("fk_subagents_agent_ref_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agent_ref", "subagent_id", name=op.f("uq_subagents_agent_ref_subagent_id")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "history_log_chunks",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("history_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("task_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column(
            "data",
            sa.LargeBinary()
            .with_variant(mysql.LONGBLOB(), "mariadb")
            .with_variant(mysql.LONGBLOB(), "mysql"),
            nullable=False,
        ),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["history_order_id"],
            ["history_orders.id"],
            name=op.f("fk_history_log_chunks_history_order_id_history_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["history_tasks.id"],
            name=op.f("fk_history_log_chunks_task_id_history_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("history_log_chunks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_history_log_chunks_history_order_id_task_id_id"),
            ["history_order_id", "task_id", "id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_history_log_chunks_task_id_id"), ["task_id", "id"], unique=False)

    op.create_table(
        "iam_account_roles",
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["iam_accounts.id"],
            name=op.f("fk_iam_account_roles_account_id_iam_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["iam_roles.id"],
            name=op.f("fk_iam_account_roles_role_id_iam_roles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "role_id"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("iam_account_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iam_account_roles_role_id"), ["role_id"], unique=False)

    op.create_table(
        "iam_folders",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("role_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("controller_id", sa.String(length=100), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("recursive", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["iam_roles.id"], name=op.f("fk_iam_folders_role_id_iam_roles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "role_id", "controller_id", "folder", name=op.f("uq_iam_folders_role_id_controller_id_folder")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "iam_permissions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("role_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("controller_id", sa.String(length=100), nullable=False),
        sa.Column("permission", sa.String(length=255), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["iam_roles.id"],
            name=op.f("fk_iam_permissions_role_id_iam_roles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "role_id",
            "controller_id",
            "permission",
            name=op.f("uq_iam_permissions_role_id_controller_id_permission"),
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    op.create_table(
        "iam_sessions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("last_access", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.Column("timeout", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["iam_accounts.id"],
            name=op.f("fk_iam_sessions_account_id_iam_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_iam_sessions_token_hash")),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )
    with op.batch_alter_table("iam_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iam_sessions_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_iam_sessions_expires"), ["expires"], unique=False)

    op.create_table(
        "subagent_cluster_members",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("cluster_ref", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subagent_id", sa.String(length=255), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_ref"],
            ["subagent_clusters.id"],
            name=op.f("fk_subagent_cluster_members_cluster_ref_subagent_clusters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "cluster_ref", "subagent_id", name=op.f("uq_subagent_cluster_members_cluster_ref_subagent_id")
        ),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
    )


def downgrade() -> None:
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key needs first).
    op.drop_table("subagent_cluster_members")
    op.drop_table("iam_sessions")
    op.drop_table("iam_permissions")
    op.drop_table("iam_folders")
    op.drop_table("iam_account_roles")
    op.drop_table("history_log_chunks")
    op.drop_table("subagents")
    op.drop_table("subagent_clusters")
    op.drop_table("inv_released")
    op.drop_table("iam_roles")
    op.drop_table("iam_accounts")
    op.drop_table("history_tasks")
    op.drop_table("dpl_orders")
    op.drop_table("dep_history")
    op.drop_table("audit_log_objects")
    op.drop_table("settings")
    op.drop_table("inv_trash")
    op.drop_table("inv_configurations")
    op.drop_table("iam_identity_services")
    op.drop_table("history_orders")
    op.drop_table("event_ids")
    op.drop_table("dpl_submissions")
    op.drop_table("dpl_projections")
    op.drop_table("controllers")
    op.drop_table("cockpit_members")
    op.drop_table("audit_log")
    op.drop_table("agents")
