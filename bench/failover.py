"""Fail-over of a Controller cluster under load (issue #6).

Writes an installation (`stellwerk init`: a Controller, a copy of it as the Backup node, an Agent, the Cockpit's
certificate) in a temporary directory and starts three processes: `stellwerk controller --cluster Primary`,
`--cluster Backup` (heartbeat 0.2 s, heartbeat timeout 0.6 s: fail-over after 1.2 s of silence) and the Agent.
A Cluster Watch runs in this process. Orders flow all the time (one AddOrders every 20 ms to whichever node is
active, each order's job writing its id to a file on the Agent's machine); K times, at a random moment after the
cluster coupled, the active node is killed with SIGKILL, and the time until the other node answers the
Controller API is measured; the killed node is started again and comes back as passive.

At the end, after every accepted order has finished (or 30 s):
- lost: orders acknowledged to the client (AddOrders answered 200) that the active node does not have;
- duplicates: job runs beyond one per order (counted from the file);
- two_actives: samples (every 20 ms, both nodes asked) at which both nodes answered as active;
- failover_median_s, failover_max_s: from the SIGKILL to the first answer of the new active node.

    python bench/failover.py [--quick] [--kills K]

`--quick`: 3 kills (the default is 10). The last line is `name=value` figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stellwerk.cli.init import Names, initialize, plan_nodes
from stellwerk.cluster.states import NodeId, Timing
from stellwerk.cluster.watch import running_watch
from stellwerk.transport.client import HttpError, NodeClient, RetryPolicy, TransportError
from stellwerk.transport.tls import client_context

TIMING = Timing(heartbeat=0.2, heartbeat_timeout=0.6, consent_timeout=0.4)
API = "/controller/api"
NODES: tuple[NodeId, NodeId] = ("Primary", "Backup")
ORDER_PERIOD = 0.02


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Installation:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        names = Names("Stellwerk", ("localhost",), (ipaddress.IPv4Address("127.0.0.1"),), 30)
        initialize(
            folder,
            plan_nodes("controller", ("agentA",), "cockpit"),
            names,
            force=False,
            now=datetime.now(UTC),
        )
        self.ports = {"Primary": free_port(), "Backup": free_port(), "agentA": free_port()}
        with (folder / "controller" / "node.toml").open("a") as config:
            config.write(
                '\n[controller]\nid = "bench"\nrelease-events-period = 0.0\nreconnect-delays = [0.05, 0.1, 0.2]\n'
                f'event-poll-timeout = 1.0\n\n[agents]\nagentA = "https://127.0.0.1:{self.ports["agentA"]}"\n'
            )
        with (folder / "agentA" / "node.toml").open("a") as config:
            config.write(
                f'\n[http]\nhost = "127.0.0.1"\nport = {self.ports["agentA"]}\n\n[agent]\nshutdown-grace = 2.0\n'
            )
        shutil.copytree(folder / "controller", folder / "controller-backup")
        cockpit = folder / "cockpit"
        self.ssl = client_context(cockpit / "node.pem", cockpit / "node-key.pem", folder / "ca" / "ca.pem")
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def uri(self, node: str) -> str:
        return f"https://127.0.0.1:{self.ports[node]}"

    def start(self, node: str) -> None:
        if node == "agentA":
            arguments = ["agent", "--config", str(self.folder / "agentA" / "node.toml")]
        else:
            folder = "controller" if node == "Primary" else "controller-backup"
            peer = "Backup" if node == "Primary" else "Primary"
            timing = f"{TIMING.heartbeat},{TIMING.heartbeat_timeout},{TIMING.consent_timeout}"
            arguments = ["controller", "--config", str(self.folder / folder / "node.toml")]
            arguments += [
                "--port",
                str(self.ports[node]),
                "--cluster",
                node,
                "--cluster-peer",
                self.uri(peer),
            ]
            arguments += ["--cluster-timing", timing, "--log-level", "warning"]
        with (self.folder / f"{node}.log").open("ab") as log:
            self.processes[node] = subprocess.Popen(
                [sys.executable, "-m", "stellwerk", *arguments],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                process_group=0,
            )

    def kill(self, node: str) -> None:
        process = self.processes[node]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def client(self, node: str) -> NodeClient:
        return NodeClient(self.uri(node), ssl_context=self.ssl, retry=RetryPolicy(attempts=1), timeout=5)


class Bench:
    def __init__(self, installation: Installation, runs: Path) -> None:
        self.installation = installation
        self.runs = runs
        self.clients = {node: installation.client(node) for node in NODES}
        self.accepted: list[str] = []
        self.active: dict[str, bool] = dict.fromkeys(NODES, False)
        self.two_actives = 0
        self.stopping = False

    async def is_active(self, node: str) -> bool:
        try:
            await self.clients[node].get(API, dict)
        except TransportError:
            return False
        return True

    async def cluster_type(self, node: str) -> str:
        try:
            state = await self.clients[node].get(f"{API}/cluster", dict)
        except TransportError:
            return ""
        return str(state.get("TYPE", ""))

    async def sample_actives(self) -> None:
        while not self.stopping:
            answers = await asyncio.gather(*(self.is_active(node) for node in NODES))
            self.active = dict(zip(NODES, answers, strict=True))
            if all(answers):
                self.two_actives += 1
            await asyncio.sleep(ORDER_PERIOD)

    async def flow_orders(self) -> None:
        number = 0
        while not self.stopping:
            order_id = f"order-{number:05}"
            for node in (n for n in NODES if self.active[n]):
                try:
                    await self.clients[node].post(
                        f"{API}/command",
                        {"TYPE": "AddOrders", "orders": [{"id": order_id, "workflowPath": "W"}]},
                        dict,
                    )
                except (TransportError, HttpError):
                    continue
                self.accepted.append(order_id)
                number += 1
                break
            await asyncio.sleep(ORDER_PERIOD)

    async def until(self, condition: Any, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not await condition():
            if time.monotonic() > deadline:
                raise RuntimeError(f"waited {seconds} s for {what}")
            await asyncio.sleep(0.02)

    async def coupled(self) -> bool:
        types = await asyncio.gather(*(self.cluster_type(node) for node in NODES))
        return all(t == "Coupled" for t in types)

    async def active_node(self) -> str:
        for node in NODES:
            if await self.is_active(node):
                return node
        return ""

    async def kill_once(self) -> float:
        await self.until(self.coupled, 60, "the cluster to couple")
        await asyncio.sleep(random.uniform(0.3, 2.0))
        victim = await self.active_node()
        survivor = "Backup" if victim == "Primary" else "Primary"
        self.installation.kill(victim)
        killed_at = time.monotonic()
        await self.until(lambda: self.is_active(survivor), 30, f"{survivor} to become active")
        took = time.monotonic() - killed_at
        print(f"killed {victim}: {survivor} active after {took:.2f} s", flush=True)
        self.installation.start(victim)
        return took


async def run(kills: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        installation = Installation(folder / "installation")
        runs = folder / "runs"
        runs.mkdir()
        try:
            for node in ("agentA", *NODES):
                installation.start(node)
            uris = {node: installation.uri(node) for node in NODES}
            async with running_watch(uris, installation.ssl, TIMING), contextlib.AsyncExitStack() as stack:
                bench = Bench(installation, runs)
                for client in bench.clients.values():
                    await stack.enter_async_context(client)
                await bench.until(bench.coupled, 60, "the cluster to couple")
                await deploy(bench, runs)
                tasks = [
                    asyncio.create_task(bench.sample_actives()),
                    asyncio.create_task(bench.flow_orders()),
                ]
                failovers = [await bench.kill_once() for _ in range(kills)]
                await bench.until(bench.coupled, 60, "the cluster to couple")
                bench.stopping = True
                await asyncio.gather(*tasks)
                lost, duplicates = await settle(bench)
        finally:
            installation.stop_all()
    print(
        f"orders={len(bench.accepted)} kills={kills} lost={lost} duplicates={duplicates} "
        f"two_actives={bench.two_actives} failover_median_s={statistics.median(failovers):.2f} "
        f"failover_max_s={max(failovers):.2f}"
    )


async def deploy(bench: Bench, runs: Path) -> None:
    script = f'echo "$JS7_ORDER_ID" >> "{runs}/runs"\n'
    job = {
        "agentPath": "agentA",
        "processLimit": 50,
        "executable": {"TYPE": "ShellScriptExecutable", "script": script},
    }
    workflow = {
        "TYPE": "Workflow",
        "path": "W",
        "instructions": [{"TYPE": "Execute.Named", "jobName": "j"}],
        "jobs": {"j": job},
    }
    node = await bench.active_node()
    await bench.clients[node].post(
        f"{API}/item",
        {"TYPE": "UpdateItems", "operations": [{"TYPE": "AddOrChange", "item": workflow}]},
        dict,
    )


async def settle(bench: Bench) -> tuple[int, int]:
    """Waits until every accepted order finished (30 s at most); returns lost and duplicated ones."""
    node = await bench.active_node()
    accepted = set(bench.accepted)

    async def finished() -> bool:
        found = await bench.clients[node].get(f"{API}/order", list[dict[str, Any]])
        done = {o["id"] for o in found if o["state"]["TYPE"] == "Finished"}
        return accepted <= done

    with contextlib.suppress(RuntimeError):
        await bench.until(finished, 30, "every order to finish")
    found = await bench.clients[node].get(f"{API}/order", list[dict[str, Any]])
    present = {o["id"] for o in found}
    ran = (bench.runs / "runs").read_text().split() if (bench.runs / "runs").exists() else []
    duplicates = len(ran) - len(set(ran))
    return len(accepted - present), duplicates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="3 kills")
    parser.add_argument("--kills", type=int, default=10)
    arguments = parser.parse_args()
    asyncio.run(run(3 if arguments.quick else arguments.kills))


if __name__ == "__main__":
    main()
