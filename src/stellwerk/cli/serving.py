"""What `stellwerk controller` and `stellwerk agent` share: their options, loading the config (exit code 2 on a bad
one), structured log lines on stderr (cli/log_lines.py) (and warnings to a syslog receiver with `--syslog`), and
running a service until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import ssl
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from stellwerk.agent.service import AgentStartFailed
from stellwerk.cli.log_lines import DEFAULT_BACKUPS, DEFAULT_MAX_BYTES, LOG_FORMATS, LogFormat, log_handlers
from stellwerk.cli.syslog import SyslogHandler, SyslogTarget, target_option
from stellwerk.config.services import Overrides
from stellwerk.config.source import ConfigError
from stellwerk.controller.service import ControllerStartFailed
from stellwerk.journal.halt import ServiceHalted
from stellwerk.transport.server import InsecureBindRefused, ServerStartFailed

Config = TypeVar("Config")
Command = TypeVar("Command", bound=Callable[..., Any])

LOG_LEVELS = ("debug", "info", "warning", "error")
# What may go wrong while a service starts, for a reason its message explains (no traceback needed).
START_FAILURES = (
    ControllerStartFailed,
    ServiceHalted,
    AgentStartFailed,
    ServerStartFailed,
    InsecureBindRefused,
    OSError,
    ssl.SSLError,
)


class ConfigUnusable(click.ClickException):
    """The config file (or an override) cannot be used: exit code 2, as for a wrong option."""

    exit_code = 2


def configure_logging(
    level: str,
    syslog: tuple[SyslogTarget, str, str] | None = None,
    *,
    node: str | None = None,
    log_format: LogFormat = "logfmt",
    log_file: Path | None = None,
) -> None:
    """Log lines on stderr (and in `log_file`), naming `node`; with `syslog` (target, app name, node id)
    warnings and errors go there too."""
    root = logging.getLogger()
    root.handlers[:] = log_handlers(node, log_format, log_file, stream=sys.stderr)
    if syslog is not None:
        root.addHandler(SyslogHandler(*syslog))
    root.setLevel(level.upper())


log_format_option = click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default="logfmt",
    show_default=True,
    help="Log lines as logfmt (key=value, for people and grep) or as JSON objects (for log shippers).",
)
log_file_option = click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Also log into this file, rotated at {DEFAULT_MAX_BYTES // 2**20} MB ({DEFAULT_BACKUPS} kept).",
)


def log_options(command: Command) -> Command:
    """--log-format and --log-file, which the Controller, Agent and Subagent commands have."""
    return log_format_option(log_file_option(command))


def service_options(command: Command) -> Command:
    """The options every service command has, in the order `--help` shows them."""
    options = [
        click.option(
            "--config",
            "config_file",
            required=True,
            type=click.Path(dir_okay=False, path_type=Path),
            help="The node's TOML file (as `stellwerk init` writes it). Environment variables "
            "STELLWERK_<SECTION>__<KEY> override its keys, e.g. STELLWERK_HTTP__PORT=5000.",
        ),
        click.option(
            "--data",
            type=click.Path(file_okay=False, path_type=Path),
            help="Data directory (the journal lives here); overrides [data] directory.",
        ),
        click.option("--host", help="Address to listen on; overrides [http] host (default 127.0.0.1)."),
        click.option(
            "--port",
            type=click.IntRange(0, 65535),
            help="Port to listen on (0: any free one); overrides [http] port.",
        ),
        click.option(
            "--insecure",
            is_flag=True,
            help="Plain HTTP without TLS and without client certificates; refused unless the host is loopback.",
        ),
        click.option(
            "--log-level",
            type=click.Choice(LOG_LEVELS),
            default="info",
            show_default=True,
            help="Least level logged.",
        ),
        click.option(
            "--syslog",
            metavar="udp://HOST:PORT|tcp://HOST:PORT",
            callback=target_option,
            help="Also send warnings and errors there as syslog (RFC 5424), e.g. to the Cockpit's "
            "Log Notification service.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return log_options(command)


def overrides_of(
    data: Path | None,
    host: str | None,
    port: int | None,
    insecure: bool,
    agents: dict[str, str] | None = None,
) -> Overrides:
    return Overrides(data_directory=data, host=host, port=port, insecure=insecure, agents=agents or {})


def load(loader: Callable[[Path, Overrides], Config], path: Path, overrides: Overrides) -> Config:
    try:
        return loader(path, overrides)
    except ConfigError as error:
        raise ConfigUnusable(str(error)) from None


def freeze_started_heap() -> None:
    """Once a node serves (its state recovered): what lives now, the modules and the recovered state, is taken
    out of the cyclic garbage collector's sight, so that its full collections scan only what came later. In
    bench/throughput.py, the Controller's and the Agent's full collections took 25-30 ms each, then about 7 ms: a
    pause every order waiting at that moment would have."""
    gc.freeze()


def run_until_stopped(service: Callable[[asyncio.Event], Coroutine[Any, Any, None]]) -> None:
    """Runs `service(stop)`; SIGINT or SIGTERM sets `stop`. A failed start is a message and exit code 1."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, stop.set)
        await service(stop)

    try:
        asyncio.run(main())
    except START_FAILURES as error:
        raise click.ClickException(str(error)) from None
    except ExceptionGroup as group:
        failures = group.subgroup(START_FAILURES)
        if failures is None:
            raise
        raise click.ClickException("; ".join(str(error) for error in failures.exceptions)) from None


async def until_first(*waits: Awaitable[Any]) -> None:
    """Returns when the first of `waits` returns; cancels the others."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
