"""Latency of the Cockpit's order-history listings with many history rows.

Fills `history_orders` with N rows (1,000,000; `--quick`: 100,000) on SQLite and, when it answers on
127.0.0.1:5432, on PostgreSQL (a database created for the run and dropped after it), then times the queries
JOC's history view makes through `OrderHistoryRepository.search`: the first page, a filtered page (severity,
folder, date range) and a deep page (keyset cursor 90% down the list). Each is run 40 times.

    python bench/cockpit_db.py [--quick] [--rows N]

Target (issue #4): p95 <= 100 ms. The last line is `name=value` figures for scripts (the worst query's p95).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import socket
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.cockpit.db.migrate import migrate
from stellwerk.cockpit.db.repositories.folders import FolderFilter
from stellwerk.cockpit.db.repositories.history_query import HistoryCursor, HistoryFilter
from stellwerk.cockpit.db.repositories.order_history import OrderHistoryRepository
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.db.tables import HistoryOrder

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DAY_MS = 86_400_000
START = 1_790_000_000_000
DAYS = 60
BATCH = 20_000
RUNS = 40
PAGE = 100


def history_rows(count: int, offset: int, total: int) -> list[dict[str, Any]]:
    """Rows `offset` to `offset + count` of `total`, spread evenly over the days, in start-time order."""
    randomly = random.Random(offset)
    rows = []
    for n in range(offset, offset + count):
        start = START + n * (DAYS * DAY_MS) // total
        folder = f"/team{n % 20}"
        roll = randomly.random()
        severity, state = (
            (HistoryState.SUCCESSFUL, OrderStateText.FINISHED)
            if roll < 0.9
            else (HistoryState.FAILED, OrderStateText.FAILED)
            if roll < 0.97
            else (HistoryState.INCOMPLETE, OrderStateText.RUNNING)
        )
        rows.append(
            {
                "controller_id": "controller" if n % 10 else "other",
                "order_id": f"#2026-01-01#T{n:011d}-bench",
                "workflow_path": f"{folder}/workflow{n % 200}",
                "workflow_name": f"workflow{n % 200}",
                "workflow_folder": folder,
                "workflow_version_id": "v1",
                "parent_id": None,
                "state": state,
                "severity": severity,
                "start_time": start,
                "end_time": None
                if severity == HistoryState.INCOMPLETE
                else start + randomly.randrange(60_000),
                "planned_time": None,
                "plan_date": None,
                "position": "3",
                "arguments": None,
                "error_text": "failed" if severity == HistoryState.FAILED else None,
                "start_event_id": n,
                "modified": start,
            }
        )
    return rows


async def fill(database: Database, count: int) -> float:
    began = time.perf_counter()
    for offset in range(0, count, BATCH):
        async with database.session() as session:
            await session.execute(
                insert(HistoryOrder), history_rows(min(BATCH, count - offset), offset, count)
            )
    async with database.engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    return time.perf_counter() - began


async def deep_cursor(database: Database, count: int) -> HistoryCursor:
    """Where the page 90% down the controller's list starts (found once, by offset; the page itself is keyset)."""
    async with database.session() as session:
        row = (
            await session.execute(
                select(HistoryOrder.start_time, HistoryOrder.id)
                .where(HistoryOrder.controller_id == "controller")
                .order_by(HistoryOrder.start_time.desc(), HistoryOrder.id.desc())
                .offset(int(count * 0.9 * 0.9))
                .limit(1)
            )
        ).one()
    return HistoryCursor(start_time=row[0], id=row[1])


async def timed(database: Database, wanted: HistoryFilter) -> list[float]:
    samples = []
    for _ in range(RUNS):
        began = time.perf_counter()
        async with database.session() as session:
            page = await OrderHistoryRepository(session).search(wanted)
        samples.append((time.perf_counter() - began) * 1000)
        assert page.items, "a listing found nothing: the benchmark's data do not match its queries"
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


async def measure(label: str, url: str, count: int) -> float:
    await migrate(url)
    database = Database.connect(url)
    try:
        seconds = await fill(database, count)
        print(f"{label}: inserted {count:,} rows in {seconds:.1f} s ({count / seconds:,.0f} rows/s)")
        last_week = START + (DAYS - 7) * DAY_MS
        queries = {
            "first page": HistoryFilter(controller_id="controller", limit=PAGE),
            "filtered page": HistoryFilter(
                controller_id="controller",
                severities=(HistoryState.FAILED,),
                folders=(FolderFilter(folder="/team3"),),
                date_from=last_week,
                limit=PAGE,
            ),
            "deep page": HistoryFilter(
                controller_id="controller", limit=PAGE, after=await deep_cursor(database, count)
            ),
        }
        worst = 0.0
        for name, wanted in queries.items():
            samples = await timed(database, wanted)
            print(
                f"{label}: {name:14} median {statistics.median(samples):6.1f} ms  p95 {p95(samples):6.1f} ms"
            )
            worst = max(worst, p95(samples))
        return worst
    finally:
        await database.close()


async def with_postgres(action: Callable[[str], Awaitable[float]]) -> float | None:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        print("PostgreSQL not reachable on 127.0.0.1:5432: skipped")
        return None
    name = f"stellwerk_bench_{secrets.token_hex(4)}"
    admin = create_async_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f"CREATE DATABASE {name}"))
        try:
            return await action(POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}")
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        await admin.dispose()


async def main_async(count: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        sqlite = await measure("sqlite", f"sqlite+aiosqlite:///{Path(directory) / 'cockpit.db'}", count)
    postgres = await with_postgres(lambda url: measure("postgres", url, count))
    postgres_figure = "n/a" if postgres is None else f"{postgres:.1f}"
    print(f"rows={count} sqlite_p95_ms={sqlite:.1f} postgres_p95_ms={postgres_figure}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100,000 rows instead of 1,000,000")
    parser.add_argument("--rows", type=int, help="this many rows")
    arguments = parser.parse_args()
    count = arguments.rows or (100_000 if arguments.quick else 1_000_000)
    asyncio.run(main_async(count))


if __name__ == "__main__":
    main()
