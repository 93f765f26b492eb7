"""A job's stdout and stderr as UTF-8 text chunks of at most 8 KiB, coalesced for about 0.1 s.

Each stream has its own batch. The first text of a batch starts a short delay; when it is over, the waiting batches
are delivered in the order their first byte arrived. So heavy output gives a few events per 0.1 s instead of one
per line, a quiet line is held back no longer than the delay, and stdout and stderr keep their order at that
granularity (JS7 coalesces the same way, with 0.4 s).
"""

from __future__ import annotations

import asyncio
import codecs
import inspect
import os
from collections.abc import Awaitable, Callable
from typing import Literal

OutputStream = Literal["stdout", "stderr"]
OutputCallback = Callable[[OutputStream, str], Awaitable[None] | None]

CHUNK_BYTES = 8192
COALESCE_SECONDS = 0.1
# JS7's js7.job.execution.used-error-line-length
ERROR_LINE_MAX = 4096
_READ_BYTES = 8192
_QUEUE_ITEMS = 16

_Item = tuple[OutputStream, str | None]


class StderrWatch:
    """Whether anything was written to stderr, and its last non-blank line (for failOnErrWritten)."""

    def __init__(self) -> None:
        self.written = False
        self._partial = ""
        self._last: str | None = None

    def feed(self, text: str) -> None:
        if not text:
            return
        self.written = True
        *complete, partial = (self._partial + text).split("\n")
        self._partial = partial[-ERROR_LINE_MAX:]
        for line in reversed(complete):
            if line.strip():
                self._last = _clean_line(line)
                break

    @property
    def last_line(self) -> str | None:
        return _clean_line(self._partial) if self._partial.strip() else self._last


def _clean_line(line: str) -> str:
    return line.rstrip("\r")[:ERROR_LINE_MAX]


class _Batch:
    def __init__(self) -> None:
        self.data = bytearray()
        self.since = 0.0

    def add(self, text: str, now: float) -> None:
        if not self.data:
            self.since = now
        self.data += text.encode()

    def take_full_chunks(self, now: float) -> list[str]:
        chunks = []
        while len(self.data) >= CHUNK_BYTES:
            cut = chunk_cut(self.data)
            chunks.append(self.data[:cut].decode())
            del self.data[:cut]
            self.since = now
        return chunks

    def take_all(self) -> str:
        text = self.data.decode()
        self.data.clear()
        return text


def chunk_cut(data: bytes | bytearray, limit: int = CHUNK_BYTES) -> int:
    """Where to end the next chunk of valid UTF-8 `data`: at most `limit` bytes, after a newline in the second
    half if there is one, never inside a character."""
    if len(data) <= limit:
        return len(data)
    newline = data.rfind(b"\n", limit // 2, limit)
    if newline >= 0:
        return newline + 1
    cut = limit
    while cut > 0 and (data[cut] & 0xC0) == 0x80:
        cut -= 1
    return cut


class OutputPump:
    """Reads both pipes of one process and delivers their text to `on_output`."""

    def __init__(self, on_output: OutputCallback, coalesce_seconds: float = COALESCE_SECONDS) -> None:
        self.stderr = StderrWatch()
        self._on_output = on_output
        self._coalesce = coalesce_seconds
        self._queue: asyncio.Queue[_Item] = asyncio.Queue(_QUEUE_ITEMS)
        self._transports: list[asyncio.ReadTransport] = []
        self._readers: dict[OutputStream, asyncio.Task[None]] = {}
        self._delivery: asyncio.Task[None] | None = None
        self._progress = 0
        self._error: Exception | None = None

    async def start(self, stdout_fd: int, stderr_fd: int) -> None:
        """Takes ownership of the read ends of both pipes."""
        pipes: tuple[tuple[OutputStream, int], ...] = (("stdout", stdout_fd), ("stderr", stderr_fd))
        for stream, fd in pipes:
            reader = await self._connect(fd)
            self._readers[stream] = asyncio.create_task(self._read(stream, reader))
        self._delivery = asyncio.create_task(self._deliver())

    async def _connect(self, fd: int) -> asyncio.StreamReader:
        reader = asyncio.StreamReader()
        pipe = os.fdopen(fd, "rb", buffering=0)
        transport, _ = await asyncio.get_running_loop().connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), pipe
        )
        self._transports.append(transport)
        return reader

    async def finish(self, grace: float | None) -> bool:
        """Reads on until both pipes end or nothing was read nor delivered for `grace` seconds; then stops
        reading and delivers the rest. Returns whether the output was read to its end."""
        pending = set(self._readers.values())
        while pending:
            progress = self._progress
            _, pending = await asyncio.wait(pending, timeout=grace)
            if pending and progress == self._progress:
                break
        for stream, task in self._readers.items():
            if task in pending:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await self._queue.put((stream, None))
        for transport in self._transports:
            transport.close()
        if self._delivery is not None:
            await self._delivery
        if self._error is not None:
            raise self._error
        return not pending

    async def _read(self, stream: OutputStream, reader: asyncio.StreamReader) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while data := await reader.read(_READ_BYTES):
            self._progress += 1
            await self._put(stream, decoder.decode(data))
        await self._put(stream, decoder.decode(b"", final=True))
        await self._queue.put((stream, None))

    async def _put(self, stream: OutputStream, text: str) -> None:
        if text:
            if stream == "stderr":
                self.stderr.feed(text)
            await self._queue.put((stream, text))

    async def _deliver(self) -> None:
        loop = asyncio.get_running_loop()
        batches: dict[OutputStream, _Batch] = {"stdout": _Batch(), "stderr": _Batch()}
        open_streams = len(batches)
        while open_streams:
            deadline = self._deadline(batches)
            if deadline is not None and loop.time() >= deadline:
                await self._flush(batches)
                continue
            item = await self._next_item(deadline)
            if item is None:
                continue
            stream, text = item
            if text is None:
                open_streams -= 1
                continue
            batch = batches[stream]
            batch.add(text, loop.time())
            for chunk in batch.take_full_chunks(loop.time()):
                await self._emit(stream, chunk)
        await self._flush(batches)

    def _deadline(self, batches: dict[OutputStream, _Batch]) -> float | None:
        waiting = [batch.since for batch in batches.values() if batch.data]
        return min(waiting) + self._coalesce if waiting else None

    async def _next_item(self, deadline: float | None) -> _Item | None:
        if deadline is None:
            return await self._queue.get()
        try:
            async with asyncio.timeout_at(deadline):
                return await self._queue.get()
        except TimeoutError:
            return None

    async def _flush(self, batches: dict[OutputStream, _Batch]) -> None:
        for stream, batch in sorted(batches.items(), key=lambda pair: pair[1].since):
            if batch.data:
                await self._emit(stream, batch.take_all())

    async def _emit(self, stream: OutputStream, text: str) -> None:
        self._progress += 1
        if self._error is not None:
            return
        # A failing callback must not stop the draining of the pipes, or the process would block on them.
        try:
            result = self._on_output(stream, text)
            if inspect.isawaitable(result):
                await result
        except Exception as error:
            self._error = error
