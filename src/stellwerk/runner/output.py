"""A job's stdout and stderr as UTF-8 text chunks of at most 8 KiB, coalesced for about 0.1 s.

Each stream has its own batch. The first text of a batch starts a short delay; when it is over, the waiting batches
are delivered in the order their first byte arrived. So heavy output gives a few events per 0.1 s instead of one
per line, a quiet line is held back no longer than the delay, and stdout and stderr keep their order at that
granularity (JS7 coalesces the same way, with 0.4 s).
"""

from __future__ import annotations

import asyncio
import codecs
import os
from collections.abc import Callable
from typing import Literal

OutputStream = Literal["stdout", "stderr"]
OutputCallback = Callable[[OutputStream, str], None]

CHUNK_BYTES = 8192
COALESCE_SECONDS = 0.1
# JS7's js7.job.execution.used-error-line-length
ERROR_LINE_MAX = 4096
_READ_BYTES = 65536


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
    """Reads both pipes of one process in the event loop (`add_reader`, no task per pipe) and delivers their
    text to `on_output`. Construct it in the running loop."""

    def __init__(self, on_output: OutputCallback, coalesce_seconds: float = COALESCE_SECONDS) -> None:
        self.stderr = StderrWatch()
        self._on_output = on_output
        self._coalesce = coalesce_seconds
        self._loop = asyncio.get_running_loop()
        self._open: dict[OutputStream, int] = {}
        self._decoders: dict[OutputStream, codecs.IncrementalDecoder] = {}
        self._batches: dict[OutputStream, _Batch] = {"stdout": _Batch(), "stderr": _Batch()}
        self._flush_timer: asyncio.TimerHandle | None = None
        self._all_ended: asyncio.Future[None] | None = None
        self._progress = 0
        self._error: Exception | None = None

    def start(self, stdout_fd: int, stderr_fd: int) -> None:
        """Takes ownership of the read ends of both pipes."""
        pipes: tuple[tuple[OutputStream, int], ...] = (("stdout", stdout_fd), ("stderr", stderr_fd))
        for stream, fd in pipes:
            os.set_blocking(fd, False)
            self._open[stream] = fd
            self._decoders[stream] = _utf8_decoder()
            self._loop.add_reader(fd, self._read, stream, fd)

    async def finish(self, grace: float | None) -> bool:
        """Reads on until both pipes end or nothing was read nor delivered for `grace` seconds; then stops
        reading and delivers the rest. Returns whether the output was read to its end."""
        while self._open:
            progress = self._progress
            self._all_ended = self._all_ended or self._loop.create_future()
            await asyncio.wait({self._all_ended}, timeout=grace)
            if self._open and progress == self._progress:
                break
        complete = not self._open
        for stream in list(self._open):
            self._close(stream)
        if self._error is not None:
            raise self._error
        return complete

    def _read(self, stream: OutputStream, fd: int) -> None:
        try:
            data = os.read(fd, _READ_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self._progress += 1
            self._take(stream, self._decoders[stream].decode(data))
        else:
            self._close(stream)

    def _take(self, stream: OutputStream, text: str) -> None:
        if not text:
            return
        if stream == "stderr":
            self.stderr.feed(text)
        now = self._loop.time()
        batch = self._batches[stream]
        batch.add(text, now)
        for chunk in batch.take_full_chunks(now):
            self._emit(stream, chunk)
        if self._flush_timer is None:
            self._flush_timer = self._loop.call_at(batch.since + self._coalesce, self._flush_due)

    def _close(self, stream: OutputStream) -> None:
        fd = self._open.pop(stream)
        self._loop.remove_reader(fd)
        os.close(fd)
        self._take(stream, self._decoders[stream].decode(b"", final=True))
        if not self._open:
            self._flush()
            if self._all_ended is not None and not self._all_ended.done():
                self._all_ended.set_result(None)

    def _flush_due(self) -> None:
        self._flush_timer = None
        self._flush()

    def _flush(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        for stream, batch in sorted(self._batches.items(), key=lambda pair: pair[1].since):
            if batch.data:
                self._emit(stream, batch.take_all())

    def _emit(self, stream: OutputStream, text: str) -> None:
        self._progress += 1
        if self._error is not None:
            return
        # A failing callback must not stop the draining of the pipes, or the process would block on them.
        try:
            self._on_output(stream, text)
        except Exception as error:
            self._error = error


def _utf8_decoder() -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder("utf-8")(errors="replace")
