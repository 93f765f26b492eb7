"""The Cleanup service: started with the Cockpit, it waits for its run window (see `settings`) and purges what is
past its retention, batch by batch, each batch one short transaction followed by a short pause, so the API
keeps answering and other writers get their turn; at the window's end it stops and goes on in the next one.
`run_now` is the run on demand (as JOC's `/joc/cluster/run`), to the end regardless of the window."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import msgspec

from stellwerk.cockpit.db.repositories.settings import SettingsRepository
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.services.cleanup import purge
from stellwerk.cockpit.services.cleanup.settings import (
    SECTION,
    CleanupSettings,
    cleanup_settings,
    cutoff_ms,
    next_window,
    plan_date_cutoff,
)
from stellwerk.model.problems import Problem

logger = logging.getLogger(__name__)
IDLE_RECHECK_S = 3600.0  # at most this long between two readings of the settings while it waits
RETRY_S = 60.0


class CleanupReport(msgspec.Struct, frozen=True):
    """What a run deleted, by table; `batches` transactions, the longest taking `longest_batch_ms` (the time
    other writers may have waited); `complete` False when the window ended first."""

    deleted: dict[str, int]
    batches: int
    complete: bool
    longest_batch_ms: float = 0.0


def targets(settings: CleanupSettings, now: int) -> list[purge.Target]:
    """What a run at `now` purges, in order (orders before the logs of the orders that stay)."""
    chosen: list[purge.Target] = []
    if (orders := cutoff_ms(settings.order_history_age, now)) is not None:
        chosen.append(purge.order_history(orders))
    if (logs := cutoff_ms(settings.order_history_logs_age, now)) is not None:
        chosen.append(purge.order_logs(logs))
    if (first_kept := plan_date_cutoff(settings, now)) is not None:
        chosen += purge.daily_plan(first_kept)
    if (audit := cutoff_ms(settings.audit_log_age, now)) is not None:
        chosen.append(purge.audit_log(audit))
    if settings.deployment_history_versions > 0:
        chosen.append(purge.deployment_history(settings.deployment_history_versions))
    return chosen


class CleanupService:
    """The background task; `close` stops it (a batch under way is rolled back)."""

    def __init__(self, database: Database, clock: Callable[[], int]) -> None:
        self._database = database
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._running = asyncio.Lock()  # one run at a time: the daily one or one on demand

    def start(self) -> None:
        self._task = asyncio.create_task(self._run_daily(), name="cleanup")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def settings(self) -> CleanupSettings:
        async with self._database.reading() as db:
            stored = await SettingsRepository(db).section(SECTION)
        settings = cleanup_settings(stored)
        if isinstance(settings, Problem):
            logger.error("%s; the Cleanup service uses its defaults", settings.message)
            return CleanupSettings()
        return settings

    async def run_now(self) -> CleanupReport:
        """Purges everything past its retention now, to the end."""
        return await self._run(await self.settings(), deadline=None)

    async def _run_daily(self) -> None:
        while True:
            try:
                settings = await self.settings()
            except Exception:  # the database may be away for a while
                logger.exception("The Cleanup service cannot read its settings; it tries again")
                await asyncio.sleep(RETRY_S)
                continue
            window = next_window(settings, self._clock())
            if window is None:
                await asyncio.sleep(IDLE_RECHECK_S)
                continue
            begin, end = window
            if begin > self._clock():
                await asyncio.sleep(min((begin - self._clock()) / 1000, IDLE_RECHECK_S))
                continue  # the settings may have changed meanwhile
            try:
                report = await self._run(settings, deadline=end)
                logger.info(
                    "Cleanup: %s rows deleted in %d batches", sum(report.deleted.values()), report.batches
                )
            except Exception:
                logger.exception("The Cleanup run failed; the next one is in the next window")
            await asyncio.sleep(max(end - self._clock(), 1000) / 1000)

    async def _run(self, settings: CleanupSettings, deadline: int | None) -> CleanupReport:
        async with self._running:
            deleted: dict[str, int] = {}
            batches = 0
            longest = 0.0
            for target in targets(settings, self._clock()):
                while True:
                    if deadline is not None and self._clock() >= deadline:
                        return CleanupReport(deleted, batches, complete=False, longest_batch_ms=longest)
                    started = time.perf_counter()
                    async with self._database.session() as db:
                        ids = await target.select(db, settings.batch_size)
                        if not ids:
                            break
                        counts = await target.delete(db, ids)
                    longest = max(longest, (time.perf_counter() - started) * 1000)
                    batches += 1
                    for table, count in counts.items():
                        deleted[table] = deleted.get(table, 0) + count
                    if len(ids) < settings.batch_size:
                        break
                    await asyncio.sleep(settings.pause_seconds)
            return CleanupReport(deleted, batches, complete=True, longest_batch_ms=longest)
