"""`stellwerk standalone`: a Controller and one Agent (agentA) as separate processes on loopback, from one data
directory. The first start creates the directory with a CA, the node certificates and configs (as `stellwerk
init` does); every start runs `stellwerk agent` and `stellwerk controller` as child processes, each in a process
group of its own, waits until both answer their health checks, and on SIGINT (Ctrl-C) or SIGTERM stops both:
SIGTERM to each group, SIGKILL to whatever is left after the grace period, job processes included.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import signal
import socket
import ssl
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import click
import psutil

from stellwerk.cli.init import Names, files_to_write, initialize, plan_nodes
from stellwerk.cli.serving import LOG_LEVELS, run_until_stopped, until_first
from stellwerk.transport.client import NodeClient, RetryPolicy, TransportError
from stellwerk.transport.tls import client_context

CONTROLLER = "controller"
AGENT = "agentA"
COCKPIT = "cockpit"
LOOPBACK = "127.0.0.1"
HEALTH_POLL = 0.1


class Child:
    """A node running as a child process in its own process group."""

    def __init__(self, name: str, process: asyncio.subprocess.Process) -> None:
        self.name = name
        self.process = process

    async def ended(self) -> int:
        return await self.process.wait()

    async def stop(self, grace: float) -> None:
        """SIGTERM to the group; after `grace` seconds SIGKILL to the group and to every descendant left."""
        if self.process.returncode is not None:
            return
        descendants = _descendants(self.process.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            descendants += _descendants(self.process.pid)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()
        for process in descendants:
            with contextlib.suppress(psutil.Error):
                process.kill()


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return list(psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return []


def prepare(directory: Path) -> bool:
    """Creates the CA, certificates and configs unless they are all there; True when it created them."""
    nodes = plan_nodes(CONTROLLER, (AGENT,), COCKPIT)
    files = files_to_write(directory, nodes)
    missing = [path for path in files if not path.exists()]
    if not missing:
        return False
    if len(missing) < len(files):
        raise click.ClickException(
            f"{directory} is incomplete ({missing[0]} is missing); remove it or complete it with `stellwerk init`"
        )
    names = Names("Stellwerk", ("localhost",), (ipaddress.IPv4Address(LOOPBACK),), 825)
    initialize(directory, nodes, names, force=False, now=datetime.now(UTC))
    with (directory / CONTROLLER / "node.toml").open("a", encoding="utf-8") as config:
        config.write('\n[controller]\nid = "standalone"\n')
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@click.command("standalone")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("stellwerk-data"),
    show_default=True,
    help="Data directory: certificates, configs and both journals; created on first start.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=4444,
    show_default=True,
    help="The Controller's port (0: a free one).",
)
@click.option(
    "--agent-port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="The Agent's port (0: a free one at every start).",
)
@click.option(
    "--start-timeout",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds to wait until both answer their health checks.",
)
@click.option(
    "--stop-grace",
    type=click.FloatRange(min=0),
    default=15.0,
    show_default=True,
    help="Seconds a node gets to stop after SIGTERM before it and its processes are killed.",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS),
    default="info",
    show_default=True,
    help="Least level both log.",
)
def standalone_command(
    data: Path, port: int, agent_port: int, start_timeout: float, stop_grace: float, log_level: str
) -> None:
    """Run a Controller and one Agent (agentA) on loopback until SIGINT (Ctrl-C) or SIGTERM.

    Prints the Controller's URL and where the certificates are: the Cockpit's certificate in DATA/cockpit is
    the one the Controller's API accepts. If either node ends by itself, the other is stopped and the exit
    code is 1.
    """
    if prepare(data):
        click.echo(f"Created {data} with a CA, certificates and configs", err=True)
    ports = (port or free_port(), agent_port or free_port())
    run_until_stopped(lambda stop: _run(data, ports, log_level, (start_timeout, stop_grace), stop))


async def _run(
    data: Path, ports: tuple[int, int], log_level: str, timeouts: tuple[float, float], stop: asyncio.Event
) -> None:
    controller_url, agent_url = (f"https://{LOOPBACK}:{port}" for port in ports)
    agent = await _spawn(AGENT, data, "agent", ports[1], log_level, ())
    children = [agent]
    try:
        controller_arguments = ("--agent", f"{AGENT}={agent_url}")
        children.append(
            await _spawn(CONTROLLER, data, "controller", ports[0], log_level, controller_arguments)
        )
        health = asyncio.ensure_future(
            _wait_until_healthy(data, controller_url, agent_url, children, timeouts[0])
        )
        await until_first(stop.wait(), asyncio.shield(health))
        if stop.is_set():
            return
        await health  # raises when a node failed to start
        click.echo(f"Controller: {controller_url}")
        click.echo(f"Agent {AGENT}: {agent_url}")
        click.echo(f"CA certificate: {data / 'ca' / 'ca.pem'}")
        click.echo(
            f"Client certificate for the Controller's API: {data / COCKPIT / 'node.pem'} (key node-key.pem)"
        )
        click.echo("Stop with Ctrl-C", err=True)
        ended = [asyncio.ensure_future(_ended(child)) for child in children]
        await until_first(stop.wait(), *(asyncio.shield(task) for task in ended))
        finished = [task.result() for task in ended if task.done()]
        if finished and not stop.is_set():
            raise click.ClickException(finished[0])
    finally:
        await asyncio.gather(*(child.stop(timeouts[1]) for child in children))


async def _spawn(name: str, data: Path, role: str, port: int, log_level: str, more: Sequence[str]) -> Child:
    arguments = [
        "--config",
        str(data / name / "node.toml"),
        "--port",
        str(port),
        "--log-level",
        log_level,
        *more,
    ]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "stellwerk", role, *arguments, stdin=asyncio.subprocess.DEVNULL, process_group=0
    )
    return Child(f"{role} {name}", process)


async def _ended(child: Child) -> str:
    return f"The {child.name} ended with exit code {await child.ended()}"


async def _wait_until_healthy(
    data: Path, controller_url: str, agent_url: str, children: list[Child], seconds: float
) -> None:
    # The Controller's API accepts the Cockpit's certificate, the Agent's accepts the Controller's.
    checks = [
        (controller_url, "/controller/api/health", _client_context(data, COCKPIT)),
        (agent_url, "/agent/api/health", _client_context(data, CONTROLLER)),
    ]
    try:
        async with asyncio.timeout(seconds):
            for url, path, context in checks:
                await _wait_for_answer(url, path, context, children)
    except TimeoutError:
        raise click.ClickException(
            f"The nodes did not answer their health checks within {seconds:g} s"
        ) from None


def _client_context(data: Path, name: str) -> ssl.SSLContext:
    folder = data / name
    return client_context(folder / "node.pem", folder / "node-key.pem", data / "ca" / "ca.pem")


async def _wait_for_answer(url: str, path: str, context: ssl.SSLContext, children: list[Child]) -> None:
    async with NodeClient(url, ssl_context=context, retry=RetryPolicy(attempts=1), timeout=5.0) as client:
        while True:
            for child in children:
                if child.process.returncode is not None:
                    raise click.ClickException(
                        f"The {child.name} ended with exit code {child.process.returncode}"
                    )
            try:
                await client.get(path, dict)
                return
            except TransportError:
                await asyncio.sleep(HEALTH_POLL)
