"""`stellwerk controller`: the Controller as a service, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import click

from stellwerk.cli.serving import configure_logging, load, overrides_of, run_until_stopped, service_options
from stellwerk.cli.syslog import SyslogTarget
from stellwerk.config.services import load_controller_config
from stellwerk.controller.config import ControllerConfig
from stellwerk.controller.service import ControllerService

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
def controller_command(
    config_file: Path,
    data: Path | None,
    host: str | None,
    port: int | None,
    insecure: bool,
    log_level: str,
    syslog: SyslogTarget | None,
    agents: dict[str, str],
) -> None:
    """Run the Controller until SIGINT or SIGTERM (Ctrl-C).

    The Controller keeps its journal in the data directory, serves its API (/controller/api) with mutual TLS
    to the client certificates in [peers] allowed-subjects, and drives the Agents of [agents] and of the
    AgentRef items. It prints the URL it listens on to stderr and logs one line per record there.
    A config that cannot be used ends it with exit code 2, a failed start with exit code 1.
    """
    config = load(load_controller_config, config_file, overrides_of(data, host, port, insecure, agents))
    configure_logging(log_level, None if syslog is None else (syslog, "controller", config.controller_id))
    run_until_stopped(lambda stop: _serve(config, stop))


async def _serve(config: ControllerConfig, stop: asyncio.Event) -> None:
    async with ControllerService.start(config) as service:
        click.echo(f"Controller {config.controller_id} listening on {service.url}", err=True)
        logger.info("Controller %s started, data in %s", config.controller_id, config.data_directory)
        await stop.wait()
        logger.info("Controller %s stopping", config.controller_id)
    logger.info("Controller %s stopped", config.controller_id)
