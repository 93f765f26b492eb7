"""Orders through a real Controller and a real Agent (issue #3), compared with the bare spawn rate.

As `stellwerk standalone` runs them, the Controller and the Agent are separate processes (two cores): the
Controller in this process, the Agent in a child process (this script with `--agent-process`, which runs
`AgentService` as `stellwerk agent` does and reports when its orders' processes start). They talk mutual TLS
on 127.0.0.1 (certificates made at start with `stellwerk.transport.pki`), each with its journal (fdatasync) in
a temporary directory. The workflow has one job running `/bin/true` with processLimit = --parallelism.

1. Throughput: N orders (AddOrders in batches of 100) from the first AddOrders until the Controller has
   journaled OrderFinished for every one of them: orders/s.
2. Bare spawn rate, in this process after the run: N times `asyncio.create_subprocess_exec("/bin/true")` and
   wait, at most --parallelism at once, once with asyncio's default child watcher and once waiting through
   pidfds (`runner.child_watcher`, as Python 3.12's asyncio does by itself); the ratio orders/s : the faster
   spawns/s (target >= 0.7). (The Agent has its processes started by its spawner process, `runner.spawner`, and
   watches their pipes in its loop, `runner.process`; the bare rate stays asyncio's standard way, as issue #3
   defines it.)
3. Latency, with orders paced at --rate orders/s (one AddOrder each): from just before
   `ControllerService.execute(AddOrder)` (which commits OrderAdded at once, before its first await) until the
   Agent has published the order's durable OrderProcessingStarted (its process is spawned at that moment), as
   seen by a task of the Agent process waiting on the Agent's event stream. Both ends read the wall clock
   (`time.time_ns()`, the same system clock in both processes); the path covers the Controller's journal, the
   AttachOrder command over mTLS and the Agent's journal. Targets: p50 <= 3.5 ms, p99 <= 10 ms.

    python bench/throughput.py [--quick] [--orders N] [--parallelism P] [--rate R] [--paced M]

The last line is `orders_per_s=… spawn_per_s=… ratio_to_spawn=… p50_ms=… p99_ms=…` (spawn_per_s: the faster
of the two bare spawn rates).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import psutil

from stellwerk.agent.config import AgentConfig
from stellwerk.agent.config import TlsFiles as AgentTls
from stellwerk.agent.service import AgentService
from stellwerk.cli.serving import freeze_started_heap
from stellwerk.controller.config import ControllerConfig, TlsFiles
from stellwerk.controller.items import AddOrChange, UpdateItems
from stellwerk.controller.service import ControllerService
from stellwerk.journal.stream import EventStream
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model.workflow import Workflow
from stellwerk.runner import child_watcher
from stellwerk.transport import pki

AGENT = "agentA"
BATCH = 100
PACED_PREFIX = "p"


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


# The Agent process ---------------------------------------------------------------------------------------------


def _path_hook(kind: type, value: Any) -> Any:
    if kind is Path:
        return Path(value)
    raise NotImplementedError(kind)


async def agent_process(config_json: str) -> None:
    """Runs the Agent until stdin ends; prints `url U`, then `started ORDER_ID TIME_NS` for every paced order
    whose durable OrderProcessingStarted the Agent publishes."""
    config = msgspec.json.decode(config_json, type=AgentConfig, dec_hook=_path_hook)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with AgentService.start(config) as agent:
        freeze_started_heap()  # as `stellwerk agent` does
        print("url", agent.url, flush=True)
        reporter = asyncio.ensure_future(report_starts(agent.journal.stream))
        stdin = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
        ended = asyncio.ensure_future(stdin.read())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait([ended, stopped], return_when=asyncio.FIRST_COMPLETED)
        for task in (reporter, ended, stopped):
            task.cancel()


async def report_starts(stream: EventStream) -> None:
    async for stamped in stream.events_after(stream.last_event_id):
        keyed = stamped.keyed
        if isinstance(keyed.event, e.OrderProcessingStarted) and keyed.key.startswith(PACED_PREFIX):
            print("started", keyed.key, time.time_ns(), flush=True)


class AgentChild:
    """The Agent process: its URL, and the wall-clock times its paced orders' processes started."""

    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.url = url
        self.started: dict[str, int] = {}
        self.arrived = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            kind, *fields = line.decode().split()
            if kind == "started":
                self.started[fields[0]] = int(fields[1])
                self.arrived.set()

    async def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        await self.process.wait()
        await self._reader


@contextlib.asynccontextmanager
async def agent_child(config: AgentConfig) -> AsyncIterator[AgentChild]:
    config_json = msgspec.json.encode(config, enc_hook=str).decode()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--agent-process",
        config_json,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    first = (await process.stdout.readline()).decode().split()
    if first[:1] != ["url"]:
        process.kill()
        raise RuntimeError(f"The Agent process did not start: {first}")
    child = AgentChild(process, first[1])
    try:
        yield child
    finally:
        await child.stop()


# This process: the Controller and the measurements --------------------------------------------------------------


@contextlib.asynccontextmanager
async def nodes(folder: Path, parallelism: int) -> AsyncIterator[tuple[ControllerService, AgentChild]]:
    files = write_pki(folder)
    ca = folder / "ca.pem"
    cert, key, _ = files[AGENT]
    agent_config = AgentConfig(
        name=AGENT,
        data_directory=folder / "agent",
        tls=AgentTls(cert=cert, key=key, ca=ca),
        allowed_controller_subjects=(files["controller"][2],),
    )
    async with agent_child(agent_config) as agent:
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
            freeze_started_heap()  # as `stellwerk controller` does
            yield controller, agent


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


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


class Throughput(NamedTuple):
    orders_per_s: float
    controller_cpu_ms: float  # CPU time per order of the Controller's process (this one)
    agent_cpu_ms: float  # of the Agent's process, without its job processes


async def throughput(controller: ControllerService, agent: AgentChild, count: int, prefix: str) -> Throughput:
    processes = psutil.Process(), psutil.Process(agent.process.pid)
    cpu_before = [cpu_seconds(process) for process in processes]
    rate = await orders_per_second(controller, count, prefix)
    cpu = [
        (cpu_seconds(process) - before) * 1000 / count
        for process, before in zip(processes, cpu_before, strict=True)
    ]
    return Throughput(rate, *cpu)


async def orders_per_second(controller: ControllerService, count: int, prefix: str) -> float:
    stream = controller.core.journal.stream
    after = stream.last_event_id
    finished = asyncio.ensure_future(_drain(events_of(stream, after, e.OrderFinished, count)))
    began = time.perf_counter()
    for start in range(0, count, BATCH):
        fresh = tuple(
            c.FreshOrder(id=f"{prefix}{i}", workflow_path="bench", delete_when_terminated=True)
            for i in range(start, min(count, start + BATCH))
        )
        result = await controller.execute(c.AddOrders(orders=fresh))
        assert not hasattr(result, "message"), result
    await finished
    return count / (time.perf_counter() - began)


async def _drain(keys: AsyncIterator[str]) -> None:
    async for _ in keys:
        pass


async def paced_latencies(
    controller: ControllerService, agent: AgentChild, count: int, rate: float
) -> list[float]:
    """Milliseconds from AddOrder to the Agent's published OrderProcessingStarted, one order each 1/rate s."""
    added: dict[str, int] = {}
    loop = asyncio.get_running_loop()
    began = loop.time()
    for index in range(count):
        await asyncio.sleep(max(0.0, began + index / rate - loop.time()))
        order_id = f"{PACED_PREFIX}{index}"
        added[order_id] = time.time_ns()
        command = c.AddOrder(
            order=c.FreshOrder(id=order_id, workflow_path="bench", delete_when_terminated=True)
        )
        await controller.execute(command)
    while len(agent.started) < count:
        agent.arrived.clear()
        await asyncio.wait_for(agent.arrived.wait(), 10.0)
    return [(agent.started[order_id] - added[order_id]) / 1e6 for order_id in added]


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
        async with nodes(Path(folder), arguments.parallelism) as (controller, agent):
            await orders_per_second(
                controller, min(50, arguments.orders), "w"
            )  # warm-up: connection, imports
            measured = await throughput(controller, agent, arguments.orders, "t")
            orders_rate = measured.orders_per_s
            print(
                f"throughput: {arguments.orders} orders, {orders_rate:.0f} orders/s; CPU per order: "
                f"Controller {measured.controller_cpu_ms:.2f} ms, Agent {measured.agent_cpu_ms:.2f} ms"
            )
            latencies = await paced_latencies(controller, agent, arguments.paced, arguments.rate)
    default_rate = await spawns_per_second(arguments.orders, arguments.parallelism)
    child_watcher.install()
    pidfd_rate = await spawns_per_second(arguments.orders, arguments.parallelism)
    spawn_rate = max(default_rate, pidfd_rate)
    ratio = orders_rate / spawn_rate
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(
        f"bare spawn of /bin/true, {arguments.parallelism} at once: {default_rate:.0f} spawns/s "
        f"(asyncio's default child watcher), {pidfd_rate:.0f} spawns/s (waiting through pidfds)"
    )
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
    parser.add_argument("--agent-process", metavar="CONFIG_JSON", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.orders, arguments.paced = 500, 100
    return arguments


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    parsed = parse_arguments()
    asyncio.run(agent_process(parsed.agent_process) if parsed.agent_process else main(parsed))
