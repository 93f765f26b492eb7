"""The Monitor's rows: notifications stored, listed with JOC's filters and acknowledged; and what it reads of the
History and the inventory to judge a step (its task row, the job's average duration, the job's rules)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import msgspec
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from stellwerk.cockpit.db.enums import ConfigurationType, HistoryState
from stellwerk.cockpit.db.repositories.inventory import InventoryRepository
from stellwerk.cockpit.db.tables import HistoryOrder, HistoryTask, MonitorNotification
from stellwerk.cockpit.services.monitor.classify import JobRules, rules_of
from stellwerk.cockpit.services.monitor.settings import ORDER


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    """A notification as stored (`id` None before) and as delivered (`to_dict`)."""

    type: str
    category: str
    message: str
    created: int
    id: int | None = None
    controller_id: str | None = None
    source: str | None = None
    order_id: str | None = None
    workflow_path: str | None = None
    job_name: str | None = None
    position: str | None = None
    task_id: int | None = None
    agent_url: str | None = None
    criticality: str | None = None
    task_state: str | None = None
    return_code: int | None = None
    start_time: int | None = None
    end_time: int | None = None
    recovered_id: int | None = None
    acknowledged_by: str | None = None
    acknowledged: int | None = None
    acknowledgement_comment: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The fields that are set, by their names in camelCase (`id` and `recovered_id` by JOC's names): what
        webhooks and commands get."""
        return {_CAMEL[f]: getattr(self, f) for f in self.__struct_fields__ if getattr(self, f) is not None}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_CAMEL = {name: _camel(name) for name in Notification.__struct_fields__} | {
    "id": "notificationId",
    "recovered_id": "recoveredNotificationId",
}

ACKNOWLEDGED = "ACKNOWLEDGED"
_COLUMNS = Notification.__struct_fields__


def _notification(row: MonitorNotification) -> Notification:
    return Notification(**{name: getattr(row, name) for name in _COLUMNS})


class NotificationFilter(msgspec.Struct, frozen=True, kw_only=True):
    """JOC's filters: order notifications (`orders`) or system ones, by Controller, type, category, ids, time."""

    orders: bool
    controller_id: str | None = None
    types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()
    date_from: int | None = None
    limit: int | None = None


class NotificationStore:
    """Writing, reading and acknowledging notifications in one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, notifications: Sequence[Notification]) -> list[Notification]:
        """Stores new notifications; they come back with their ids."""
        rows = [
            MonitorNotification(**{name: getattr(n, name) for name in _COLUMNS if name != "id"})
            for n in notifications
        ]
        self._session.add_all(rows)
        await self._session.flush()
        return [_notification(row) for row in rows]

    async def set_recovered(self, notification_id: int, recovered_id: int) -> None:
        """Links a RECOVERED notification to the ERROR it recovers from (stored in the same batch)."""
        table = MonitorNotification
        await self._session.execute(
            update(table).where(table.id == notification_id).values(recovered_id=recovered_id)
        )

    async def search(self, wanted: NotificationFilter) -> list[Notification]:
        """Newest first."""
        table = MonitorNotification
        query = select(table)
        if wanted.orders:
            query = query.where(table.category == ORDER)
        else:
            query = query.where(table.category != ORDER)
        if wanted.categories:
            query = query.where(table.category.in_(wanted.categories))
        if wanted.controller_id:
            query = query.where(table.controller_id == wanted.controller_id)
        if wanted.types:
            # JOC's type ACKNOWLEDGED picks the notifications acknowledged, whatever their type.
            chosen: ColumnElement[bool] = table.type.in_([t for t in wanted.types if t != ACKNOWLEDGED])
            if ACKNOWLEDGED in wanted.types:
                chosen = or_(chosen, table.acknowledged.is_not(None))
            query = query.where(chosen)
        if wanted.ids:
            query = query.where(table.id.in_(wanted.ids))
        if wanted.date_from is not None:
            query = query.where(table.created >= wanted.date_from)
        query = query.order_by(table.created.desc(), table.id.desc())
        if wanted.limit is not None:
            query = query.limit(wanted.limit)
        return [_notification(row) for row in await self._session.scalars(query)]

    async def acknowledge(
        self, ids: Sequence[int], account: str, comment: str | None, now: int, *, orders: bool
    ) -> list[Notification]:
        """Acknowledges the notifications not acknowledged yet among `ids` (of orders, or of the system);
        returns those it acknowledged."""
        table = MonitorNotification
        which = (table.category == ORDER) if orders else (table.category != ORDER)
        found = await self._session.scalars(
            select(table.id).where(table.id.in_(ids), which, table.acknowledged.is_(None))
        )
        chosen = list(found)
        if chosen:
            await self._session.execute(
                update(table)
                .where(table.id.in_(chosen))
                .values(acknowledged_by=account, acknowledged=now, acknowledgement_comment=comment)
            )
        rows = await self._session.scalars(select(table).where(table.id.in_(chosen)).order_by(table.id))
        return [_notification(row) for row in rows]


class Task(msgspec.Struct, frozen=True, kw_only=True):
    """What the Monitor needs of a step's task history row."""

    task_id: int
    workflow_path: str
    workflow_name: str
    job_name: str
    position: str
    agent_url: str
    criticality: str
    severity: HistoryState
    start_time: int
    end_time: int


CHUNK = 500  # order ids per query (IN lists stay short on every backend)


async def ended_tasks(
    db: AsyncSession, controller_id: str, steps: Sequence[tuple[str, int, int]]
) -> dict[int, Task]:
    """The tasks the History ended with OrderProcessed events, by (order id, EventId, the event's time) → by
    EventId: the task of the order ended at the event's time, the last one started before it (a retry may start
    and end in the same millisecond). Few queries for a whole batch."""
    wanted: dict[str, list[int]] = {}
    for order_id, _, ended in steps:
        wanted.setdefault(order_id, []).append(ended)
    order_ids = list(wanted)
    rows: dict[str, list[HistoryTask]] = {}
    for begin in range(0, len(order_ids), CHUNK):
        chunk = order_ids[begin : begin + CHUNK]
        ends = {ended for order_id in chunk for ended in wanted[order_id]}
        # Through the order runs: their (controller, order id) index leads to the tasks' run index.
        for row in await db.scalars(
            select(HistoryTask)
            .join(HistoryOrder, HistoryOrder.id == HistoryTask.history_order_id)
            .where(
                HistoryOrder.controller_id == controller_id,
                HistoryOrder.order_id.in_(chunk),
                HistoryTask.end_time.in_(ends),
            )
        ):
            rows.setdefault(row.order_id, []).append(row)
    found: dict[int, Task] = {}
    for order_id, event_id, ended in steps:
        candidates = [
            row for row in rows.get(order_id, ()) if row.end_time == ended and row.start_event_id < event_id
        ]
        if candidates:
            found[event_id] = _task(max(candidates, key=lambda row: row.start_event_id))
    return found


def _task(row: HistoryTask) -> Task:
    return Task(
        task_id=row.id,
        workflow_path=row.workflow_path,
        workflow_name=row.workflow_name,
        job_name=row.job_name,
        position=row.position,
        agent_url=row.agent_url,
        criticality=row.criticality,
        severity=row.severity,
        start_time=row.start_time,
        end_time=row.end_time or row.start_time,
    )


async def average_duration(db: AsyncSession, controller_id: str, task: Task) -> float | None:
    """The average duration (ms) of the job's successful steps before this one; None when there was none."""
    average = await db.scalar(
        select(func.avg(HistoryTask.end_time - HistoryTask.start_time)).where(
            HistoryTask.controller_id == controller_id,
            HistoryTask.workflow_name == task.workflow_name,
            HistoryTask.job_name == task.job_name,
            HistoryTask.severity == HistoryState.SUCCESSFUL,
            HistoryTask.end_time.is_not(None),
            HistoryTask.id < task.task_id,
        )
    )
    return None if average is None else float(average)


async def jobs_rules(db: AsyncSession, workflow_path: str) -> dict[str, JobRules]:
    """The rules of the jobs of the inventory's workflow by job name (none when the inventory does not have it)."""
    found = await InventoryRepository(db).read(ConfigurationType.WORKFLOW, workflow_path)
    try:
        content = json.loads(found.content) if found is not None and found.content else {}
    except ValueError:
        content = {}
    jobs = content.get("jobs") if isinstance(content, dict) else None
    if not isinstance(jobs, dict):
        return {}
    return {name: rules_of(job) for name, job in jobs.items() if isinstance(job, dict)}
