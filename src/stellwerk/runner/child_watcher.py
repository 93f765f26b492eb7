"""Waiting for job processes in the event loop instead of in a thread per process.

Python 3.11's asyncio waits for every child process in a thread of its own (`ThreadedChildWatcher`): starting
that thread costs about as much as the fork itself. On Linux with pidfds (5.3+) the loop can instead watch a
process file descriptor, which becomes readable when the process ends. Python 3.12 chooses that by itself;
on 3.11 `install()` sets a pidfd watcher that, unlike 3.11's `PidfdChildWatcher`, is bound to no loop but
uses the running one, so it serves every loop of the process (each test has its own).

Processes started before `install()` are still waited for by their threads; nothing else changes.
"""

from __future__ import annotations

import asyncio
import os
import sys
import warnings
from collections.abc import Callable
from typing import TypeVarTuple, Unpack

Args = TypeVarTuple("Args")


class RunningLoopPidfdWatcher(asyncio.AbstractChildWatcher):
    """Waits for a child through its pidfd, in the loop that is running when the child is added."""

    def __init__(self) -> None:
        self._pidfds: dict[int, tuple[asyncio.AbstractEventLoop, int]] = {}

    def add_child_handler(
        self, pid: int, callback: Callable[[int, int, Unpack[Args]], object], *args: *Args
    ) -> None:
        loop = asyncio.get_running_loop()
        self.remove_child_handler(pid)
        pidfd = os.pidfd_open(pid)
        self._pidfds[pid] = (loop, pidfd)
        loop.add_reader(pidfd, self._reap, pid, callback, args)

    def remove_child_handler(self, pid: int) -> bool:
        watched = self._pidfds.pop(pid, None)
        if watched is None:
            return False
        loop, pidfd = watched
        if not loop.is_closed():
            loop.remove_reader(pidfd)
        os.close(pidfd)
        return True

    def _reap(
        self, pid: int, callback: Callable[[int, int, Unpack[Args]], object], args: tuple[*Args]
    ) -> None:
        self.remove_child_handler(pid)
        try:
            _, status = os.waitpid(pid, 0)
            return_code = os.waitstatus_to_exitcode(status)
        except ChildProcessError:
            return_code = 255  # reaped elsewhere; asyncio's own watchers report it the same way
        callback(pid, return_code, *args)

    def attach_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        pass  # the running loop is used

    def is_active(self) -> bool:
        return True

    def close(self) -> None:
        for pid in list(self._pidfds):
            self.remove_child_handler(pid)

    def __enter__(self) -> RunningLoopPidfdWatcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass


def pidfd_usable() -> bool:
    """Whether this kernel and Python have pidfd_open (it fails with ENOSYS before Linux 5.3)."""
    if not hasattr(os, "pidfd_open"):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return False
    return True


_installed = False


def install() -> None:
    """On Python 3.11 with pidfds: wait for child processes with `RunningLoopPidfdWatcher` from now on.
    Idempotent; does nothing elsewhere (3.12+ uses pidfds already)."""
    global _installed  # the child watcher is process-wide state of asyncio
    if _installed or sys.version_info >= (3, 12) or not pidfd_usable():
        return
    if type(asyncio.get_event_loop_policy()) is not asyncio.DefaultEventLoopPolicy:
        return  # another loop (uvloop) waits for its children in its own way
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        asyncio.set_child_watcher(RunningLoopPidfdWatcher())
    _installed = True
