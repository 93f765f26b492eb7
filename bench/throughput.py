"""Orders through a real Controller and a real Agent (issue #3), compared with the bare spawn rate.

Both services run in this process, over mutual TLS on 127.0.0.1 (certificates made at start with
`stellwerk.transport.pki`), each with its journal (fdatasync) in a temporary directory. The workflow has one
job running `/bin/true` with processLimit = --parallelism.

1. Throughput: N orders (AddOrders in batches of 100) from the first AddOrders until the Controller has
   journaled OrderFinished for every one of them: orders/s.
2. Bare spawn rate: N times `asyncio.create_subprocess_exec("/bin/true")` and wait, at most --parallelism at
   once: spawns/s; the ratio orders/s : spawns/s (target >= 0.7).
3. Latency, with orders paced at --rate orders/s (one AddOrder each): from just before
   `ControllerService.execute(AddOrder)` (which commits OrderAdded at once, before its first await) until the
   Agent has published the order's durable OrderProcessingStarted (its process is spawned at that moment),
   as seen by a task waiting on the Agent's event stream. Both ends are `time.perf_counter()` in this process;
   the path covers the Controller's journal, the AttachOrder command over mTLS and the Agent's journal.
   Targets: p50 <= 3.5 ms, p99 <= 10 ms.

    python bench/throughput.py [--quick] [--orders N] [--parallelism P] [--rate R] [--paced M]

The last line is `orders_per_s=… spawn_per_s=… ratio_to_spawn=… p50_ms=… p99_ms=…`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import msgspec

from stellwerk.agent.config import AgentConfig
from stellwerk.agent.config import TlsFiles as AgentTls
from stellwerk.agent.service import AgentService
from stellwerk.controller.config import ControllerConfig, TlsFiles
from stellwerk.controller.items import AddOrChange, UpdateItems
from stellwerk.controller.service import ControllerService
from stellwerk.journal.stream import EventStream
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model.workflow import Workflow
from stellwerk.transport import pki

AGENT = "agentA"
BATCH = 100


class Nodes(NamedTuple):
    controller: ControllerService
    agent: AgentService


def write_pki(folder: Path) -> dict[str, tuple[Path, Path, str]]:
    """A CA and certificates for the Controller and the Agent: name -> (cert, key, subject DN)."""
    now = datetime.now(UTC)
    ca = pki.new_ca("Bench", now=now)
    (folder / "ca.pem").write_bytes(ca.certificate_pem())
    files = {}
    for name in ("controller", AGENT):
        node = pki.new_node_certificate(
            ca,
            name,
            organization="Bench",
            dns_names=("localhost",),
            ip_addresses=(ipaddress.IPv4Address("127.0.0.1"),),
            now=now,
            days=1,
        )
        cert, key = folder / f"{name}.pem", folder / f"{name}-key.pem"
        cert.write_bytes(node.certificate_pem())
        key.write_bytes(node.key_pem())
        files[name] = (cert, key, node.certificate.subject.rfc4514_string())
    return files


def one_job_workflow(parallelism: int) -> Workflow:
    job = {
        "agentPath": AGENT,
        "executable": {"TYPE": "PathExecutable", "path": "/bin/true"},
        "processLimit": parallelism,
    }
    raw = {
        "TYPE": "Workflow",
        "path": "bench",
        "instructions": [{"TYPE": "Execute.Named", "jobName": "true"}],
        "jobs": {"true": job},
    }
    return msgspec.json.decode(msgspec.json.encode(raw), type=Workflow)


@contextlib.asynccontextmanager
async def nodes(folder: Path, parallelism: int) -> AsyncIterator[Nodes]:
    files = write_pki(folder)
    ca = folder / "ca.pem"
    cert, key, _ = files[AGENT]
    agent_config = AgentConfig(
        name=AGENT,
        data_directory=folder / "agent",
        tls=AgentTls(cert=cert, key=key, ca=ca),
        allowed_controller_subjects=(files["controller"][2],),
    )
    async with AgentService.start(agent_config) as agent:
        cert, key, _ = files["controller"]
        controller_config = ControllerConfig(
            controller_id="bench",
            data_directory=folder / "controller",
            tls=TlsFiles(cert=cert, key=key, ca=ca),
            agents={AGENT: agent.url},
            release_events_period=1.0,
        )
        async with ControllerService.start(controller_config) as controller:
            update = UpdateItems(operations=(AddOrChange(item=one_job_workflow(parallelism)),))
            await controller.update_items(update)
            yield Nodes(controller, agent)


async def events_of(stream: EventStream, after: int, wanted: type, count: int) -> AsyncIterator[str]:
    """The keys of the next `count` events of type `wanted` after `after`, as they are published."""
    seen = 0
    while seen < count:
        found = await stream.wait_after(after, 5.0, 10_000)
        assert isinstance(found, list), found
        for stamped in found:
            after = stamped.event_id
            if isinstance(stamped.keyed.event, wanted):
                seen += 1
                yield stamped.keyed.key


async def orders_per_second(nodes: Nodes, count: int, prefix: str) -> float:
    stream = nodes.controller.core.journal.stream
    after = stream.last_event_id
    finished = asyncio.ensure_future(_drain(events_of(stream, after, e.OrderFinished, count)))
    began = time.perf_counter()
    for start in range(0, count, BATCH):
        fresh = tuple(
            c.FreshOrder(id=f"{prefix}{i}", workflow_path="bench", delete_when_terminated=True)
            for i in range(start, min(count, start + BATCH))
        )
        result = await nodes.controller.execute(c.AddOrders(orders=fresh))
        assert not hasattr(result, "message"), result
    await finished
    return count / (time.perf_counter() - began)


async def _drain(keys: AsyncIterator[str]) -> None:
    async for _ in keys:
        pass


async def paced_latencies(nodes: Nodes, count: int, rate: float) -> list[float]:
    """Milliseconds from AddOrder to the Agent's published OrderProcessingStarted, one order each 1/rate s."""
    stream = nodes.agent.journal.stream
    added: dict[str, float] = {}
    latencies: list[float] = []

    async def watch() -> None:
        started = events_of(stream, stream.last_event_id, e.OrderProcessingStarted, count)
        latencies.extend([(time.perf_counter() - added[key]) * 1000 async for key in started])

    watcher = asyncio.ensure_future(watch())
    loop = asyncio.get_running_loop()
    began = loop.time()
    for index in range(count):
        await asyncio.sleep(max(0.0, began + index / rate - loop.time()))
        order_id = f"p{index}"
        added[order_id] = time.perf_counter()
        command = c.AddOrder(
            order=c.FreshOrder(id=order_id, workflow_path="bench", delete_when_terminated=True)
        )
        await nodes.controller.execute(command)
    await watcher
    return latencies


async def spawns_per_second(count: int, parallelism: int) -> float:
    slots = asyncio.Semaphore(parallelism)

    async def spawn() -> None:
        async with slots:
            process = await asyncio.create_subprocess_exec("/bin/true")
            await process.wait()

    began = time.perf_counter()
    await asyncio.gather(*(spawn() for _ in range(count)))
    return count / (time.perf_counter() - began)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def main(arguments: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="stellwerk-bench-") as folder:
        async with nodes(Path(folder), arguments.parallelism) as running:
            await orders_per_second(running, min(50, arguments.orders), "w")  # warm-up: connection, imports
            orders_rate = await orders_per_second(running, arguments.orders, "t")
            print(f"throughput: {arguments.orders} orders, {orders_rate:.0f} orders/s")
            latencies = await paced_latencies(running, arguments.paced, arguments.rate)
    spawn_rate = await spawns_per_second(arguments.orders, arguments.parallelism)
    ratio = orders_rate / spawn_rate
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(f"bare spawn of /bin/true, {arguments.parallelism} at once: {spawn_rate:.0f} spawns/s")
    print(f"ratio orders/s : spawns/s = {ratio:.2f} (target >= 0.7)")
    print(
        f"order added -> process started, {arguments.paced} orders at {arguments.rate:g}/s: "
        f"p50 {p50:.2f} ms (target <= 3.5), p99 {p99:.2f} ms (target <= 10)"
    )
    print(
        f"orders_per_s={orders_rate:.0f} spawn_per_s={spawn_rate:.0f} ratio_to_spawn={ratio:.2f} "
        f"p50_ms={p50:.2f} p99_ms={p99:.2f}"
    )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="500 orders and 100 paced ones")
    parser.add_argument("--orders", type=int, default=5000, help="orders for the throughput run")
    parser.add_argument("--parallelism", type=int, default=8, help="the job's processLimit")
    parser.add_argument("--rate", type=float, default=50.0, help="orders per second for the latency run")
    parser.add_argument("--paced", type=int, default=500, help="orders for the latency run")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.orders, arguments.paced = 500, 100
    return arguments


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parse_arguments()))
