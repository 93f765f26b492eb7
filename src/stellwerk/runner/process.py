"""Running one job process: start it in its own session, stream its output, time it out or kill it.

Decisions:
- The process leads a new session and process group, so a timeout or kill reaches all it started
  (see `group.py`). After a timeout or a kill no process of the job survives.
- After a normal exit, processes the job left running in the background are left alone, as JS7 does.
  Their copy of stdout/stderr would keep the pipes open, and JS7 would then wait for the pipes without
  limit. We read on only while output still arrives: once the main process has exited and nothing was read for
  `output_grace` seconds, reading stops and our pipe ends are closed (a background process that writes to them
  later gets EPIPE or SIGPIPE, so background processes should redirect their output).
- The pipes are made here rather than with `PIPE`, so that this module owns their read ends and can close
  them while a background process still holds the write end.
- A signal death n gives return code 128+n, like a shell.
- The process is started by the Agent's spawner process when one is given (`spawner.py`: the event loop does not
  wait for the exec), else here with `subprocess.Popen` (vfork and exec). The event loop itself watches it: its
  exit through the spawner or its pidfd, `add_reader` for the pipes, `add_writer` for stdin. asyncio's subprocess
  transport with a reader task per pipe cost half again as much CPU per process, and the Agent starts one per
  order.
- Cancelling `run_process` SIGKILLs the process group and then re-raises the cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import msgspec

from stellwerk.runner.group import ProcessGroupTerminator
from stellwerk.runner.output import OutputCallback, OutputPump
from stellwerk.runner.spawner import RequestTooBig, Spawner

DEFAULT_SIGKILL_DELAY = 15.0
DEFAULT_OUTPUT_GRACE = 1.0


class ProcessLaunch(msgspec.Struct, frozen=True, kw_only=True):
    """What to start. `env` is the complete environment of the process; times are in seconds."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path | None = None
    timeout: float | None = None
    sigkill_delay: float = DEFAULT_SIGKILL_DELAY
    stdin: bytes | None = None
    output_grace: float = DEFAULT_OUTPUT_GRACE


class ProcessResult(msgspec.Struct, frozen=True, kw_only=True):
    """How the process ended. `return_code` is 128+n after death by signal n."""

    pid: int
    return_code: int
    signal: int | None = None
    timed_out: bool = False
    killed: bool = False
    stderr_written: bool = False
    last_stderr_line: str | None = None
    output_complete: bool = True


class ProcessKiller:
    """The caller's handle to kill a running process: `kill()` sends SIGTERM, `kill(immediately=True)`
    SIGKILL; SIGKILL follows after the launch's sigkill_delay. A kill before the process started takes effect
    as soon as it starts. Call it from the event loop's thread."""

    def __init__(self) -> None:
        self._requested: bool | None = None
        self._target: Callable[[bool], None] | None = None

    @property
    def requested(self) -> bool:
        return self._requested is not None

    def kill(self, immediately: bool = False) -> None:
        self._requested = immediately or bool(self._requested)
        if self._target is not None:
            self._target(immediately)

    def attach(self, target: Callable[[bool], None]) -> None:
        """Used by `run_process`: route kills to `target` while the process runs."""
        self._target = target
        if self._requested is not None:
            target(self._requested)

    def detach(self) -> None:
        self._target = None


class _Supervision:
    """The state of one running process, shared by the waiting code and the killer's callback."""

    def __init__(self, pid: int, exited: asyncio.Future[int], launch: ProcessLaunch) -> None:
        self.pid = pid
        self.exited = exited
        self.terminator = ProcessGroupTerminator(pid, launch.sigkill_delay)
        self.killed = False
        self.timed_out = False

    def kill(self, immediately: bool) -> None:
        running = not self.exited.done()
        self.killed = self.killed or running
        if running or self.terminator.terminating:
            self.terminator.terminate(immediately)

    def time_out(self) -> None:
        if not self.exited.done():
            self.timed_out = True
            self.terminator.terminate()


async def run_process(
    launch: ProcessLaunch,
    on_output: OutputCallback,
    kill: ProcessKiller | None = None,
    spawner: Spawner | None = None,
) -> ProcessResult:
    """Runs the process to its end and returns how it ended; started by `spawner` if given (and the request
    fits), else here. Raises OSError if it cannot be started."""
    pump = OutputPump(on_output)
    pid, exited, stdin = await _start(launch, pump, spawner)
    supervision = _Supervision(pid, exited, launch)
    loop = asyncio.get_running_loop()
    timer = None if launch.timeout is None else loop.call_later(launch.timeout, supervision.time_out)
    if kill is not None:
        kill.attach(supervision.kill)
    try:
        await asyncio.shield(supervision.exited)
        await supervision.terminator.settle()
    except asyncio.CancelledError:
        await _clean_up_after_cancel(supervision, pump)
        raise
    finally:
        if kill is not None:
            kill.detach()
        if timer is not None:
            timer.cancel()
        if stdin is not None:
            stdin.close()
    output_complete = await pump.finish(launch.output_grace)
    return _result(supervision, pump, output_complete)


async def _start(
    launch: ProcessLaunch, pump: OutputPump, spawner: Spawner | None
) -> tuple[int, asyncio.Future[int], _StdinFeeder | None]:
    """Spawns the process and connects its pipes: its pid, its exit code to come and its stdin's feeder."""
    stdout_read, stdout_write = os.pipe()
    stderr_read, stderr_write = os.pipe()
    stdin_read, stdin_write = os.pipe() if launch.stdin is not None else (subprocess.DEVNULL, None)
    try:
        pid, exited = await _spawn(launch, (stdin_read, stdout_write, stderr_write), spawner)
    except BaseException:
        for fd in (stdout_read, stderr_read, stdin_write):
            if fd is not None:
                os.close(fd)
        raise
    finally:
        for fd in (stdout_write, stderr_write, stdin_read):
            if fd >= 0:
                os.close(fd)
    pump.start(stdout_read, stderr_read)
    if stdin_write is None or launch.stdin is None:
        return pid, exited, None
    return pid, exited, _StdinFeeder(stdin_write, launch.stdin)


async def _spawn(
    launch: ProcessLaunch, fds: tuple[int, int, int], spawner: Spawner | None
) -> tuple[int, asyncio.Future[int]]:
    if spawner is not None:
        with contextlib.suppress(RequestTooBig):
            return await spawner.spawn(launch.argv, launch.env, launch.cwd, fds)
    stdin, stdout, stderr = fds
    process = subprocess.Popen(  # noqa: ASYNC220 (vfork and exec: blocking either way, see the module's text)
        launch.argv,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        env=launch.env,
        cwd=launch.cwd,
        start_new_session=True,
    )
    return process.pid, _exit_code(asyncio.get_running_loop(), process)


def _exit_code(loop: asyncio.AbstractEventLoop, process: subprocess.Popen[bytes]) -> asyncio.Future[int]:
    """The process's return code (-n after signal n), when it has ended: its pidfd becomes readable then."""
    try:
        pidfd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # before Linux 5.3: a thread waits
        return asyncio.ensure_future(asyncio.to_thread(process.wait))
    exited: asyncio.Future[int] = loop.create_future()

    def reap() -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        exited.set_result(process.wait())

    loop.add_reader(pidfd, reap)
    return exited


class _StdinFeeder:
    """Writes the launch's stdin into the pipe as far as the process reads it, then closes the pipe."""

    def __init__(self, fd: int, data: bytes) -> None:
        self._loop = asyncio.get_running_loop()
        self._fd: int | None = fd
        self._rest = memoryview(data)
        self._waiting = False
        os.set_blocking(fd, False)
        self._write()

    def _write(self) -> None:
        assert self._fd is not None
        try:
            while self._rest:
                self._rest = self._rest[os.write(self._fd, self._rest) :]
        except BlockingIOError:
            if not self._waiting:
                self._waiting = True
                self._loop.add_writer(self._fd, self._write)
            return
        except OSError:
            pass  # the process exited without reading all of it
        self.close()

    def close(self) -> None:
        if self._fd is None:
            return
        if self._waiting:
            self._loop.remove_writer(self._fd)
        os.close(self._fd)
        self._fd = None


async def _clean_up_after_cancel(supervision: _Supervision, pump: OutputPump) -> None:
    supervision.terminator.kill()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.shield(supervision.exited)
        await supervision.terminator.settle()
        await pump.finish(0)


def _result(supervision: _Supervision, pump: OutputPump, output_complete: bool) -> ProcessResult:
    code = supervision.exited.result()
    signal_number = -code if code < 0 else None
    return ProcessResult(
        pid=supervision.pid,
        return_code=128 + signal_number if signal_number is not None else code,
        signal=signal_number,
        timed_out=supervision.timed_out,
        killed=supervision.killed,
        stderr_written=pump.stderr.written,
        last_stderr_line=pump.stderr.last_line,
        output_complete=output_complete,
    )
