"""Watching the directories of the Agent's FileWatches: list them, let `file_orders` decide, report the events.

The directories are listed every `file_watch_poll_interval` seconds, and at once when watchfiles reports a change
(inotify where the platform has it; `file_watch_force_polling` makes watchfiles poll instead, for file systems
without notifications). The listing decides, not the notifications: a file becomes stable by time passing, and a
notification missed or coalesced changes nothing but the latency. A FileWatch removed (or moved to another Agent)
makes its live file orders vanish. A directory that cannot be listed is logged once and retried; its files do not count as vanished.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import watchfiles

from stellwerk.agent.config import AgentConfig
from stellwerk.agent.file_orders import (
    FileStat,
    StabilityTracker,
    file_order_events,
    vanish_all,
    watched_directory,
    watches_of,
)
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model.items import FileWatch
from stellwerk.model.problems import Problem

logger = logging.getLogger(__name__)

Report = Callable[[list[e.KeyedEvent]], None]


class FileWatcher:
    """Runs until cancelled; `report` receives the events of each scan (the service validates and persists)."""

    def __init__(self, config: AgentConfig, state: Callable[[], EngineState], report: Report) -> None:
        self._config = config
        self._state = state
        self._report = report
        # Read at each scan, as JS7's env() reads the Agent's environment when it evaluates.
        self._env = os.environ
        self._tracker = StabilityTracker()
        self._changed = asyncio.Event()
        self._watching: frozenset[str] = frozenset()
        self._notifier: asyncio.Task[None] | None = None
        self._active: set[str] = set()
        self._logged: set[str] = set()

    async def run(self) -> None:
        try:
            while True:
                self.scan()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), self._config.file_watch_poll_interval)
                self._changed.clear()
        finally:
            await self._stop_notifier()

    def scan(self) -> None:
        state = self._state()
        now_ms = int(time.time() * 1000)
        watches = watches_of(state, self._config.name)
        events: list[e.KeyedEvent] = []
        directories: set[str] = set()
        for gone in self._active - {watch.path for watch in watches}:
            self._tracker.forget(gone)
            events.extend(vanish_all(state, gone))
        self._active = {watch.path for watch in watches}
        for watch in watches:
            directory = watched_directory(watch, self._env, now_ms)
            if isinstance(directory, Problem):
                self._log_once(directory.message)
                continue
            absolute = str(Path(directory).absolute())
            directories.add(absolute)
            events.extend(self._scan_one(state, watch, absolute, now_ms))
        self._renew_notifier(frozenset(directories))
        if events:
            self._report(events)

    def _scan_one(
        self, state: EngineState, watch: FileWatch, directory: str, now_ms: int
    ) -> list[e.KeyedEvent]:
        listing = _listing(directory)
        if listing is None:
            # Not "every file vanished": the directory may be back soon, with its files.
            self._log_once(f"FileWatch:{watch.path}: cannot list directory {directory}")
            return []
        delay = watch.delay * self._config.file_watch_delay_unit
        stable = self._tracker.stable(watch.path, listing, time.monotonic(), delay)
        events, problems = file_order_events(state, watch, directory, listing, stable, self._env, now_ms)
        for problem in problems:
            self._log_once(problem.message)
        return events

    def _log_once(self, message: str) -> None:
        if message not in self._logged:
            self._logged.add(message)
            logger.warning("%s", message)

    def _renew_notifier(self, directories: frozenset[str]) -> None:
        if directories == self._watching:
            return
        self._watching = directories
        if self._notifier is not None:
            self._notifier.cancel()
        existing = [d for d in directories if os.path.isdir(d)]
        self._notifier = asyncio.create_task(self._notify(existing)) if existing else None

    async def _notify(self, directories: list[str]) -> None:
        try:
            async for _ in watchfiles.awatch(
                *directories,
                debounce=50,
                step=10,
                recursive=False,
                force_polling=self._config.file_watch_force_polling or None,
                poll_delay_ms=max(10, int(self._config.file_watch_poll_interval * 1000)),
            ):
                self._changed.set()
        except (OSError, RuntimeError) as error:
            # Listing every poll interval still works; the notifications only make it faster.
            self._log_once(f"Watching {directories} for changes failed, polling only: {error!r}")

    async def _stop_notifier(self) -> None:
        if self._notifier is not None:
            self._notifier.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._notifier


def _listing(directory: str) -> dict[str, FileStat] | None:
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return None
    listing = {}
    for entry in entries:
        with contextlib.suppress(OSError):  # a file deleted between listing and stat
            if entry.is_file():
                stat = entry.stat()
                listing[entry.name] = FileStat(stat.st_size, stat.st_mtime_ns)
    return listing
