"""The pidfd child watcher: exit statuses arrive, in every loop of the process, without a thread per child."""

from __future__ import annotations

import asyncio
import sys
import threading

import pytest

from stellwerk.runner import child_watcher

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12) or not child_watcher.pidfd_usable(), reason="3.11 with pidfds only"
)


async def exit_codes_and_threads() -> tuple[list[int], int]:
    processes = [
        await asyncio.create_subprocess_exec("/bin/sh", "-c", script)
        for script in ("exit 0", "exit 3", "kill -TERM $$")
    ]
    threads = threading.active_count()
    return [await process.wait() for process in processes], threads


def test_exit_codes_arrive_in_two_loops_one_after_the_other() -> None:
    child_watcher.install()
    threads_before = threading.active_count()
    for _ in range(2):
        codes, threads_while_running = asyncio.run(exit_codes_and_threads())
        assert codes == [0, 3, -15]
        assert threads_while_running == threads_before


def test_install_is_idempotent() -> None:
    child_watcher.install()
    watcher = asyncio.get_child_watcher()
    child_watcher.install()
    assert asyncio.get_child_watcher() is watcher
    assert isinstance(watcher, child_watcher.RunningLoopPidfdWatcher)
