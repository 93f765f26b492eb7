"""`stellwerk controller`: the Controller as a service, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import click
import msgspec

from stellwerk.cli.cluster_options import cluster_options, cluster_setting
from stellwerk.cli.log_lines import LogFormat
from stellwerk.cli.serving import (
    configure_logging,
    freeze_started_heap,
    load,
    overrides_of,
    run_until_stopped,
    service_options,
    until_first,
)
from stellwerk.cli.syslog import SyslogTarget
from stellwerk.config.services import load_controller_config
from stellwerk.controller.cluster_node import run_cluster_node
from stellwerk.controller.config import ControllerConfig
from stellwerk.controller.service import ControllerService
from stellwerk.transport import node_process

logger = logging.getLogger("stellwerk.cli.controller")


def _parse_agents(
    _context: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    agents: dict[str, str] = {}
    for value in values:
        name, separator, uri = value.partition("=")
        if not separator or not name or not uri.startswith(("https://", "http://")):
            raise click.BadParameter(f"{value!r} is not NAME=URI (e.g. agentA=https://127.0.0.1:4445)")
        agents[name] = uri
    return agents


@click.command("controller")
@service_options
@click.option(
    "--agent",
    "agents",
    multiple=True,
    metavar="NAME=URI",
    callback=_parse_agents,
    help="An Agent to drive and where it listens; adds to (or replaces an entry of) [agents]. Repeatable.",
)
@cluster_options("Controller", "an Agent")
def controller_command(
    config_file: Path,
    data: Path | None,
    host: str | None,
    port: int | None,
    insecure: bool,
    log_level: str,
    syslog: SyslogTarget | None,
    log_format: LogFormat,
    log_file: Path | None,
    agents: dict[str, str],
    cluster_node: str | None,
    cluster_peer: str | None,
    cluster_peer_subject: tuple[str, ...],
    cluster_timing: str,
) -> None:
    """Run the Controller until SIGINT or SIGTERM (Ctrl-C).

    The Controller keeps its journal in the data directory, serves its API (/controller/api) with mutual TLS
    to the client certificates in [peers] allowed-subjects, and drives the Agents of [agents] and of the
    AgentRef items. It prints the URL it listens on to stderr and logs one line per record there.
    A config that cannot be used ends it with exit code 2, a failed start with exit code 1.

    With --cluster it is one node of a cluster of two: the active node serves the API, the passive one follows
    its journal and takes over when the Cluster Watch (the Cockpit) consents.
    """
    config = load(load_controller_config, config_file, overrides_of(data, host, port, insecure, agents))
    config = msgspec.structs.replace(config, log_file=log_file)
    if cluster_node is not None:
        config = msgspec.structs.replace(
            config,
            cluster=cluster_setting(
                cluster_node,
                cluster_peer,
                cluster_peer_subject,
                cluster_timing,
                None if config.tls is None else config.tls.cert,
                "/controller/api",
            ),
        )
    node = config.controller_id if cluster_node is None else f"{config.controller_id}/{cluster_node}"
    configure_logging(
        log_level,
        None if syslog is None else (syslog, "controller", config.controller_id),
        node=node,
        log_format=log_format,
        log_file=log_file,
    )
    run_until_stopped(lambda stop: _serve(config, stop))
    node_process.restart_if_asked()


async def _serve(config: ControllerConfig, stop: asyncio.Event) -> None:
    if config.cluster is not None:
        await _serve_cluster_node(config, stop)
        return
    async with ControllerService.start(config) as service:
        click.echo(f"Controller {config.controller_id} listening on {service.url}", err=True)
        freeze_started_heap()
        logger.info("Controller %s started, data in %s", config.controller_id, config.data_directory)
        await until_first(stop.wait(), service.halted.wait())
        if service.halted.is_set():
            await service.until_halted()
        logger.info("Controller %s stopping", config.controller_id)
    logger.info("Controller %s stopped", config.controller_id)


async def _serve_cluster_node(config: ControllerConfig, stop: asyncio.Event) -> None:
    assert config.cluster is not None
    node = config.cluster.node_id

    def listening(url: str) -> None:
        click.echo(f"Controller {config.controller_id} ({node} cluster node) listening on {url}", err=True)
        freeze_started_heap()

    await run_cluster_node(config, stop, on_listening=listening)
    logger.info("Controller %s (%s cluster node) stopped", config.controller_id, node)
