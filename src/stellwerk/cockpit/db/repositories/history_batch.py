"""The History service's database side, a batch at a time: the runs a batch of events continues from (one query
for the runs, one for their running tasks), and the batch's changes written with a few bulk statements (SQLAlchemy
Core executemany: INSERT … RETURNING for new rows, UPDATE by id for changed ones), not a statement per event.
Log lines of one order or one task in a batch become one compressed chunk, or several of at most `CHUNK_BYTES` each
when they are more: a reader of a long log reads it a few chunks at a time, never all of it at once."""

from __future__ import annotations

import datetime
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import msgspec
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.folders import folder_of, name_of
from stellwerk.cockpit.db.tables import HistoryLogChunk, HistoryOrder, HistoryTask


class Added(msgspec.Struct, frozen=True, kw_only=True):
    """What an order brought when it was added, kept until it starts."""

    workflow_path: str
    version_id: str
    arguments: str | None
    scheduled_for: int | None
    position: str


class Running(msgspec.Struct, frozen=True, kw_only=True):
    """A stored order run that has not ended, as the fold starts from it (`task_id`: its running task)."""

    history_id: int
    order_id: str
    workflow_path: str
    workflow_version_id: str
    state: OrderStateText
    severity: HistoryState
    position: str
    error_text: str | None
    modified: int
    task_id: int | None


@dataclass(eq=False)
class Run:
    """An order run's row as the batch leaves it. `history_id` is None for a row the batch adds until the writer
    has inserted it; a forked child's `parent` is its parent's run."""

    history_id: int | None
    order_id: str
    workflow_path: str
    workflow_version_id: str
    state: OrderStateText
    severity: HistoryState
    position: str
    modified: int
    error_text: str | None = None
    end_time: int | None = None
    start_time: int = 0
    start_event_id: int = 0
    planned_time: int | None = None
    plan_date: datetime.date | None = None
    arguments: str | None = None
    parent: Run | None = None
    task: Task | None = None
    changed: bool = False


@dataclass(eq=False)
class Task:
    """A task's row as the batch leaves it; `task_id` None until the writer has inserted a new one."""

    task_id: int | None
    run: Run
    modified: int
    job_name: str = ""
    label: str | None = None
    agent_id: str = ""
    agent_url: str = ""
    subagent_id: str | None = None
    position: str = ""
    start_time: int = 0
    start_event_id: int = 0
    severity: HistoryState = HistoryState.INCOMPLETE
    end_time: int | None = None
    return_code: int | None = None
    error_text: str | None = None


@dataclass(frozen=True)
class LogLine:
    """A piece of a log: with `output`, a task's stdout or stderr; else an entry of the order's own log, whose
    `taskId` (a `Task`) gets its id when written."""

    run: Run
    time: int
    entry: dict[str, Any] | None = None
    output: str | None = None
    task: Task | None = None


@dataclass(frozen=True)
class Joined:
    """A stored parent joined its children: the children's rows not in the batch end with this severity."""

    parent_id: int
    severity: HistoryState
    time: int


@dataclass
class Changes:
    """What a batch writes: runs and tasks it added or changed (added ones in the order they began), log lines
    in event order, joins; and the orders added but not yet started as they are after the batch."""

    runs: list[Run] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    log: list[LogLine] = field(default_factory=list)
    joined: list[Joined] = field(default_factory=list)
    added: dict[str, Added] = field(default_factory=dict)


# Bound parameters per IN list (SQLite allows 32,766, but plans stay simple with fewer).
IN_CHUNK = 500

_ORDERS = cast(Table, HistoryOrder.__table__)
_TASKS = cast(Table, HistoryTask.__table__)
_CHUNKS = cast(Table, HistoryLogChunk.__table__)


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


async def _insert_returning_ids(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]], key: tuple[str, ...]
) -> list[int]:
    """Inserts the rows (one executemany); their new ids in the rows' order. The rows are told apart by their
    `key` columns (unique among them): RETURNING does not keep the rows' order on every backend, and asking
    SQLAlchemy to sort them makes it insert one row at a time on SQLite."""
    found = await session.execute(insert(table).returning(table.c.id, *(table.c[name] for name in key)), rows)
    ids = {tuple(returned[1:]): returned[0] for returned in found}
    if len(ids) != len(rows):
        raise ValueError(f"{table.name}: {len(rows)} rows but {len(ids)} different {key}")
    return [ids[tuple(row[name] for name in key)] for row in rows]


async def _update_by_id(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Sets the columns of each row (a dict with its `id` and the same columns) by its id, in one executemany."""
    if not rows:
        return
    columns = [name for name in rows[0] if name != "id"]
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in columns})
    )
    await session.execute(statement, [{f"b_{name}": value for name, value in row.items()} for row in rows])


class HistoryBatchRepository:
    """Reading the runs a batch continues, writing what it changed, in the caller's transaction."""

    def __init__(
        self, session: AsyncSession, controller_id: str, paths: Mapping[str, str] | None = None
    ) -> None:
        """`paths`: the inventory path of a workflow by its name on the Controller (rows show that path)."""
        self._session = session
        self._controller_id = controller_id
        self._paths = paths if paths is not None else {}

    def _workflow_columns(self, run: Run) -> dict[str, str]:
        """A row's workflow columns: the inventory path and its folder, and the Controller's name."""
        name = run.workflow_path
        path = self._paths.get(name) or (name if name.startswith("/") else f"/{name}")
        return {"workflow_path": path, "workflow_name": name_of(name), "workflow_folder": folder_of(path)}

    async def running(self, order_ids: Iterable[str]) -> dict[str, Running]:
        """The newest run not ended of each of these orders that has one, with its running task."""
        wanted = sorted(set(order_ids))
        rows: dict[str, Any] = {}
        for part in _chunks(wanted):
            found = await self._session.execute(
                select(
                    HistoryOrder.id, HistoryOrder.order_id, HistoryOrder.workflow_name,
                    HistoryOrder.workflow_version_id, HistoryOrder.state, HistoryOrder.severity,
                    HistoryOrder.position, HistoryOrder.error_text, HistoryOrder.modified,
                )
                .where(
                    HistoryOrder.controller_id == self._controller_id,
                    HistoryOrder.order_id.in_(part),
                    HistoryOrder.end_time.is_(None),
                )
                .order_by(HistoryOrder.id)
            )  # fmt: skip
            rows.update((row.order_id, row) for row in found)
        tasks = await self._running_tasks([row.id for row in rows.values()])
        return {
            order_id: Running(
                history_id=row.id,
                order_id=order_id,
                workflow_path=row.workflow_name,
                workflow_version_id=row.workflow_version_id,
                state=row.state,
                severity=row.severity,
                position=row.position,
                error_text=row.error_text,
                modified=row.modified,
                task_id=tasks.get(row.id),
            )
            for order_id, row in rows.items()
        }

    async def _running_tasks(self, history_ids: Sequence[int]) -> dict[int, int]:
        """The newest task not ended of each of these runs that has one."""
        tasks: dict[int, int] = {}
        for part in _chunks(sorted(history_ids)):
            found = await self._session.execute(
                select(HistoryTask.id, HistoryTask.history_order_id)
                .where(HistoryTask.history_order_id.in_(part), HistoryTask.end_time.is_(None))
                .order_by(HistoryTask.id)
            )
            tasks.update((history_id, task_id) for task_id, history_id in found)
        return tasks

    async def write(self, changes: Changes) -> None:
        """Inserts the new runs and tasks, updates the changed ones, ends joined children, appends the logs."""
        new_runs = [run for run in changes.runs if run.history_id is None]
        new_tasks = [task for task in changes.tasks if task.task_id is None]
        await self._update_runs([run for run in changes.runs if run.history_id is not None])
        await self._insert_runs(new_runs)
        if changes.joined:
            await self._session.execute(
                update(_ORDERS)
                .where(_ORDERS.c.parent_id == bindparam("b_parent"), _ORDERS.c.end_time.is_(None))
                .values(
                    state=OrderStateText.FINISHED, severity=bindparam("b_severity"),
                    end_time=bindparam("b_time"), modified=bindparam("b_time"),
                ),
                [{"b_parent": j.parent_id, "b_severity": j.severity, "b_time": j.time} for j in changes.joined],
            )  # fmt: skip
        await self._update_tasks([task for task in changes.tasks if task.task_id is not None])
        await self._insert_tasks(new_tasks)
        await self._append_logs(changes.log)

    async def _insert_runs(self, runs: list[Run]) -> None:
        # A forked child needs its parent's id: rows go in runs that hold no child of a row in the same run.
        start = 0
        while start < len(runs):
            end = start + 1
            pending = {id(runs[start])}
            while end < len(runs) and id(runs[end].parent) not in pending:
                pending.add(id(runs[end]))
                end += 1
            await self._insert_rows(runs[start:end])
            start = end

    async def _insert_rows(self, runs: list[Run]) -> None:
        rows = [
            {
                "controller_id": self._controller_id,
                "order_id": run.order_id,
                **self._workflow_columns(run),
                "workflow_version_id": run.workflow_version_id,
                "parent_id": run.parent.history_id if run.parent is not None else None,
                "state": run.state,
                "severity": run.severity,
                "start_time": run.start_time,
                "end_time": run.end_time,
                "planned_time": run.planned_time,
                "plan_date": run.plan_date,
                "position": run.position,
                "arguments": run.arguments,
                "error_text": run.error_text,
                "start_event_id": run.start_event_id,
                "modified": run.modified,
            }
            for run in runs
        ]
        # A run starts at an event, a forked child's at its parent's: one run per order id and EventId.
        ids = await _insert_returning_ids(self._session, _ORDERS, rows, ("order_id", "start_event_id"))
        for run, history_id in zip(runs, ids, strict=True):
            run.history_id = history_id

    async def _update_runs(self, runs: list[Run]) -> None:
        await _update_by_id(
            self._session,
            _ORDERS,
            [
                {
                    "id": run.history_id, "state": run.state, "severity": run.severity, "position": run.position,
                    "end_time": run.end_time, "error_text": run.error_text, "modified": run.modified,
                }
                for run in runs
            ],
        )  # fmt: skip

    async def _insert_tasks(self, tasks: list[Task]) -> None:
        if not tasks:
            return
        rows = [
            {
                "controller_id": self._controller_id,
                "history_order_id": task.run.history_id,
                "order_id": task.run.order_id,
                **self._workflow_columns(task.run),
                "workflow_version_id": task.run.workflow_version_id,
                "job_name": task.job_name,
                "label": task.label,
                "position": task.position,
                "retry_counter": 0,
                "agent_id": task.agent_id,
                "agent_url": task.agent_url,
                "subagent_id": task.subagent_id,
                "criticality": "NORMAL",
                "severity": task.severity,
                "start_time": task.start_time,
                "end_time": task.end_time,
                "return_code": task.return_code,
                "error_text": task.error_text,
                "start_event_id": task.start_event_id,
                "modified": task.modified,
            }
            for task in tasks
        ]
        ids = await _insert_returning_ids(self._session, _TASKS, rows, ("history_order_id", "start_event_id"))
        for task, task_id in zip(tasks, ids, strict=True):
            task.task_id = task_id

    async def _update_tasks(self, tasks: list[Task]) -> None:
        await _update_by_id(
            self._session,
            _TASKS,
            [
                {
                    "id": task.task_id, "severity": task.severity, "end_time": task.end_time,
                    "return_code": task.return_code, "error_text": task.error_text, "modified": task.modified,
                }
                for task in tasks
            ],
        )  # fmt: skip

    async def _append_logs(self, lines: list[LogLine]) -> None:
        logs: dict[tuple[int, int], tuple[LogLine, list[str]]] = {}
        for line in lines:
            # An order's own log (entries) and each of its tasks' output (output) is its own chunk.
            where = (id(line.run), id(line.task) if line.output is not None else 0)
            logs.setdefault(where, (line, []))[1].append(_text(line))
        if not logs:
            return
        rows = [
            {
                "history_order_id": first.run.history_id,
                "task_id": first.task.task_id
                if first.output is not None and first.task is not None
                else None,
                "size": len(raw),
                "data": zlib.compress(raw),
                "created": first.time,
            }
            for first, parts in logs.values()
            for raw in bounded_pieces(parts, CHUNK_BYTES)
        ]
        await self._session.execute(insert(_CHUNKS), rows)


CHUNK_BYTES = 32 * 1024


def bounded_pieces(parts: Sequence[str], limit: int) -> list[bytes]:
    """The parts' text, in order, as pieces of at most `limit` bytes of UTF-8: whole parts where they fit (a
    part longer than `limit` is cut between characters)."""
    pieces: list[bytes] = []
    current = bytearray()
    for part in parts:
        step = max(1, limit // 4)  # characters: at most 4 bytes each in UTF-8
        for start in range(0, max(len(part), 1), step):
            raw = part[start : start + step].encode()
            if current and len(current) + len(raw) > limit:
                pieces.append(bytes(current))
                current = bytearray()
            current += raw
    if current or not pieces:
        pieces.append(bytes(current))
    return pieces


def _text(line: LogLine) -> str:
    if line.output is not None:
        return line.output
    return json.dumps(line.entry, default=_task_id) + "\n"


def _task_id(value: object) -> object:
    if isinstance(value, Task):
        return value.task_id
    raise TypeError(f"{type(value).__name__} is not JSON")
