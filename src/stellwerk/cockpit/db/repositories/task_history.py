"""Task history: one row per job execution, added when the process starts and completed when it ends."""

from __future__ import annotations

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import HistoryState
from stellwerk.cockpit.db.repositories.folders import folder_of, name_of
from stellwerk.cockpit.db.repositories.history_query import HistoryCursor, HistoryFilter, next_cursor, page
from stellwerk.cockpit.db.tables import HistoryTask


class TaskStarted(msgspec.Struct, frozen=True, kw_only=True):
    """A job's process started for an order (whose history id is `history_order_id`)."""

    controller_id: str
    history_order_id: int
    order_id: str
    workflow_path: str
    workflow_version_id: str
    job_name: str
    position: str
    agent_id: str
    agent_url: str
    start_time: int
    start_event_id: int
    label: str | None = None
    retry_counter: int = 0
    subagent_id: str | None = None
    criticality: str = "NORMAL"


class TaskEnded(msgspec.Struct, frozen=True, kw_only=True):
    """The process ended."""

    end_time: int
    severity: HistoryState
    return_code: int | None = None
    error_text: str | None = None


class TaskHistory(msgspec.Struct, frozen=True, kw_only=True):
    """A row of the task history; `task_id` is JOC's `taskId`."""

    task_id: int
    controller_id: str
    history_order_id: int
    order_id: str
    workflow_path: str
    workflow_name: str
    workflow_folder: str
    workflow_version_id: str
    job_name: str
    label: str | None
    position: str
    retry_counter: int
    agent_id: str
    agent_url: str
    subagent_id: str | None
    criticality: str
    severity: HistoryState
    start_time: int
    end_time: int | None
    return_code: int | None
    error_text: str | None
    start_event_id: int
    modified: int


class TaskFilter(HistoryFilter, frozen=True, kw_only=True):
    """The order-history filters plus those of tasks."""

    job_names: tuple[str, ...] = ()
    criticalities: tuple[str, ...] = ()
    task_ids: tuple[int, ...] = ()
    history_order_ids: tuple[int, ...] = ()


class TaskHistoryPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of the task history and where the next one starts."""

    items: tuple[TaskHistory, ...]
    next: HistoryCursor | None


_FIELDS = tuple(f for f in TaskHistory.__struct_fields__ if f != "task_id")


def _task(row: HistoryTask) -> TaskHistory:
    return TaskHistory(task_id=row.id, **{field: getattr(row, field) for field in _FIELDS})


class TaskHistoryRepository:
    """Writing and reading the task history."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, started: TaskStarted, now: int) -> int:
        """Adds the task's row, still running (INCOMPLETE); its task id."""
        row = HistoryTask(
            **msgspec.structs.asdict(started),
            workflow_name=name_of(started.workflow_path),
            workflow_folder=folder_of(started.workflow_path),
            severity=HistoryState.INCOMPLETE,
            modified=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def end(self, task_id: int, ended: TaskEnded, now: int) -> bool:
        """Completes the task's row; False when there is no such task."""
        row = await self._session.get(HistoryTask, task_id)
        if row is None:
            return False
        row.end_time, row.severity, row.return_code = ended.end_time, ended.severity, ended.return_code
        row.error_text, row.modified = ended.error_text, now
        await self._session.flush()
        return True

    async def get(self, task_id: int) -> TaskHistory | None:
        """One task."""
        row = await self._session.get(HistoryTask, task_id)
        return None if row is None else _task(row)

    async def of_order(self, history_order_id: int) -> list[TaskHistory]:
        """The tasks of one order run, in the order they started."""
        rows = await self._session.scalars(
            select(HistoryTask)
            .where(HistoryTask.history_order_id == history_order_id)
            .order_by(HistoryTask.id)
        )
        return [_task(row) for row in rows]

    async def search(self, wanted: TaskFilter) -> TaskHistoryPage:
        """A page of the task history, newest first."""
        query = select(HistoryTask)
        if wanted.job_names:
            query = query.where(HistoryTask.job_name.in_(wanted.job_names))
        if wanted.criticalities:
            query = query.where(HistoryTask.criticality.in_(wanted.criticalities))
        if wanted.task_ids:
            query = query.where(HistoryTask.id.in_(wanted.task_ids))
        if wanted.history_order_ids:
            query = query.where(HistoryTask.history_order_id.in_(wanted.history_order_ids))
        rows = list(await self._session.scalars(page(query, HistoryTask, wanted)))
        items = tuple(_task(row) for row in rows[: wanted.limit])
        return TaskHistoryPage(items=items, next=next_cursor(rows, wanted.limit))
