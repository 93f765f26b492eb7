"""`stellwerk agent`: an Agent as a service, until SIGINT, SIGTERM or the Controller's ShutDown."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from urllib.parse import urlsplit

import click
from msgspec.structs import replace

from stellwerk.agent.cluster_node import AGENT_API, run_agent_cluster_node
from stellwerk.agent.config import AgentConfig
from stellwerk.agent.service import AgentService, drop_journal
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
from stellwerk.cluster.setting import ClusterSetting
from stellwerk.cluster.watch import ClusterWatches
from stellwerk.config.services import load_agent_config
from stellwerk.transport.tls import client_context

logger = logging.getLogger("stellwerk.cli.agent")


@click.command("agent")
@service_options
@click.option(
    "--cluster-watch",
    "cluster_watch",
    multiple=True,
    metavar="URI",
    help="Be the Cluster Watch of the Controller cluster whose nodes listen here (give both, Primary first).",
)
@cluster_options("cluster Agent's Director", "the Controller")
def agent_command(
    config_file: Path,
    data: Path | None,
    host: str | None,
    port: int | None,
    insecure: bool,
    log_level: str,
    syslog: SyslogTarget | None,
    log_format: LogFormat,
    log_file: Path | None,
    cluster_watch: tuple[str, ...],
    cluster_node: str | None,
    cluster_peer: str | None,
    cluster_peer_subject: tuple[str, ...],
    cluster_timing: str,
) -> None:
    """Run an Agent until SIGINT or SIGTERM (Ctrl-C), or until its Controller sends ShutDown.

    The Agent keeps its journal and the jobs' work files in the data directory and serves its API
    (/agent/api) with mutual TLS to the Controller certificates in [peers] allowed-subjects. On stop it
    kills its running job processes (they run again after a restart, unless not restartable). It prints
    the URL it listens on to stderr and logs one line per record there. A config that cannot be used ends
    it with exit code 2, a failed start with exit code 1.

    With --cluster-watch (twice) it is also the Cluster Watch of a Controller cluster, calling its nodes with the
    Agent's certificate (the nodes must allow its subject: --cluster-peer-subject).

    With --cluster it is one of the two Directors of a cluster Agent: the active one runs the Agent, the passive
    one follows its journal and takes over when the Cluster Watch (the Controller, which knows both Directors'
    URIs) consents.
    """
    if cluster_watch and len(cluster_watch) != 2:
        raise click.BadParameter("give both nodes of the cluster", param_hint="--cluster-watch")
    config = load(load_agent_config, config_file, overrides_of(data, host, port, insecure))
    configure_logging(
        log_level,
        None if syslog is None else (syslog, "agent", config.name),
        node=config.name,
        log_format=log_format,
        log_file=log_file,
    )
    setting = None
    if cluster_node is not None:
        certificate = None if config.tls is None else config.tls.cert
        setting = cluster_setting(
            cluster_node, cluster_peer, cluster_peer_subject, cluster_timing, certificate, AGENT_API
        )
    run_until_stopped(lambda stop: _serve(config, stop, cluster_watch, setting))


async def _serve(
    config: AgentConfig,
    stop: asyncio.Event,
    cluster_watch: tuple[str, ...] = (),
    setting: ClusterSetting | None = None,
) -> None:
    tls = config.tls
    watches = ClusterWatches(None if tls is None else client_context(tls.cert, tls.key, tls.ca))
    if cluster_watch:
        watches.follow("cluster", cluster_watch)
    try:
        if setting is None:
            await _serve_agent(config, stop)
        else:
            await _serve_cluster_node(config, setting, stop)
    finally:
        await watches.close()


async def _serve_cluster_node(config: AgentConfig, setting: ClusterSetting, stop: asyncio.Event) -> None:
    def listening(url: str) -> None:
        click.echo(f"Agent {config.name} ({setting.node_id} Director) listening on {url}", err=True)
        freeze_started_heap()

    await run_agent_cluster_node(config, setting, stop, on_listening=listening)
    logger.info("Agent %s (%s Director) stopped", config.name, setting.node_id)


async def _serve_agent(config: AgentConfig, stop: asyncio.Event) -> None:
    """Serves until stopped; a reset by the Controller stops the Agent, drops its journal and starts it again
    on the same port."""
    while True:
        async with AgentService.start(config) as agent:
            click.echo(f"Agent {config.name} listening on {agent.url}", err=True)
            freeze_started_heap()
            logger.info("Agent %s started, data in %s", config.name, config.data_directory)
            waits = (agent.shutdown_requested(), agent.halted.wait(), agent.reset_requested())
            await until_first(stop.wait(), *waits)
            if agent.halted.is_set():
                await agent.until_halted()
            reset = agent.is_to_be_reset and not stop.is_set()
            config = replace(config, port=urlsplit(agent.url).port or config.port)
            logger.info("Agent %s stopping%s", config.name, " to be reset" if reset else "")
        if not reset:
            break
        drop_journal(config)
        logger.info("Agent %s reset: its journal is dropped", config.name)
    logger.info("Agent %s stopped", config.name)
