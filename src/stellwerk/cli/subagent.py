"""`stellwerk subagent`: a remote Subagent that runs the job processes its Directors send it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import click

from stellwerk.agent.config import TlsFiles
from stellwerk.agent.subagent.config import SubagentConfig
from stellwerk.agent.subagent.service import SubagentService
from stellwerk.cli.log_lines import LogFormat
from stellwerk.cli.serving import configure_logging, log_options, run_until_stopped

logger = logging.getLogger("stellwerk.cli.subagent")

_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("subagent")
@click.option(
    "--id", "subagent_id", required=True, help="The SubagentId (of its SubagentItem, or unique in a pool)."
)
@click.option(
    "--data", type=click.Path(file_okay=False, path_type=Path), required=True, help="Work directory."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=int, default=0, show_default=True, help="0 takes a free port.")
@click.option("--cert", type=_file, help="The Subagent's certificate (PEM), issued by the CA.")
@click.option("--key", type=_file, help="Its private key (PEM).")
@click.option("--ca", type=_file, help="The CA that issued the Directors' certificates.")
@click.option(
    "--allow-director", "allowed", multiple=True, help="A Director's certificate subject DN (repeatable)."
)
@click.option("--pool", help="Join this elastic pool when its Director asks.")
@click.option(
    "--token", envvar="STELLWERK_ENROLMENT_TOKEN", help="The pool's enrolment token (or the env var)."
)
@click.option("--uri", help="The address Directors reach this Subagent at (default: where it listens).")
@click.option("--insecure", is_flag=True, help="Plain HTTP on a loopback address (tests only).")
@click.option(
    "--heartbeat", type=float, default=3.0, show_default=True, help="Seconds between heartbeat lines."
)
@click.option(
    "--drain-grace",
    type=float,
    default=5.0,
    show_default=True,
    help="Seconds a drained Subagent waits to stop.",
)
@click.option("--log-level", default="info", show_default=True, help="debug, info, warning or error.")
@log_options
def subagent_command(
    subagent_id: str,
    data: Path,
    host: str,
    port: int,
    cert: Path | None,
    key: Path | None,
    ca: Path | None,
    allowed: tuple[str, ...],
    pool: str | None,
    token: str | None,
    uri: str | None,
    insecure: bool,
    heartbeat: float,
    drain_grace: float,
    log_level: str,
    log_format: LogFormat,
    log_file: Path | None,
) -> None:
    """Run a Subagent until SIGINT or SIGTERM, which drain it: it takes no new process, lets the running ones
    finish, then stops (scale-in). It prints the URL it listens on to stderr."""
    tls = None
    if cert is not None and key is not None and ca is not None:
        tls = TlsFiles(cert=cert, key=key, ca=ca)
    elif not insecure:
        raise click.UsageError("Give --cert, --key and --ca (mutual TLS), or --insecure")
    config = SubagentConfig(
        id=subagent_id,
        data_directory=data,
        host=host,
        port=port,
        tls=tls,
        insecure=insecure,
        allowed_director_subjects=allowed,
        pool=pool,
        enrolment_token=token,
        uri=uri,
        heartbeat=heartbeat,
        drain_grace=drain_grace,
    )
    configure_logging(log_level, node=subagent_id, log_format=log_format, log_file=log_file)
    run_until_stopped(lambda stop: _serve(config, stop))


async def _serve(config: SubagentConfig, stop: asyncio.Event) -> None:
    async with SubagentService.start(config) as subagent:
        click.echo(f"Subagent {config.id} listening on {subagent.url}", err=True)
        await stop.wait()
        logger.info("Subagent %s draining (%d processes)", config.id, subagent.process_count)
        await subagent.drain()
    logger.info("Subagent %s stopped", config.id)
