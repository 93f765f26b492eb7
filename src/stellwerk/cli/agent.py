"""`stellwerk agent`: an Agent as a service, until SIGINT, SIGTERM or the Controller's ShutDown."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import click

from stellwerk.agent.config import AgentConfig
from stellwerk.agent.service import AgentService
from stellwerk.cli.serving import (
    configure_logging,
    load,
    overrides_of,
    run_until_stopped,
    service_options,
    until_first,
)
from stellwerk.cli.syslog import SyslogTarget
from stellwerk.config.services import load_agent_config

logger = logging.getLogger("stellwerk.cli.agent")


@click.command("agent")
@service_options
def agent_command(
    config_file: Path,
    data: Path | None,
    host: str | None,
    port: int | None,
    insecure: bool,
    log_level: str,
    syslog: SyslogTarget | None,
) -> None:
    """Run an Agent until SIGINT or SIGTERM (Ctrl-C), or until its Controller sends ShutDown.

    The Agent keeps its journal and the jobs' work files in the data directory and serves its API
    (/agent/api) with mutual TLS to the Controller certificates in [peers] allowed-subjects. On stop it
    kills its running job processes (they run again after a restart, unless not restartable). It prints
    the URL it listens on to stderr and logs one line per record there. A config that cannot be used ends
    it with exit code 2, a failed start with exit code 1.
    """
    config = load(load_agent_config, config_file, overrides_of(data, host, port, insecure))
    configure_logging(log_level, None if syslog is None else (syslog, "agent", config.name))
    run_until_stopped(lambda stop: _serve(config, stop))


async def _serve(config: AgentConfig, stop: asyncio.Event) -> None:
    async with AgentService.start(config) as agent:
        click.echo(f"Agent {config.name} listening on {agent.url}", err=True)
        logger.info("Agent %s started, data in %s", config.name, config.data_directory)
        await until_first(stop.wait(), agent.shutdown_requested())
        logger.info("Agent %s stopping", config.name)
    logger.info("Agent %s stopped", config.name)
