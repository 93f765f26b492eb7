"""Order and job logs as zlib-compressed chunks: the History service appends a chunk per batch of output, so the
log of a running job grows while it runs; readers get the whole text, what came after a chunk they have, or a
block of chunks of about a given size before a chunk (a long log read from its tail back, never all at once)."""

from __future__ import annotations

import zlib

import msgspec
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.tables import HistoryLogChunk


class LogTail(msgspec.Struct, frozen=True, kw_only=True):
    """Text after a chunk, and the last chunk's id to ask for more (unchanged when nothing new came)."""

    text: str
    last_chunk_id: int


class LogSource(msgspec.Struct, frozen=True, kw_only=True):
    """Whose log: a task's output (`task_id`), or the whole log of an order run (`history_order_id`: its own
    entries and its tasks' output, in the order they were stored)."""

    task_id: int | None = None
    history_order_id: int | None = None
    jobs_only: bool = False  # of an order run: its tasks' output without its order log entries


class LogChunk(msgspec.Struct, frozen=True, kw_only=True):
    """A stored piece of a log: its id, its task (None: an order log entry) and its text."""

    id: int
    task_id: int | None
    text: str


class LogBlock(msgspec.Struct, frozen=True, kw_only=True):
    """Consecutive chunks of a log, and whether chunks come before them."""

    chunks: tuple[LogChunk, ...]
    earlier: bool


class LogRepository:
    """Appending to and reading order and task logs."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(self, history_order_id: int, text: str, now: int, task_id: int | None = None) -> int:
        """Appends text to the task's log (or, without a task, to the order's log); the new chunk's id."""
        raw = text.encode()
        chunk = HistoryLogChunk(
            history_order_id=history_order_id,
            task_id=task_id,
            size=len(raw),
            data=zlib.compress(raw),
            created=now,
        )
        self._session.add(chunk)
        await self._session.flush()
        return chunk.id

    async def task_log(self, task_id: int) -> str:
        """The whole log of a task ("" when it wrote nothing)."""
        return (await self.task_log_after(task_id, 0)).text

    async def order_log(self, history_order_id: int) -> str:
        """The whole log of an order run (its own entries, not its tasks' output)."""
        return (await self.order_log_after(history_order_id, 0)).text

    async def task_log_after(self, task_id: int, after_chunk_id: int) -> LogTail:
        """The task's log after the chunk `after_chunk_id` (0: from the start)."""
        return await self._after(HistoryLogChunk.task_id == task_id, after_chunk_id)

    async def order_log_after(self, history_order_id: int, after_chunk_id: int) -> LogTail:
        """The order's log after the chunk `after_chunk_id` (0: from the start)."""
        condition = (HistoryLogChunk.history_order_id == history_order_id) & HistoryLogChunk.task_id.is_(None)
        return await self._after(condition, after_chunk_id)

    async def size(self, task_id: int) -> int:
        """The uncompressed size of a task's log in bytes."""
        sizes = await self._session.scalars(
            select(HistoryLogChunk.size).where(HistoryLogChunk.task_id == task_id)
        )
        return sum(sizes)

    async def block_before(self, source: LogSource, before_chunk_id: int | None, budget: int) -> LogBlock:
        """The chunks just before the chunk `before_chunk_id` (None: the last ones) holding about `budget`
        bytes: at least one chunk, and no more than `MAX_BLOCK_CHUNKS`. Reads the sizes of those chunks only."""
        condition = _source(source)
        if before_chunk_id is not None:
            condition = condition & (HistoryLogChunk.id < before_chunk_id)
        sizes = await self._session.execute(
            select(HistoryLogChunk.id, HistoryLogChunk.size)
            .where(condition)
            .order_by(HistoryLogChunk.id.desc())
            .limit(MAX_BLOCK_CHUNKS)
        )
        first, total = None, 0
        for chunk_id, size in sizes:
            if first is not None and total + size > budget:
                break
            first, total = chunk_id, total + size
        if first is None:
            return LogBlock(chunks=(), earlier=False)
        chunks = await self._chunks(condition & (HistoryLogChunk.id >= first), MAX_BLOCK_CHUNKS)
        earlier = await self._session.scalar(
            select(HistoryLogChunk.id).where(_source(source), HistoryLogChunk.id < first).limit(1)
        )
        return LogBlock(chunks=tuple(chunks), earlier=earlier is not None)

    async def log_after(self, source: LogSource, after_chunk_id: int) -> LogTail:
        """The log's text after the chunk `after_chunk_id` (0: from the start)."""
        return await self._after(_source(source), after_chunk_id)

    async def chunks_after(self, source: LogSource, after_chunk_id: int, limit: int) -> list[LogChunk]:
        """At most `limit` chunks after the chunk `after_chunk_id` (0: from the start)."""
        return await self._chunks(_source(source) & (HistoryLogChunk.id > after_chunk_id), limit)

    async def _chunks(self, condition: ColumnElement[bool], limit: int) -> list[LogChunk]:
        rows = await self._session.execute(
            select(HistoryLogChunk.id, HistoryLogChunk.task_id, HistoryLogChunk.data)
            .where(condition)
            .order_by(HistoryLogChunk.id)
            .limit(limit)
        )
        return [
            LogChunk(id=chunk_id, task_id=task_id, text=zlib.decompress(data).decode())
            for chunk_id, task_id, data in rows
        ]

    async def _after(self, condition: ColumnElement[bool], after_chunk_id: int) -> LogTail:
        rows = await self._session.execute(
            select(HistoryLogChunk.id, HistoryLogChunk.data)
            .where(condition, HistoryLogChunk.id > after_chunk_id)
            .order_by(HistoryLogChunk.id)
        )
        last, parts = after_chunk_id, []
        for chunk_id, data in rows:
            parts.append(zlib.decompress(data).decode())
            last = chunk_id
        return LogTail(text="".join(parts), last_chunk_id=last)


MAX_BLOCK_CHUNKS = 1000


def _source(source: LogSource) -> ColumnElement[bool]:
    if source.task_id is not None:
        return HistoryLogChunk.task_id == source.task_id
    if source.history_order_id is None:
        raise ValueError("A log source needs a task id or a history order id")
    condition = HistoryLogChunk.history_order_id == source.history_order_id
    return condition & HistoryLogChunk.task_id.is_not(None) if source.jobs_only else condition
