"""Rows of every table the Cleanup service purges, inserted directly (in bulk where many are wanted)."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import (
    AuditCategory,
    ConfigurationType,
    DailyPlanOrderState,
    DeploymentOperation,
    DeploymentState,
    HistoryState,
    OrderStateText,
)
from stellwerk.cockpit.db.tables import (
    AuditLog,
    AuditLogObject,
    DailyPlanOrder,
    DailyPlanSubmission,
    DepHistory,
    HistoryLogChunk,
    HistoryOrder,
    HistoryTask,
)

DAY = 86_400_000
NOW = 1_795_089_600_000  # 2026-11-19T12:00Z


def order_row(order_id: str, start: int, end: int | None, parent: int | None = None) -> dict[str, Any]:
    return {
        "controller_id": "c", "order_id": order_id, "workflow_path": "/f/wf", "workflow_name": "wf",
        "workflow_folder": "/f", "workflow_version_id": "v1", "parent_id": parent,
        "state": OrderStateText.FINISHED if end else OrderStateText.RUNNING, "severity": HistoryState.SUCCESSFUL,
        "start_time": start, "end_time": end, "position": "0", "start_event_id": start, "modified": start,
    }  # fmt: skip


async def add_order(
    db: AsyncSession, order_id: str, start: int, end: int | None, parent: int | None = None
) -> int:
    result = await db.execute(insert(HistoryOrder).values(order_row(order_id, start, end, parent)))
    key: int = result.inserted_primary_key[0]  # type: ignore[index]
    return key


async def add_task(db: AsyncSession, history_order_id: int, start: int) -> int:
    row = {
        "controller_id": "c", "history_order_id": history_order_id, "order_id": "o", "workflow_path": "/f/wf",
        "workflow_name": "wf", "workflow_folder": "/f", "workflow_version_id": "v1", "job_name": "job",
        "position": "0", "retry_counter": 0, "agent_id": "a", "agent_url": "https://a", "criticality": "NORMAL",
        "severity": HistoryState.SUCCESSFUL, "start_time": start, "start_event_id": start, "modified": start,
    }  # fmt: skip
    result = await db.execute(insert(HistoryTask).values(row))
    key: int = result.inserted_primary_key[0]  # type: ignore[index]
    return key


async def add_log(db: AsyncSession, history_order_id: int, task_id: int | None, created: int) -> None:
    row = {
        "history_order_id": history_order_id,
        "task_id": task_id,
        "size": 3,
        "data": b"x",
        "created": created,
    }
    await db.execute(insert(HistoryLogChunk).values(row))


async def add_plan_order(db: AsyncSession, order_id: str, plan_date: datetime.date) -> None:
    start = NOW
    row = {
        "controller_id": "c", "plan_date": plan_date, "order_id": order_id, "workflow_path": "/f/wf",
        "workflow_name": "wf", "schedule_path": "/f/s", "schedule_name": "s", "planned_start": start,
        "state": DailyPlanOrderState.FINISHED, "created": start, "modified": start,
    }  # fmt: skip
    await db.execute(insert(DailyPlanOrder).values(row))


async def add_submission(db: AsyncSession, plan_date: datetime.date) -> None:
    row = {"controller_id": "c", "plan_date": plan_date, "account": "root", "submitted": NOW}
    await db.execute(insert(DailyPlanSubmission).values(row))


async def add_audit(db: AsyncSession, created: int) -> None:
    row = {
        "account": "root",
        "request": "./orders/add",
        "category": AuditCategory.CONTROLLER,
        "created": created,
    }
    result = await db.execute(insert(AuditLog).values(row))
    audit_id = result.inserted_primary_key[0]  # type: ignore[index]
    objects = {"audit_id": audit_id, "object_type": "WORKFLOW", "path": "/f/wf", "folder": "/f"}
    await db.execute(insert(AuditLogObject).values(objects))


async def add_deployment(db: AsyncSession, name: str, commit: str, controller: str = "c") -> None:
    row = {
        "controller_id": controller, "object_type": ConfigurationType.WORKFLOW, "path": f"/f/{name}",
        "name": name, "folder": "/f", "content": "{}", "commit_id": commit,
        "operation": DeploymentOperation.UPDATE, "state": DeploymentState.DEPLOYED, "account": "root",
        "deployed": NOW,
    }  # fmt: skip
    await db.execute(insert(DepHistory).values(row))
