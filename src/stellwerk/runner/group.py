"""Ending a job's processes: its process group plus the descendants that left the group (setsid).

The job's main process leads its own session and group (`start_new_session=True`), so one `killpg` reaches the
script and everything it started in the background. A descendant that called `setsid` is in another group; it is
found with psutil, walking the main process's children, which only works while the main process is alive. So the
descendants are remembered whenever a signal is sent while it runs, and each later signal goes to them too.
A descendant whose parent had already exited before the first signal is beyond reach (as in JS7).
"""

from __future__ import annotations

import asyncio
import os
import signal

import psutil

POLL_SECONDS = 0.02
# How long to wait for SIGKILLed processes to vanish before giving up quietly.
SIGKILL_SETTLE_SECONDS = 2.0


class ProcessGroupTerminator:
    """SIGTERM to the group and its escaped descendants, SIGKILL after `sigkill_delay` (at once if ≤ 0)."""

    def __init__(self, pid: int, sigkill_delay: float) -> None:
        self._pid = pid
        self._sigkill_delay = sigkill_delay
        self._descendants: dict[int, psutil.Process] = {}
        self._sigkill_timer: asyncio.TimerHandle | None = None
        self.terminating = False
        self.sigkilled = False

    def terminate(self, immediately: bool = False) -> None:
        """SIGTERM now and SIGKILL after the delay; or SIGKILL now if `immediately` or the delay is ≤ 0."""
        if immediately or self._sigkill_delay <= 0:
            self.kill()
        elif not self.terminating:
            self.terminating = True
            self._send(signal.SIGTERM)
            loop = asyncio.get_running_loop()
            self._sigkill_timer = loop.call_later(self._sigkill_delay, self.kill)

    def kill(self) -> None:
        self.terminating = self.sigkilled = True
        if self._sigkill_timer is not None:
            self._sigkill_timer.cancel()
        self._send(signal.SIGKILL)

    async def settle(self) -> None:
        """After the main process exited: if it was being terminated, wait until every signalled process is
        gone or the SIGKILL is due, then SIGKILL whatever is left of the group and wait for it to vanish."""
        if not self.terminating:
            return
        # Processes that are not our children cannot be awaited, only polled.
        while not self.sigkilled and self._any_descendant_alive():  # noqa: ASYNC110
            await asyncio.sleep(POLL_SECONDS)
        self.kill()
        loop = asyncio.get_running_loop()
        give_up = loop.time() + SIGKILL_SETTLE_SECONDS
        while self._any_descendant_alive() and loop.time() < give_up:  # noqa: ASYNC110
            await asyncio.sleep(POLL_SECONDS)

    def _send(self, signal_number: signal.Signals) -> None:
        self._remember_descendants()
        try:
            os.killpg(self._pid, signal_number)
        except (ProcessLookupError, PermissionError):
            pass
        for process in self._descendants.values():
            if _escaped_from(process, self._pid):
                _send_signal(process, signal_number)

    def _remember_descendants(self) -> None:
        try:
            children = psutil.Process(self._pid).children(recursive=True)
        except psutil.Error:
            return
        for child in children:
            self._descendants.setdefault(child.pid, child)

    def _any_descendant_alive(self) -> bool:
        return any(_is_alive(process) for process in self._descendants.values())


def _escaped_from(process: psutil.Process, group: int) -> bool:
    """Whether the process is outside `group`, so killpg does not reach it."""
    try:
        return os.getpgid(process.pid) != group and process.is_running()
    except ProcessLookupError:
        return False


def _send_signal(process: psutil.Process, signal_number: signal.Signals) -> None:
    try:
        process.send_signal(signal_number)
    except psutil.Error:
        pass


def _is_alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
