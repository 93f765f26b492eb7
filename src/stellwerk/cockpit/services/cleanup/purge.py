"""What the Cleanup service purges, table by table: each `Target` selects the ids of its next batch and deletes
them with their child rows, in the caller's transaction. Ids are selected first and deleted by id (MariaDB
cannot delete with a LIMIT in a subquery), the same statements on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.base import affected_rows
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

# Ids per IN list: a batch's child rows may be many more than the batch, and backends limit bound parameters.
IN_LIST = 500

Counts = dict[str, int]


@dataclass(frozen=True)
class Target:
    """One kind of row to purge: `select(db, limit)` gives the next batch's ids, `delete(db, ids)` deletes them
    (and their children) and counts the rows deleted by table."""

    name: str
    select: Callable[[AsyncSession, int], Awaitable[list[int]]]
    delete: Callable[[AsyncSession, list[int]], Awaitable[Counts]]


def _slices(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), IN_LIST):
        yield ids[start : start + IN_LIST]


async def _ids(db: AsyncSession, query: Select[Any], limit: int) -> list[int]:
    return list((await db.scalars(query.limit(limit))).all())


async def _delete_by(db: AsyncSession, table: Any, column: Any, ids: Sequence[int]) -> int:
    deleted = 0
    for part in _slices(ids):
        deleted += affected_rows(await db.execute(delete(table).where(column.in_(part))))
    return deleted


# Order and task history ------------------------------------------------------------------------------------


def order_history(cutoff: int) -> Target:
    """Orders (with their fork children, tasks and logs) that ended before `cutoff`; running ones stay."""

    async def select_ids(db: AsyncSession, limit: int) -> list[int]:
        query = (
            select(HistoryOrder.id)
            .where(HistoryOrder.parent_id.is_(None), HistoryOrder.end_time < cutoff)
            .order_by(HistoryOrder.id)
        )
        return await _ids(db, query, limit)

    async def delete_ids(db: AsyncSession, ids: list[int]) -> Counts:
        levels = [ids]
        while levels[-1]:
            children: list[int] = []
            for part in _slices(levels[-1]):
                found = await db.scalars(select(HistoryOrder.id).where(HistoryOrder.parent_id.in_(part)))
                children.extend(found)
            levels.append(children)
        every = [order_id for level in levels for order_id in level]
        counts = {
            "history_log_chunks": await _delete_by(
                db, HistoryLogChunk, HistoryLogChunk.history_order_id, every
            ),
            "history_tasks": await _delete_by(db, HistoryTask, HistoryTask.history_order_id, every),
            "history_orders": 0,
        }
        for level in reversed(levels):  # children before their parents
            counts["history_orders"] += await _delete_by(db, HistoryOrder, HistoryOrder.id, level)
        return counts

    return Target("order history", select_ids, delete_ids)


def order_logs(cutoff: int) -> Target:
    """The logs of orders (and their tasks) that ended before `cutoff`; the orders and tasks stay."""

    async def select_ids(db: AsyncSession, limit: int) -> list[int]:
        query = (
            select(HistoryLogChunk.id)
            .join(HistoryOrder, HistoryOrder.id == HistoryLogChunk.history_order_id)
            .where(HistoryOrder.end_time < cutoff)
            .order_by(HistoryLogChunk.id)
        )
        return await _ids(db, query, limit)

    async def delete_ids(db: AsyncSession, ids: list[int]) -> Counts:
        return {"history_log_chunks": await _delete_by(db, HistoryLogChunk, HistoryLogChunk.id, ids)}

    return Target("order logs", select_ids, delete_ids)


# Daily Plan -------------------------------------------------------------------------------------------------


def daily_plan(first_kept: datetime.date) -> list[Target]:
    """Planned orders and submissions of plan dates before `first_kept`."""
    return [
        _before_plan_date("daily plan orders", DailyPlanOrder, first_kept),
        _before_plan_date("daily plan submissions", DailyPlanSubmission, first_kept),
    ]


def _before_plan_date(
    name: str, table: type[DailyPlanOrder] | type[DailyPlanSubmission], first_kept: datetime.date
) -> Target:
    async def select_ids(db: AsyncSession, limit: int) -> list[int]:
        query = select(table.id).where(table.plan_date < first_kept).order_by(table.id)
        return await _ids(db, query, limit)

    async def delete_ids(db: AsyncSession, ids: list[int]) -> Counts:
        return {table.__tablename__: await _delete_by(db, table, table.id, ids)}

    return Target(name, select_ids, delete_ids)


# Audit log --------------------------------------------------------------------------------------------------


def audit_log(cutoff: int) -> Target:
    """Audit log entries (with the objects they name) created before `cutoff`."""

    async def select_ids(db: AsyncSession, limit: int) -> list[int]:
        query = select(AuditLog.id).where(AuditLog.created < cutoff).order_by(AuditLog.id)
        return await _ids(db, query, limit)

    async def delete_ids(db: AsyncSession, ids: list[int]) -> Counts:
        return {
            "audit_log_objects": await _delete_by(db, AuditLogObject, AuditLogObject.audit_id, ids),
            "audit_log": await _delete_by(db, AuditLog, AuditLog.id, ids),
        }

    return Target("audit log", select_ids, delete_ids)


# Deployment history -----------------------------------------------------------------------------------------


def deployment_history(versions: int) -> Target:
    """Of each object's deployments to each Controller, all but the last `versions`."""

    async def select_ids(db: AsyncSession, limit: int) -> list[int]:
        rank = func.row_number().over(
            partition_by=(DepHistory.controller_id, DepHistory.object_type, DepHistory.name),
            order_by=DepHistory.id.desc(),
        )
        ranked = select(DepHistory.id.label("id"), rank.label("position")).subquery()
        query = select(ranked.c.id).where(ranked.c.position > versions).order_by(ranked.c.id)
        return await _ids(db, query, limit)

    async def delete_ids(db: AsyncSession, ids: list[int]) -> Counts:
        return {"dep_history": await _delete_by(db, DepHistory, DepHistory.id, ids)}

    return Target("deployment history", select_ids, delete_ids)
