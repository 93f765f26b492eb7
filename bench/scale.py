"""A Controller holding many scheduled orders (issue #3): memory per order, journal size, restart time.

A real ControllerService (plain HTTP on 127.0.0.1, no Agent) gets a one-job workflow and N Fresh orders
scheduled for tomorrow, through `ControllerService.execute(AddOrders)` in batches of 10,000. As in JS7, each
order is OrderAdded and OrderAttachable at once (its Agent keeps the timer); no Agent runs here, so they stay
Fresh and Attaching at the Controller (the warning about the missing Agent is silenced). Reported:
- memory per order: the process's RSS after adding minus before, divided by N (gc run first);
- the journal's size on disk;
- restart time: the time from the start of a service on the journal until the state is recovered (journal
  opened, the orders there) — once replaying the events, on a copy of the journal taken while the service ran
  (as a crash leaves it: the orders are in the events after the first snapshot), once after the orderly stop,
  which ends with a snapshot;
- how long the orderly stop takes (mostly writing that snapshot);
- the time the restarted Controller takes to derive every order once (its timers' first pass, in the
  background; the API answers meanwhile).

    python bench/scale.py [--quick] [--orders N]

Targets: <= 2 KB per order, restart <= 10 s. The last line is
`orders=… bytes_per_order=… journal_bytes=… restart_s=… restart_snapshot_s=… stop_s=…`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import shutil
import tempfile
import time
from pathlib import Path

import msgspec
import psutil

from stellwerk.controller.config import ControllerConfig
from stellwerk.controller.items import AddOrChange, UpdateItems
from stellwerk.controller.service import ControllerService
from stellwerk.model import commands as c
from stellwerk.model.workflow import Workflow

BATCH = 10_000
DAY_MS = 24 * 3600 * 1000


def one_job_workflow() -> Workflow:
    raw = {
        "TYPE": "Workflow",
        "path": "daily",
        "instructions": [{"TYPE": "Execute.Named", "jobName": "j"}],
        "jobs": {"j": {"agentPath": "agentA", "executable": {"TYPE": "PathExecutable", "path": "/bin/true"}}},
    }
    return msgspec.json.decode(msgspec.json.encode(raw), type=Workflow)


def rss() -> int:
    gc.collect()
    return int(psutil.Process().memory_info().rss)


def config(folder: Path) -> ControllerConfig:
    return ControllerConfig(controller_id="scale", data_directory=folder, insecure=True)


async def add_orders(service: ControllerService, count: int) -> None:
    tomorrow = int(time.time() * 1000) + DAY_MS
    for start in range(0, count, BATCH):
        fresh = tuple(
            c.FreshOrder(id=f"order-{i:07d}", workflow_path="daily", scheduled_for=tomorrow)
            for i in range(start, min(count, start + BATCH))
        )
        result = await service.execute(c.AddOrders(orders=fresh))
        assert not hasattr(result, "message"), result


async def restart_seconds(folder: Path, count: int) -> float:
    """From the start of the service until its state holds the orders again."""
    began = time.perf_counter()
    async with ControllerService.start(config(folder)) as service:
        recovered = time.perf_counter() - began
        assert len(service.state.orders) == count, len(service.state.orders)
    return recovered


async def first_pass_seconds(folder: Path) -> float:
    """How long the restarted Controller takes to derive all orders once (its start slices)."""
    async with ControllerService.start(config(folder)) as service:
        began = time.perf_counter()
        before = service.core.journal.last_event_id
        await service.core.first_pass_done.wait()
        assert service.core.journal.last_event_id == before, "scheduled orders do not move"
        return time.perf_counter() - began


def journal_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.iterdir() if path.is_file())


def newest_segment_bytes(folder: Path) -> int:
    """The size of the segment the orderly stop began with the snapshot."""
    return max((path.stat().st_mtime_ns, path.stat().st_size) for path in folder.iterdir() if path.is_file())[
        1
    ]


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="stellwerk-scale-") as name:
        folder, crashed = Path(name) / "orderly", Path(name) / "crashed"
        async with ControllerService.start(config(folder)) as service:
            await service.update_items(UpdateItems(operations=(AddOrChange(item=one_job_workflow()),)))
            before = rss()
            began = time.perf_counter()
            await add_orders(service, count)
            added_s = time.perf_counter() - began
            per_order = (rss() - before) / count
            shutil.copytree(folder, crashed)  # every event is durable: the journal as a crash would leave it
            stop_began = time.perf_counter()
        stop_s = time.perf_counter() - stop_began
        size, snapshot_size = journal_bytes(crashed), newest_segment_bytes(folder)
        replay_s = await restart_seconds(crashed, count)
        snapshot_s = await restart_seconds(folder, count)
        pass_s = await first_pass_seconds(folder)
    print(f"{count} scheduled orders added in {added_s:.1f} s ({count / added_s:.0f} orders/s)")
    print(f"memory: {per_order:.0f} bytes per order (RSS difference; target <= 2048)")
    print(
        f"journal: {size / 1e6:.1f} MB ({size / count:.0f} bytes per order), snapshot {snapshot_size / 1e6:.1f} MB"
    )
    print(f"orderly stop (writes the snapshot): {stop_s:.2f} s")
    print(f"restart until recovered: {replay_s:.2f} s replaying events, {snapshot_s:.2f} s from a snapshot")
    print(f"first derivation pass over all orders after the restart: {pass_s:.2f} s")
    print(
        f"orders={count} bytes_per_order={per_order:.0f} journal_bytes={size} "
        f"restart_s={replay_s:.2f} restart_snapshot_s={snapshot_s:.2f} stop_s={stop_s:.2f}"
    )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100,000 orders")
    parser.add_argument("--orders", type=int, default=1_000_000)
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.orders = 100_000
    return arguments


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("stellwerk.controller.service").setLevel(logging.ERROR)
    asyncio.run(main(parse_arguments().orders))
