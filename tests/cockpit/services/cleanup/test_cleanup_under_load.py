"""A large cleanup in a served Cockpit (10,000 orders, to keep the suite quick; STELLWERK_CLEANUP_ORDERS=50000 for
a larger run by hand): it deletes in many short transactions, and the API goes on answering
reads and writes meanwhile. The longest answers, before and during the cleanup, are printed, not asserted: they
depend on the machine's load."""

from __future__ import annotations

import asyncio
import os
import time

from sqlalchemy import func, insert, select

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.settings import SettingsRepository
from stellwerk.cockpit.db.tables import HistoryOrder
from stellwerk.cockpit.services.cleanup.service import CleanupReport, CleanupService
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit
from tests.cockpit.api.joc import Joc
from tests.cockpit.services.cleanup.rows import DAY, order_row

BATCH = 1000


async def fill(cockpit: Cockpit, orders: int) -> None:
    old = cockpit.now() - 100 * DAY
    async with cockpit.database.session() as db:
        await SettingsRepository(db).put("cleanup", "batch_size", BATCH, cockpit.now())
        await SettingsRepository(db).put("cleanup", "batch_pause", "0.01", cockpit.now())
    for first in range(0, orders, 10_000):
        rows = [order_row(f"#o{n}", old, old + 1) for n in range(first, first + 10_000)]
        async with cockpit.database.session() as db:
            await db.execute(insert(HistoryOrder), rows)


async def remaining(cockpit: Cockpit) -> int:
    async with cockpit.database.reading() as db:
        return int(await db.scalar(select(func.count()).select_from(HistoryOrder)) or 0)


def timed(call: object) -> float:
    started = time.perf_counter()
    assert callable(call)
    call()
    return time.perf_counter() - started


def longest(times: list[float]) -> str:
    return f"{len(times)} answers, longest {max(times) * 1000:.0f} ms"


def test_the_api_answers_while_a_large_cleanup_runs(
    cockpit: RunningCockpit, joc: Joc, database_url: str
) -> None:
    orders = int(os.environ.get("STELLWERK_CLEANUP_ORDERS", "10000"))  # 50,000 and more by hand
    cockpit.call(lambda c: fill(c, orders))
    read = lambda: joc.ok("/joc/api/orders/history", {"controllerId": "c", "limit": 10})  # noqa: E731
    write = lambda: Joc(cockpit.url).login("root", ADMIN_PASSWORD)  # noqa: E731 - stores a session
    idle = [(timed(read), timed(write)) for _ in range(3)]
    running = asyncio.run_coroutine_threadsafe(
        CleanupService(cockpit.cockpit.database, cockpit.cockpit.now).run_now(), cockpit.loop
    )
    reads: list[float] = []
    writes: list[float] = []
    while not running.done():
        reads.append(timed(read))
        writes.append(timed(write))
    report: CleanupReport = running.result(timeout=120)

    assert report.deleted == {"history_orders": orders, "history_tasks": 0, "history_log_chunks": 0}
    assert report.batches == orders // BATCH
    assert cockpit.call(remaining) == 0
    assert len(reads) >= 2, "the API answered while the cleanup ran"
    print(  # noqa: T201 - the figures are what this test reports
        f"\n{orders} orders deleted in {report.batches} batches (longest {report.longest_batch_ms:.0f} ms). Idle: reads {longest([r for r, _ in idle])}, "
        f"logins {longest([w for _, w in idle])}. During: reads {longest(reads)}, logins {longest(writes)}"
    )
