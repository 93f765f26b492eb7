"""How fast the Monitor judges the job steps of History batches (issue #5).

Writes N ended tasks of N orders (every K-th failed) into a fresh SQLite database (or `--database-url`) as the
History does, then hands the Monitor one batch of the N `OrderProcessed` events and times its judging: the task
lookups, the job rules, the notifications of the failed steps stored. Steps/s beside the History's own rate
tells whether the Monitor keeps up (it works through a queue, behind the History, never blocking it).

    python bench/monitor.py [--steps N] [--failed-every K] [--database-url URL]

The last line is `name=value` figures.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from stellwerk.cockpit.config import CockpitConfig
from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import HistoryState
from stellwerk.cockpit.db.migrate import migrate
from stellwerk.cockpit.db.repositories.order_history import OrderHistoryRepository, OrderStarted
from stellwerk.cockpit.db.repositories.task_history import TaskEnded, TaskHistoryRepository, TaskStarted
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.services.monitor.classify import Watch, observe
from stellwerk.cockpit.services.monitor.service import MonitorService
from stellwerk.cockpit.services.monitor.settings import MonitorSettings
from stellwerk.cockpit.services.proxy import Proxies

T0 = 1_767_225_600_000


async def _history(database: Database, steps: int, failed_every: int) -> list[dict[str, object]]:
    """The tasks as History writes them, and the OrderProcessed events that ended them."""
    events: list[dict[str, object]] = []
    async with database.session() as db:
        orders, tasks = OrderHistoryRepository(db), TaskHistoryRepository(db)
        for i in range(steps):
            start = T0 + i
            order_id = f"o{i}"
            started = OrderStarted(
                controller_id="c", order_id=order_id, workflow_path="/w", workflow_version_id="v",
                start_time=start, start_event_id=start * 1000, position="0",
            )  # fmt: skip
            history_id = await orders.add(started, T0)
            task = TaskStarted(
                controller_id="c", history_order_id=history_id, order_id=order_id, workflow_path="/w",
                workflow_version_id="v", job_name="j", position="0", agent_id="a", agent_url="https://a",
                start_time=start, start_event_id=start * 1000 + 1,
            )  # fmt: skip
            task_id = await tasks.add(task, T0)
            failed = i % failed_every == 0
            severity = HistoryState.FAILED if failed else HistoryState.SUCCESSFUL
            await tasks.end(
                task_id, TaskEnded(end_time=start + 1, severity=severity, return_code=int(failed)), T0
            )
            outcome = {
                "TYPE": "Failed" if failed else "Succeeded",
                "namedValues": {"returnCode": int(failed)},
            }
            events.append({"eventId": (start + 1) * 1000, "Key": order_id, "TYPE": "OrderProcessed", "outcome": outcome})  # fmt: skip
    return events


async def main(steps: int, failed_every: int, database_url: str | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="stellwerk-bench-monitor-"))
    config = CockpitConfig(data_directory=folder, database_url=database_url)
    await migrate(config.database)
    database = Database.connect(config.database)
    try:
        events = await _history(database, steps, failed_every)
        monitor = MonitorService(Cockpit(config, database, Proxies(None)), MonitorSettings())
        began = time.perf_counter()
        stored = await monitor._judge(
            "c", observe(Watch(), events)
        )  # a queued batch's work, without the queue
        seconds = time.perf_counter() - began
    finally:
        await database.close()
    print(f"{steps} steps judged in {seconds:.3f} s, {len(stored)} notifications stored")
    print(f"monitor_steps_per_s={steps / seconds:.0f} notifications={len(stored)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="200 steps")
    parser.add_argument("--failed-every", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.steps = 200
    asyncio.run(main(arguments.steps, arguments.failed_every, arguments.database_url))
