"""`stellwerk cockpit`: the Cockpit (JOC REST API on its database) as a service, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import ssl
from pathlib import Path

import click

from stellwerk.cli.log_lines import LogFormat
from stellwerk.cli.serving import LOG_LEVELS, configure_logging, log_format_option, run_until_stopped
from stellwerk.cockpit.config import CockpitConfig, ControllerTls
from stellwerk.cockpit.service import browser_context, run_cockpit
from stellwerk.cockpit.services.monitor.settings import MonitorSettings, SettingsError, read_settings
from stellwerk.cockpit.services.signing import LEVELS

logger = logging.getLogger("stellwerk.cli.cockpit")


def controller_tls(folder: Path, ca: Path) -> ControllerTls | None:
    """The Cockpit's node certificate (as `stellwerk init` writes it) for Controllers' APIs, if there is one."""
    certificate, key = folder / "node.pem", folder / "node-key.pem"
    if certificate.exists() and key.exists() and ca.exists():
        return ControllerTls(certificate=certificate, key=key, ca=ca)
    return None


def _parse_controllers(
    _context: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    parsed = []
    for value in values:
        controller_id, separator, url = value.partition("=")
        if not separator or not controller_id or not url.startswith(("https://", "http://")):
            raise click.BadParameter(f"{value!r} is not ID=URL (e.g. controller=https://127.0.0.1:4444)")
        parsed.append((controller_id, url))
    return tuple(parsed)


@click.command("cockpit")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Data directory: the embedded SQLite database lives here.",
)
@click.option(
    "--database-url",
    envvar="STELLWERK_COCKPIT_DATABASE_URL",
    help="SQLAlchemy URL of the database (postgresql+psycopg://…, mysql+asyncmy://…); default: SQLite in DATA.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=4446, show_default=True, help="Port (0: a free one)."
)
@click.option(
    "--http",
    "plain_http",
    is_flag=True,
    help="Serve plain HTTP instead of HTTPS; refused unless the host is loopback.",
)
@click.option(
    "--certificate",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The server certificate (PEM) for HTTPS; default DATA/node.pem.",
)
@click.option(
    "--key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Its private key (PEM); default DATA/node-key.pem.",
)
@click.option(
    "--ca",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The CA that issued the Controllers' certificates; default DATA/../ca/ca.pem.",
)
@click.option(
    "--client-ca",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A CA whose client certificates log in without a password (the account is the certificate's common "
    "name and must exist in the internal identity service); HTTPS only.",
)
@click.option(
    "--admin-password",
    envvar="STELLWERK_ADMIN_PASSWORD",
    help="Password of the account root (set on every start); without it a first start generates one.",
)
@click.option(
    "--session-timeout",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Minutes a session lives without use.",
)
@click.option(
    "--controller",
    "controllers",
    multiple=True,
    metavar="ID=URL",
    callback=_parse_controllers,
    help="A standalone Controller to register at start (replacing its registration). Repeatable.",
)
@click.option(
    "--security-level",
    type=click.Choice(LEVELS),
    default=None,
    help="JOC's security level of deployments, kept from then on: NONE (unsigned), LOW (the Cockpit's key), "
    "MEDIUM (each account's key) or HIGH (signed outside the Cockpit).",
)
@click.option(
    "--syslog-port",
    type=click.IntRange(0, 65535),
    help="Receive the syslog messages (UDP and TCP) of Controllers and Agents on this port of --syslog-host and "
    "show their warnings and errors as system notifications (0: a free port).",
)
@click.option(
    "--syslog-host", default="127.0.0.1", show_default=True, help="Address the syslog receiver listens on."
)
@click.option(
    "--monitor-config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="TOML file of the Monitor's notifiers ([[mail]], [[webhooks]], [[commands]]) and settings.",
)
@click.option(
    "--member-id",
    help="This Cockpit's id in the Cockpit cluster (Cockpits on one database); default: host and DATA.",
)
@click.option("--member-url", default="", help="The URL shown for this member in the Cockpit cluster.")
@click.option(
    "--heartbeat",
    type=click.FloatRange(min=0.05),
    default=2.0,
    show_default=True,
    help="Seconds between heartbeats of this Cockpit cluster member.",
)
@click.option(
    "--takeover-timeout",
    type=click.FloatRange(min=0.2),
    default=6.0,
    show_default=True,
    help="Seconds without a heartbeat of the active Cockpit after which a standby takes its services over.",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS),
    default="info",
    show_default=True,
    help="Least level logged.",
)
@log_format_option
def cockpit_command(
    data: Path,
    database_url: str | None,
    host: str,
    port: int,
    plain_http: bool,
    certificate: Path | None,
    key: Path | None,
    ca: Path | None,
    client_ca: Path | None,
    admin_password: str | None,
    session_timeout: int,
    controllers: tuple[tuple[str, str], ...],
    security_level: str | None,
    syslog_port: int | None,
    syslog_host: str,
    monitor_config: Path | None,
    member_id: str | None,
    member_url: str,
    heartbeat: float,
    takeover_timeout: float,
    log_level: str,
    log_format: LogFormat,
) -> None:
    """Run the Cockpit: the JOC-compatible REST API under /joc/api on its database.

    It migrates the database on start and creates the account root (with the --admin-password, or a generated
    one that it prints and that must be changed at the first login). It prints its URL to stderr.
    """
    if takeover_timeout <= heartbeat:
        raise click.BadParameter("must be longer than --heartbeat", param_hint="--takeover-timeout")
    config = CockpitConfig(
        data_directory=data,
        database_url=database_url,
        session_timeout_ms=session_timeout * 60_000,
        controller_tls=controller_tls(data, ca or data.parent / "ca" / "ca.pem"),
        controllers=controllers,
        security_level=security_level,
        syslog_port=syslog_port,
        syslog_host=syslog_host,
        monitor=_monitor_settings(monitor_config),
        member_id=member_id,
        member_url=member_url,
        heartbeat_ms=round(heartbeat * 1000),
        takeover_ms=round(takeover_timeout * 1000),
    )
    # The log is also in DATA/logs/joc.log (rotated), which `/joc/api/joc/log` serves.
    configure_logging(
        log_level, node=config.member, log_format=log_format, log_file=data / "logs" / "joc.log"
    )
    tls = None
    if not plain_http:
        certificate, key = certificate or data / "node.pem", key or data / "node-key.pem"
        if not certificate.exists() or not key.exists():
            raise click.UsageError(f"HTTPS needs {certificate} and {key}; give --certificate/--key or --http")
        tls = browser_context(certificate, key, client_ca)
    run_until_stopped(lambda stop: _serve(config, host, port, tls, admin_password, stop))


def _monitor_settings(path: Path | None) -> MonitorSettings:
    if path is None:
        return MonitorSettings()
    try:
        return read_settings(path.read_text())
    except SettingsError as error:
        raise click.BadParameter(f"{path}: {error}", param_hint="--monitor-config") from None


async def _serve(
    config: CockpitConfig,
    host: str,
    port: int,
    tls: ssl.SSLContext | None,
    admin_password: str | None,
    stop: asyncio.Event,
) -> None:
    async with run_cockpit(config, host, port, tls=tls, admin_password=admin_password) as running:
        click.echo(f"Cockpit listening on {running.url}/joc/api", err=True)
        if running.generated_password:
            click.echo(f"Initial account: root, password {running.generated_password} (change it)", err=True)
        await stop.wait()
