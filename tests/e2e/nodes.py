"""Real `stellwerk controller` and `stellwerk agent` processes on loopback, configured from the files `stellwerk
init` writes, and a Cockpit-certificate client for the Controller's API."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import psutil

from stellwerk.cli.init import Names, initialize, plan_nodes
from stellwerk.transport.client import DEFAULT_RETRY, NodeClient, RetryPolicy
from stellwerk.transport.tls import client_context

API = "/controller/api"
CONTROLLER = "controller"
COCKPIT = "cockpit"
_LISTENING = re.compile(r"listening on (\S+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def spawn(arguments: list[str], log: Path) -> subprocess.Popen[bytes]:
    """`python ARGUMENTS` in a process group of its own, its output appended to `log`."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, *arguments],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            process_group=0,
        )


class NodeProcess:
    """A node as a child process in its own process group; its output goes to a log file."""

    listening = _LISTENING  # what the node prints once it listens (group 1: its URL)

    def __init__(self, role: str, config: Path, log: Path) -> None:
        self.role = role
        self.config = config
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0
        self.url = ""

    async def start(self, seconds: float = 30.0) -> str:
        """Starts the node and returns the URL it prints once it listens."""
        self._log_offset = self.log.stat().st_size if self.log.exists() else 0
        self.process = spawn(self.command(), self.log)
        await until(lambda: self._listening() is not None, seconds, f"{self.role} to listen")
        self.url = self._listening() or ""
        return self.url

    def command(self) -> list[str]:
        return ["-m", "stellwerk", self.role, "--config", str(self.config)]

    def _listening(self) -> str | None:
        process = self.running_process()
        if process.poll() is not None:
            raise AssertionError(f"{self.role} ended with {process.returncode}:\n{self.output()}")
        found = self.listening.search(self.output())
        return found[1] if found else None

    def output(self) -> str:
        """The output since the last start."""
        with self.log.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")

    def running_process(self) -> subprocess.Popen[bytes]:
        assert self.process is not None, f"{self.role} not started"
        return self.process

    def descendants(self) -> list[psutil.Process]:
        try:
            return list(psutil.Process(self.running_process().pid).children(recursive=True))
        except psutil.NoSuchProcess:
            return []

    async def kill(self) -> None:
        """SIGKILL, as a crash: the node gets no chance to stop in order."""
        process = self.running_process()
        process.kill()
        await until(lambda: process.poll() is not None, 10, f"{self.role} to die")

    async def stop(self, seconds: float = 20.0) -> int:
        """SIGTERM and wait for the end; returns the exit code."""
        process = self.running_process()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        await until(lambda: process.poll() is not None, seconds, f"{self.role} to stop")
        return process.returncode

    def ensure_gone(self) -> None:
        """Test clean-up: kills the node's process group if it still runs."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Installation:
    """`stellwerk init` output for a Controller, Agents and the Cockpit, with ports and test settings added."""

    def __init__(self, folder: Path, agents: tuple[str, ...] = ("agentA",)) -> None:
        self.folder = folder
        self.agent_names = agents
        names = Names("Stellwerk", ("localhost",), (ipaddress.IPv4Address("127.0.0.1"),), 30)
        initialize(folder, plan_nodes(CONTROLLER, agents, COCKPIT), names, force=False, now=datetime.now(UTC))
        self.ports = {name: free_port() for name in (CONTROLLER, *agents)}
        agent_lines = [f'{name} = "https://127.0.0.1:{self.ports[name]}"' for name in agents]
        self._append(CONTROLLER, [
            "[controller]", 'id = "e2e"', f'event-readers = ["{COCKPIT}"]', "release-events-period = 0.0", "reconnect-delays = [0.05, 0.1, 0.2]",
            "event-poll-timeout = 1.0", "", "[agents]", *agent_lines,
        ])  # fmt: skip
        for name in agents:
            self._append(name, ["[agent]", "shutdown-grace = 2.0"])
        self.nodes: list[NodeProcess] = []

    def sibling(self, folder: Path, controller_id: str) -> Installation:
        """A second Controller with Agents of the same names, on other ports, with the certificates of this
        installation (one CA): a further Controller that the same Cockpit can manage."""
        sibling = Installation.__new__(Installation)
        sibling.folder, sibling.agent_names, sibling.nodes = folder, self.agent_names, []
        sibling.ports = {name: free_port() for name in self.ports}
        shutil.copytree(self.folder / "ca", folder / "ca")
        for name in (CONTROLLER, *self.agent_names, COCKPIT):
            (folder / name).mkdir()
            for file in ("node.pem", "node-key.pem", "node.toml"):
                if (self.folder / name / file).exists():
                    shutil.copy(self.folder / name / file, folder / name / file)
        for name in (CONTROLLER, *self.agent_names):
            config = folder / name / "node.toml"
            text = config.read_text().replace('id = "e2e"', f'id = "{controller_id}"')
            for node, port in self.ports.items():
                text = text.replace(f"port = {port}\n", f"port = {sibling.ports[node]}\n")
                text = text.replace(f':{port}"', f':{sibling.ports[node]}"')
            config.write_text(text)
        return sibling

    def _append(self, node: str, lines: list[str]) -> None:
        http = ["[http]", 'host = "127.0.0.1"', f"port = {self.ports[node]}", ""]
        with (self.folder / node / "node.toml").open("a") as config:
            config.write("\n".join(["", *http, *lines, ""]))

    def node(self, name: str) -> NodeProcess:
        role = CONTROLLER if name == CONTROLLER else "agent"
        node = NodeProcess(role, self.folder / name / "node.toml", self.folder / f"{name}.log")
        self.nodes.append(node)
        return node

    @property
    def controller_url(self) -> str:
        return f"https://127.0.0.1:{self.ports[CONTROLLER]}"

    def client(self, name: str = COCKPIT, retry: RetryPolicy = DEFAULT_RETRY) -> NodeClient:
        folder = self.folder / name
        context = client_context(folder / "node.pem", folder / "node-key.pem", self.folder / "ca" / "ca.pem")
        return NodeClient(self.controller_url, ssl_context=context, retry=retry)

    def clean_up(self) -> None:
        for node in self.nodes:
            for process in node.descendants():
                with contextlib.suppress(psutil.Error):
                    process.kill()
            node.ensure_gone()


@contextlib.asynccontextmanager
async def running(installation: Installation) -> AsyncIterator[dict[str, NodeProcess]]:
    """Every node of the installation started (in parallel); all stopped after."""
    nodes = {name: installation.node(name) for name in (*installation.agent_names, CONTROLLER)}
    try:
        await asyncio.gather(*(node.start() for node in nodes.values()))
        yield nodes
        await asyncio.gather(*(node.stop() for node in nodes.values()))
    finally:
        installation.clean_up()


async def until(condition: Callable[[], bool], seconds: float, what: str, step: float = 0.05) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        await asyncio.sleep(step)


async def until_async(
    probe: Callable[[], Awaitable[bool]], seconds: float, what: str, step: float = 0.1
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await probe():
        if loop.time() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        await asyncio.sleep(step)


# The Controller's API, as the Cockpit uses it ------------------------------------------------------------------


async def deploy(client: NodeClient, *items: dict[str, Any]) -> Any:
    operations = [{"TYPE": "AddOrChange", "item": item} for item in items]
    return await client.post(f"{API}/item", {"TYPE": "UpdateItems", "operations": operations}, dict)


async def add_orders(client: NodeClient, workflow_path: str, *order_ids: str) -> Any:
    orders = [{"id": order_id, "workflowPath": workflow_path} for order_id in order_ids]
    return await client.post(f"{API}/command", {"TYPE": "AddOrders", "orders": orders}, dict)


async def orders(client: NodeClient) -> dict[str, dict[str, Any]]:
    found = await client.get(f"{API}/order", list[dict[str, Any]])
    return {order["id"]: order for order in found}


async def events(client: NodeClient, after: int = 0) -> list[dict[str, Any]]:
    params: dict[str, str | int] = {"after": after, "timeout": 0}
    lines = [msgspec.json.decode(line) async for line in client.stream_lines(f"{API}/event", params)]
    return [line for line in lines if line["TYPE"] != "Heartbeat"]


def event_names(all_events: list[dict[str, Any]], key: str) -> list[str]:
    return [event["TYPE"] for event in all_events if event.get("Key") == key]


def state_of(order: dict[str, Any]) -> str:
    state: str = order["state"]["TYPE"]
    return state


async def until_states(client: NodeClient, wanted: dict[str, str], seconds: float = 30.0) -> None:
    async def reached() -> bool:
        found = await orders(client)
        return all(key in found and state_of(found[key]) == state for key, state in wanted.items())

    await until_async(reached, seconds, f"orders in states {wanted}")


def shell_job(agent: str, script: str, **more: Any) -> dict[str, Any]:
    return {"agentPath": agent, "executable": {"TYPE": "ShellScriptExecutable", "script": script}, **more}


def workflow(
    path: str, instructions: list[dict[str, Any]], jobs: dict[str, Any], **more: Any
) -> dict[str, Any]:
    return {"TYPE": "Workflow", "path": path, "instructions": instructions, "jobs": jobs, **more}
