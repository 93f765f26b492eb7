"""Starting job processes in a helper process, so that the Agent's event loop does not wait for them.

Starting a process blocks the starting thread, holding the GIL, until the child has called exec (about 0.5 ms
here, mostly the kernel's exec; vfork and posix_spawn alike), and the Agent starts one per order. The spawner
(`spawn_server.py`, one small process per Agent) does that waiting instead, on the other core: the Agent sends it
the argv, env, work directory and the three descriptors of the process, gets the pid back, and later the wait
status. The job's process is the spawner's child, leading a session of its own as before, so the Agent reaches
its group with killpg as it did.

If the spawner has ended (it does when its socket is closed, or when killed), the processes it was watching are
reported with exit code `LOST_EXIT_CODE`, and a new spawner is started for the next process. A request too big for
one message (an environment of over a MiB) is refused with RequestTooBig; the caller then starts the process
itself.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import msgspec

from stellwerk.runner.spawn_server import MAX_MESSAGE

logger = logging.getLogger(__name__)

# What a SIGKILLed process reports, which is the likely fate of a spawner's processes when it was killed itself.
LOST_EXIT_CODE = -signal.SIGKILL
_decode_answer = msgspec.json.Decoder(list[int | str]).decode
_encode_request = msgspec.json.Encoder().encode


class RequestTooBig(ValueError):
    """The request does not fit into one message to the spawner."""


class Spawner:
    """The Agent's end of its spawner process, started by `start` or else with the first process. Use it from
    the event loop's thread only."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._channel: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._outbox: collections.deque[tuple[bytes, list[int]]] = collections.deque()
        self._waiting_to_write = False
        self._next_id = 0
        self._requests: dict[int, _Request] = {}
        self._running: dict[int, asyncio.Future[int]] = {}
        self._devnull: int | None = None
        self._ending: set[asyncio.Future[int]] = set()  # spawner processes being waited for

    @property
    def pid(self) -> int | None:
        """The spawner process's pid, while it runs."""
        return self._process.pid if self._process is not None and self._channel is not None else None

    async def spawn(
        self, argv: list[str], env: dict[str, str], cwd: Path | None, fds: tuple[int, int, int]
    ) -> tuple[int, asyncio.Future[int]]:
        """Starts the process with `fds` (negative: /dev/null) as its stdin, stdout and stderr: its pid and its
        exit code to come (-n after signal n). Raises OSError as subprocess.Popen would, RequestTooBig if the
        request does not fit into a message. Cancelled while starting, the process is killed once it has."""
        request_id = self._next_id
        self._next_id += 1
        message = _encode_request([request_id, argv, env, None if cwd is None else str(cwd)])
        if len(message) > MAX_MESSAGE:
            raise RequestTooBig(f"The request has {len(message)} bytes, more than {MAX_MESSAGE}")
        self._connect()
        request = _Request(self._loop.create_future(), self._loop.create_future())
        self._requests[request_id] = request
        self._send(message, [self._null() if fd < 0 else fd for fd in fds])
        try:
            return await asyncio.shield(request.started), request.exited
        except asyncio.CancelledError:
            request.started.add_done_callback(_kill_when_started)
            raise

    async def close(self) -> None:
        """Ends the spawner (processes it started run on) and waits for it."""
        self._lost()
        if self._devnull is not None:
            os.close(self._devnull)
            self._devnull = None
        await asyncio.gather(*self._ending)

    def start(self) -> None:
        """Starts the spawner process now, so that the first job does not wait for Python to start."""
        self._connect()

    # The channel ---------------------------------------------------------------------------------------------

    def _connect(self) -> None:
        if self._channel is not None:
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "stellwerk.runner.spawn_server", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        ours.setblocking(False)
        self._loop.add_reader(ours.fileno(), self._receive)
        self._channel = ours

    def _null(self) -> int:
        if self._devnull is None:
            self._devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        return self._devnull

    def _send(self, message: bytes, fds: list[int]) -> None:
        """Sends now, or queues behind what waits for room in the socket; the caller keeps `fds` open until the
        request is answered."""
        self._outbox.append((message, fds))
        if len(self._outbox) == 1:
            self._flush()

    def _flush(self) -> None:
        assert self._channel is not None
        while self._outbox:
            message, fds = self._outbox[0]
            try:
                socket.send_fds(self._channel, [message], fds)
            except BlockingIOError:
                if not self._waiting_to_write:
                    self._loop.add_writer(self._channel.fileno(), self._flush)
                    self._waiting_to_write = True
                return
            except OSError:
                self._lost()
                return
            self._outbox.popleft()
        if self._waiting_to_write:
            self._loop.remove_writer(self._channel.fileno())
            self._waiting_to_write = False

    def _receive(self) -> None:
        assert self._channel is not None
        while True:
            try:
                message = self._channel.recv(MAX_MESSAGE)
            except BlockingIOError:
                return
            except OSError:
                message = b""
            if not message:
                self._lost()
                return
            self._answer(_decode_answer(message))

    def _answer(self, answer: list[int | str]) -> None:
        """`[pid, wait status]` when a process has ended, `[request id, pid, errno, strerror, filename]` when
        one was started (pid 0: it could not be)."""
        if len(answer) == 2:
            pid, status = answer
            assert isinstance(pid, int) and isinstance(status, int)
            exited = self._running.pop(pid, None)
            if exited is not None:
                exited.set_result(os.waitstatus_to_exitcode(status))
            return
        request_id, pid, errno, strerror, filename = answer
        assert isinstance(request_id, int) and isinstance(pid, int) and isinstance(errno, int)
        request = self._requests.pop(request_id)
        if not pid:
            request.started.set_exception(OSError(errno, strerror, filename))
            return
        self._running[pid] = request.exited
        request.started.set_result(pid)

    def _lost(self) -> None:
        """The spawner has ended, or is to end: what it started and watches is lost."""
        if self._channel is None:
            return
        if self._running or self._requests:
            logger.warning("The spawner ended; %d running processes are reported lost", len(self._running))
        for exited in self._running.values():
            exited.set_result(LOST_EXIT_CODE)
        for request in self._requests.values():
            request.started.set_exception(OSError("The spawner process ended"))
        self._running.clear()
        self._requests.clear()
        self._outbox.clear()
        if self._waiting_to_write:
            self._loop.remove_writer(self._channel.fileno())
            self._waiting_to_write = False
        self._loop.remove_reader(self._channel.fileno())
        self._channel.close()
        self._channel = None
        if self._process is not None and self._process.poll() is None:
            ending = asyncio.ensure_future(asyncio.to_thread(self._process.wait))
            self._ending.add(ending)
            ending.add_done_callback(self._ending.discard)


class _Request(NamedTuple):
    started: asyncio.Future[int]
    exited: asyncio.Future[int]


def _kill_when_started(started: asyncio.Future[int]) -> None:
    if not started.cancelled() and started.exception() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(started.result(), signal.SIGKILL)
