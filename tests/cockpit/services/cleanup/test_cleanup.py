"""The Cleanup service on every backend: rows past their retention go (with their child rows), newer ones and
running orders stay, in batches of the configured size; the deployment history keeps the last versions."""

from __future__ import annotations

import asyncio
import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.repositories.settings import SettingsRepository
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.db.tables import (
    AuditLog,
    AuditLogObject,
    DailyPlanOrder,
    DailyPlanSubmission,
    DepHistory,
    HistoryLogChunk,
    HistoryOrder,
    HistoryTask,
)
from stellwerk.cockpit.services.cleanup.service import CleanupService
from tests.cockpit.services.cleanup.rows import (
    DAY,
    NOW,
    add_audit,
    add_deployment,
    add_log,
    add_order,
    add_plan_order,
    add_submission,
    add_task,
)

SETTINGS = {
    "batch_size": 2,
    "batch_pause": "0",
    "order_history_age": "90d",
    "order_history_logs_age": "30d",
    "daily_plan_history_age": "30d",
    "audit_log_age": "90d",
    "deployment_history_versions": 3,
}


async def configure(database: Database, **settings: object) -> None:
    async with database.session() as db:
        for name, value in settings.items():
            await SettingsRepository(db).put("cleanup", name, value, NOW)


async def order_tree(db: AsyncSession, name: str, end: int | None) -> dict[str, int]:
    """An order with a task and logs, a fork child with a task and a log, and a grandchild."""
    start = (end or NOW) - DAY
    root = await add_order(db, name, start, end)
    child = await add_order(db, f"{name}|b", start, end, parent=root)
    grandchild = await add_order(db, f"{name}|b|c", start, end, parent=child)
    task = await add_task(db, root, start)
    child_task = await add_task(db, child, start)
    await add_log(db, root, None, start)
    await add_log(db, root, task, start)
    await add_log(db, child, child_task, start)
    return {"root": root, "child": child, "grandchild": grandchild}


async def column(db: AsyncSession, selected: object) -> set[object]:
    return set((await db.scalars(select(selected))).all())  # type: ignore[call-overload]


async def count(db: AsyncSession, table: type) -> int:
    return int(await db.scalar(select(func.count()).select_from(table)) or 0)


async def test_rows_past_their_retention_go_with_their_children_and_the_others_stay(
    database: Database,
) -> None:
    await configure(database, **SETTINGS)
    async with database.session() as db:
        old = [await order_tree(db, f"old{n}", NOW - 100 * DAY) for n in range(3)]
        new = await order_tree(db, "new", NOW - 10 * DAY)
        logs_expired = await order_tree(db, "logs", NOW - 60 * DAY)
        running = await order_tree(db, "running", None)
        for days in (40, 31):
            await add_plan_order(db, f"#p{days}", datetime.date(2026, 11, 19) - datetime.timedelta(days=days))
            await add_submission(db, datetime.date(2026, 11, 19) - datetime.timedelta(days=days))
        await add_plan_order(db, "#p5", datetime.date(2026, 11, 14))
        await add_submission(db, datetime.date(2026, 11, 14))
        await add_audit(db, NOW - 100 * DAY)
        await add_audit(db, NOW - DAY)
        for version in range(5):
            await add_deployment(db, "a", f"a{version}")
        for version in range(2):
            await add_deployment(db, "b", f"b{version}")
        await add_deployment(db, "a", "other", controller="d")

    report = await CleanupService(database, lambda: NOW).run_now()

    kept_orders = {*new.values(), *logs_expired.values(), *running.values()}
    async with database.reading() as db:
        assert await column(db, HistoryOrder.id) == kept_orders
        assert await column(db, HistoryTask.history_order_id) == {
            tree[kind] for tree in (new, logs_expired, running) for kind in ("root", "child")
        }
        assert await column(db, HistoryLogChunk.history_order_id) == {
            tree[kind] for tree in (new, running) for kind in ("root", "child")
        }
        assert await column(db, DailyPlanOrder.order_id) == {"#p5"}
        assert await column(db, DailyPlanSubmission.plan_date) == {datetime.date(2026, 11, 14)}
        assert await column(db, AuditLog.created) == {NOW - DAY}
        assert await count(db, AuditLogObject) == 1
        assert await column(db, DepHistory.commit_id) == {"a2", "a3", "a4", "b0", "b1", "other"}
    assert report.complete
    assert report.deleted == {
        "history_orders": 9, "history_tasks": 6, "history_log_chunks": 9 + 3, "dpl_orders": 2,
        "dpl_submissions": 2, "audit_log": 1, "audit_log_objects": 1, "dep_history": 2,
    }  # fmt: skip
    # Batches of 2: old orders 2 + 1, logs of one order 2, plan orders 1 + 0 (full batch, then none)… at least 7.
    assert report.batches >= 7
    assert old  # the trees were made


async def test_ages_of_zero_keep_everything(database: Database) -> None:
    await configure(
        database,
        order_history_age="0",
        order_history_logs_age="0",
        daily_plan_history_age="0",
        audit_log_age="0",
        deployment_history_versions=0,
    )
    async with database.session() as db:
        await order_tree(db, "old", NOW - 1000 * DAY)
        await add_audit(db, NOW - 1000 * DAY)
        await add_plan_order(db, "#p", datetime.date(2020, 1, 1))
        for version in range(3):
            await add_deployment(db, "a", f"a{version}")

    report = await CleanupService(database, lambda: NOW).run_now()

    assert (report.deleted, report.batches) == ({}, 0)
    async with database.reading() as db:
        assert await count(db, HistoryOrder) == 3
        assert await count(db, HistoryLogChunk) == 3
        assert await count(db, AuditLog) == 1
        assert await count(db, DailyPlanOrder) == 1
        assert await count(db, DepHistory) == 3


async def test_a_run_stops_at_the_end_of_its_window_and_the_next_one_goes_on(database: Database) -> None:
    never = dict.fromkeys(("order_history_age", "order_history_logs_age", "daily_plan_history_age"), "0")
    await configure(
        database, batch_size=1, batch_pause="0", deployment_history_versions=1, audit_log_age="0", **never
    )
    async with database.session() as db:
        for version in range(4):
            await add_deployment(db, "a", f"a{version}")
    now = [NOW]

    def clock() -> int:
        now[0] += 1  # every look at the clock is a millisecond later: once per run, once per batch
        return now[0]

    service = CleanupService(database, clock)
    stopped = await service._run(await service.settings(), deadline=NOW + 3)
    assert (stopped.complete, stopped.batches) == (False, 1)
    finished = await service.run_now()
    assert finished.complete
    assert stopped.deleted["dep_history"] + finished.deleted["dep_history"] == 3
    async with database.reading() as db:
        assert await column(db, DepHistory.commit_id) == {"a3"}


async def test_started_inside_its_window_the_service_runs_by_itself(database: Database) -> None:
    await configure(database, period_begin="00:00", period_end="24:00", batch_pause="0")  # all day, every day
    async with database.session() as db:
        await add_audit(db, NOW - 100 * DAY)
        await add_audit(db, NOW)
    service = CleanupService(database, lambda: NOW)
    service.start()
    try:
        async with asyncio.timeout(10):
            while True:  # polls the database the service works on
                async with database.reading() as db:
                    if await column(db, AuditLog.created) == {NOW}:
                        break
                await asyncio.sleep(0.02)
    finally:
        await service.close()
