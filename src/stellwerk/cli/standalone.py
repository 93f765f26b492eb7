"""`stellwerk standalone`: a Cockpit, a Controller and one Agent as separate processes on loopback, from one data
directory. The first start creates the directory with a CA, the node certificates and configs (as `stellwerk
init` does); every start runs `stellwerk agent`, `stellwerk controller` and `stellwerk cockpit` (with the
Controller registered) as child processes, each in a process group of its own (the Controller and the Agent send
their warnings and errors by syslog over UDP to the Cockpit's Log Notification service), waits until all answer, and on
SIGINT (Ctrl-C) or SIGTERM stops them: SIGTERM to each group, SIGKILL to whatever is left after the grace
period, job processes included. The Cockpit talks to the Controller with mutual TLS; its own API is HTTPS, or
plain HTTP on loopback with `--http`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import secrets
import signal
import socket
import ssl
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import click
import psutil

from stellwerk.cli.init import Names, files_to_write, initialize, plan_nodes
from stellwerk.cli.seeding import DeployFailed, deploy_folder, python_folders
from stellwerk.cli.serving import LOG_LEVELS, run_until_stopped, until_first
from stellwerk.transport.client import HttpError, NodeClient, RetryPolicy, TransportError
from stellwerk.transport.tls import client_context

CONTROLLER = "controller"
AGENT = "agent"
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


def prepare(directory: Path, controller: str = CONTROLLER, agent: str = AGENT) -> bool:
    """Creates the CA, certificates and configs unless they are all there; True when it created them."""
    nodes = plan_nodes(controller, (agent,), COCKPIT)
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
    with (directory / controller / "node.toml").open("a", encoding="utf-8") as config:
        config.write(f'\n[controller]\nid = "{controller}"\nevent-readers = ["{COCKPIT}"]\n')
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Layout:
    """Names, ports and options of one standalone installation."""

    data: Path
    controller: str
    agent: str
    ports: tuple[int, int, int]  # Cockpit, Controller, Agent
    plain_http: bool
    admin_password: str | None
    database_url: str | None
    log_level: str
    deploy: Path | None = None  # inventory files to import and deploy through the Cockpit
    syslog_port: int = 0  # the Cockpit's Log Notification service; 0: none

    @property
    def syslog_target(self) -> str:
        return f"udp://{LOOPBACK}:{self.syslog_port}"

    @property
    def cockpit_url(self) -> str:
        return f"{'http' if self.plain_http else 'https'}://{LOOPBACK}:{self.ports[0]}"

    @property
    def controller_url(self) -> str:
        return f"https://{LOOPBACK}:{self.ports[1]}"

    @property
    def agent_url(self) -> str:
        return f"https://{LOOPBACK}:{self.ports[2]}"


@click.command("standalone")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("stellwerk-data"),
    show_default=True,
    help="Data directory: certificates, configs, both journals and the Cockpit's database; created on first start.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=4446,
    show_default=True,
    help="The Cockpit's port: its web UI and the JOC API under /joc/api (0: a free one).",
)
@click.option(
    "--http",
    "plain_http",
    is_flag=True,
    help="The Cockpit serves plain HTTP (loopback only) instead of HTTPS with the installation's certificate.",
)
@click.option(
    "--admin-password",
    envvar="STELLWERK_ADMIN_PASSWORD",
    help="Password of the Cockpit's account root; without it the first start generates one and prints it.",
)
@click.option(
    "--database-url",
    envvar="STELLWERK_COCKPIT_DATABASE_URL",
    help="The Cockpit's database (SQLAlchemy URL); default: SQLite in DATA/cockpit.",
)
@click.option(
    "--controller-id",
    default=CONTROLLER,
    show_default=True,
    help="The Controller's id (fixed at first start).",
)
@click.option("--agent-id", default=AGENT, show_default=True, help="The Agent's name (fixed at first start).")
@click.option(
    "--controller-port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="The Controller's port (0: a free one at every start).",
)
@click.option(
    "--agent-port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="The Agent's port (0: a free one at every start).",
)
@click.option(
    "--deploy",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A folder of inventory files (JOC JSON) to import and deploy through the Cockpit at the first start; "
    "its folders with Python modules are on the Agent's PYTHONPATH.",
)
@click.option(
    "--start-timeout",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds to wait until all answer.",
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
    help="Least level all log.",
)
def standalone_command(
    data: Path,
    port: int,
    plain_http: bool,
    admin_password: str | None,
    database_url: str | None,
    controller_id: str,
    agent_id: str,
    controller_port: int,
    agent_port: int,
    deploy: Path | None,
    start_timeout: float,
    stop_grace: float,
    log_level: str,
) -> None:
    """Run a Cockpit, a Controller and one Agent on loopback until SIGINT (Ctrl-C) or SIGTERM.

    Prints the Cockpit's URL (the JOC API is under /joc/api; it is up when /joc/api/authentication/login
    answers), the account and where the certificates are. If any of them ends by itself, the others are
    stopped and the exit code is 1.
    """
    first_start = prepare(data, controller_id, agent_id)
    if first_start:
        click.echo(f"Created {data} with a CA, certificates and configs", err=True)
        if admin_password is None:
            admin_password = secrets.token_urlsafe(12)
            click.echo(f"Account root, password {admin_password} (generated; change it)")
    existing = _configured_controller(data)
    if existing != controller_id:
        raise click.UsageError(f"{data} holds the Controller {existing!r}; give --controller-id {existing}")
    ports = (port or free_port(), controller_port or free_port(), agent_port or free_port())
    layout = Layout(
        data, controller_id, agent_id, ports, plain_http, admin_password, database_url, log_level,
        deploy=deploy if first_start else None, syslog_port=free_port(),
    )  # fmt: skip
    agent_environment = _agent_environment(deploy)
    run_until_stopped(lambda stop: _run(layout, agent_environment, (start_timeout, stop_grace), stop))


def _agent_environment(deploy: Path | None) -> dict[str, str] | None:
    if deploy is None:
        return None
    paths = [str(path.resolve()) for path in python_folders(deploy)]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)} if paths else None


def _configured_controller(data: Path) -> str | None:
    for folder in sorted(data.iterdir()):
        config = folder / "node.toml"
        if config.exists() and "[controller]" in config.read_text(encoding="utf-8"):
            return folder.name
    return None


async def _run(
    layout: Layout,
    agent_environment: dict[str, str] | None,
    timeouts: tuple[float, float],
    stop: asyncio.Event,
) -> None:
    agent_arguments = _node_arguments(layout, layout.agent, layout.ports[2])
    agent = await _spawn(layout.agent, "agent", agent_arguments, agent_environment)
    children = [agent]
    try:
        controller_arguments = [
            *_node_arguments(layout, layout.controller, layout.ports[1]),
            "--agent",
            f"{layout.agent}={layout.agent_url}",
        ]
        children.append(await _spawn(layout.controller, "controller", controller_arguments))
        children.append(await _spawn(COCKPIT, "cockpit", _cockpit_arguments(layout)))
        health = asyncio.ensure_future(_wait_until_healthy(layout, children, timeouts[0]))
        await until_first(stop.wait(), asyncio.shield(health))
        if stop.is_set():
            health.cancel()
            return
        await health  # raises when a node failed to start
        if layout.deploy is not None:
            await _deploy(layout)
        _print_addresses(layout)
        ended = [asyncio.ensure_future(_ended(child)) for child in children]
        await until_first(stop.wait(), *(asyncio.shield(task) for task in ended))
        finished = [task.result() for task in ended if task.done()]
        if finished and not stop.is_set():
            raise click.ClickException(finished[0])
    finally:
        await asyncio.gather(*(child.stop(timeouts[1]) for child in children))


def _print_addresses(layout: Layout) -> None:
    click.echo(f"Cockpit: {layout.cockpit_url} (JOC API {layout.cockpit_url}/joc/api)")
    click.echo("Account: root")
    click.echo(f"Controller {layout.controller}: {layout.controller_url}")
    click.echo(f"Agent {layout.agent}: {layout.agent_url}")
    click.echo(f"CA certificate: {layout.data / 'ca' / 'ca.pem'}")
    click.echo(
        f"Client certificate for the Controller's API: {layout.data / COCKPIT / 'node.pem'} (key node-key.pem)"
    )
    click.echo("Stop with Ctrl-C", err=True)


def _node_arguments(layout: Layout, name: str, port: int) -> list[str]:
    config = str(layout.data / name / "node.toml")
    arguments = ["--config", config, "--port", str(port), "--log-level", layout.log_level]
    if layout.syslog_port:
        arguments += ["--syslog", layout.syslog_target]
    return arguments


def _cockpit_arguments(layout: Layout) -> list[str]:
    arguments = [
        "--data",
        str(layout.data / COCKPIT),
        "--port",
        str(layout.ports[0]),
        "--ca",
        str(layout.data / "ca" / "ca.pem"),
        "--controller",
        f"{layout.controller}={layout.controller_url}",
        "--log-level",
        layout.log_level,
    ]
    if layout.syslog_port:
        arguments += ["--syslog-port", str(layout.syslog_port)]
    if layout.plain_http:
        arguments.append("--http")
    if layout.admin_password is not None:
        arguments += ["--admin-password", layout.admin_password]
    if layout.database_url is not None:
        arguments += ["--database-url", layout.database_url]
    return arguments


async def _deploy(layout: Layout) -> None:
    assert layout.deploy is not None and layout.admin_password is not None
    context = None if layout.plain_http else _client_context(layout.data, layout.controller)
    try:
        count = await deploy_folder(
            layout.cockpit_url, context, layout.admin_password, layout.deploy, layout.controller
        )
    except (DeployFailed, aiohttp.ClientError) as error:
        click.echo(f"Deploying {layout.deploy} failed: {error}", err=True)
        return
    click.echo(f"Deployed {count} inventory objects of {layout.deploy} to {layout.controller}")


async def _spawn(
    name: str, role: str, arguments: Sequence[str], environment: dict[str, str] | None = None
) -> Child:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "stellwerk", role, *arguments,
        stdin=asyncio.subprocess.DEVNULL, process_group=0, env=environment,
    )  # fmt: skip
    return Child(f"{role} {name}", process)


async def _ended(child: Child) -> str:
    return f"The {child.name} ended with exit code {await child.ended()}"


async def _wait_until_healthy(layout: Layout, children: list[Child], seconds: float) -> None:
    # The Controller's API accepts the Cockpit's certificate, the Agent's accepts the Controller's; the Cockpit
    # answers its login without a client certificate.
    data = layout.data
    checks = [
        (layout.controller_url, "/controller/api/health", _client_context(data, COCKPIT)),
        (layout.agent_url, "/agent/api/health", _client_context(data, layout.controller)),
    ]
    try:
        async with asyncio.timeout(seconds):
            for url, path, context in checks:
                await _wait_for_answer(url, path, context, children)
            await _wait_for_cockpit(layout, children)
    except TimeoutError:
        raise click.ClickException(f"The nodes did not answer within {seconds:g} s") from None


def _client_context(data: Path, name: str) -> ssl.SSLContext:
    folder = data / name
    return client_context(folder / "node.pem", folder / "node-key.pem", data / "ca" / "ca.pem")


def _check_alive(children: list[Child]) -> None:
    for child in children:
        if child.process.returncode is not None:
            raise click.ClickException(f"The {child.name} ended with exit code {child.process.returncode}")


async def _wait_for_answer(url: str, path: str, context: ssl.SSLContext, children: list[Child]) -> None:
    async with NodeClient(url, ssl_context=context, retry=RetryPolicy(attempts=1), timeout=5.0) as client:
        while True:
            _check_alive(children)
            try:
                await client.get(path, dict)
                return
            except TransportError:
                await asyncio.sleep(HEALTH_POLL)


async def _wait_for_cockpit(layout: Layout, children: list[Child]) -> None:
    """Until the login answers (401 without credentials is an answer)."""
    context = None if layout.plain_http else _client_context(layout.data, layout.controller)
    async with NodeClient(
        layout.cockpit_url, ssl_context=context, retry=RetryPolicy(attempts=1), timeout=5.0
    ) as client:
        while True:
            _check_alive(children)
            try:
                await client.post("/joc/api/authentication/login", None, dict)
                return
            except HttpError:
                return
            except TransportError:
                await asyncio.sleep(HEALTH_POLL)
