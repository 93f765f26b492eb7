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

from stellwerk.runner import child_watcher
from stellwerk.runner.group import ProcessGroupTerminator
from stellwerk.runner.output import OutputCallback, OutputPump

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

    def __init__(self, process: asyncio.subprocess.Process, launch: ProcessLaunch) -> None:
        self.process = process
        self.terminator = ProcessGroupTerminator(process.pid, launch.sigkill_delay)
        self.killed = False
        self.timed_out = False

    def kill(self, immediately: bool) -> None:
        running = self.process.returncode is None
        self.killed = self.killed or running
        if running or self.terminator.terminating:
            self.terminator.terminate(immediately)

    def time_out(self) -> None:
        if self.process.returncode is None:
            self.timed_out = True
            self.terminator.terminate()


async def run_process(
    launch: ProcessLaunch, on_output: OutputCallback, kill: ProcessKiller | None = None
) -> ProcessResult:
    """Runs the process to its end and returns how it ended. Raises OSError if it cannot be started."""
    pump = OutputPump(on_output)
    process = await _start(launch, pump)
    supervision = _Supervision(process, launch)
    stdin_writer = asyncio.create_task(_write_stdin(process, launch.stdin))
    if kill is not None:
        kill.attach(supervision.kill)
    try:
        await _wait_for_exit(supervision, launch.timeout)
        await supervision.terminator.settle()
    except asyncio.CancelledError:
        await _clean_up_after_cancel(supervision, pump)
        raise
    finally:
        if kill is not None:
            kill.detach()
        stdin_writer.cancel()
    output_complete = await pump.finish(launch.output_grace)
    return _result(supervision, pump, output_complete)


async def _start(launch: ProcessLaunch, pump: OutputPump) -> asyncio.subprocess.Process:
    child_watcher.install()
    stdout_read, stdout_write = os.pipe()
    stderr_read, stderr_write = os.pipe()
    try:
        process = await asyncio.create_subprocess_exec(
            *launch.argv,
            stdin=subprocess.DEVNULL if launch.stdin is None else subprocess.PIPE,
            stdout=stdout_write,
            stderr=stderr_write,
            env=launch.env,
            cwd=launch.cwd,
            start_new_session=True,
        )
    except BaseException:
        os.close(stdout_read)
        os.close(stderr_read)
        raise
    finally:
        os.close(stdout_write)
        os.close(stderr_write)
    await pump.start(stdout_read, stderr_read)
    return process


async def _write_stdin(process: asyncio.subprocess.Process, data: bytes | None) -> None:
    if process.stdin is None or data is None:
        return
    try:
        process.stdin.write(data)
        await process.stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the process exited without reading all of it
    finally:
        process.stdin.close()


async def _wait_for_exit(supervision: _Supervision, time_limit: float | None) -> None:
    exited = asyncio.create_task(supervision.process.wait())
    try:
        done, _ = await asyncio.wait({exited}, timeout=time_limit)
        if not done:
            supervision.time_out()
            await exited
    finally:
        exited.cancel()


async def _clean_up_after_cancel(supervision: _Supervision, pump: OutputPump) -> None:
    supervision.terminator.kill()
    with contextlib.suppress(asyncio.CancelledError):
        await supervision.process.wait()
        await supervision.terminator.settle()
        await pump.finish(0)


def _result(supervision: _Supervision, pump: OutputPump, output_complete: bool) -> ProcessResult:
    code = supervision.process.returncode
    assert code is not None
    signal_number = -code if code < 0 else None
    return ProcessResult(
        pid=supervision.process.pid,
        return_code=128 + signal_number if signal_number is not None else code,
        signal=signal_number,
        timed_out=supervision.timed_out,
        killed=supervision.killed,
        stderr_written=pump.stderr.written,
        last_stderr_line=pump.stderr.last_line,
        output_complete=output_complete,
    )
