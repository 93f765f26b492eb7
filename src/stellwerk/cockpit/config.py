"""What a Cockpit needs to run: its data directory, its database, how long sessions live, how many failed logins
block an account, how large a request may be, the client certificate it shows Controllers, where it receives
the syslog messages of Controllers and Agents, and how the Monitor notifies."""

from __future__ import annotations

from pathlib import Path

import msgspec

from stellwerk.cockpit.db.session import default_url
from stellwerk.cockpit.services.monitor.settings import MonitorSettings

MINUTE_MS = 60_000


class ControllerTls(msgspec.Struct, frozen=True, kw_only=True):
    """The Cockpit's client certificate for Controllers' APIs and the CA it trusts them by."""

    certificate: Path
    key: Path
    ca: Path


class CockpitConfig(msgspec.Struct, frozen=True, kw_only=True):
    """A Cockpit's settings; `database_url` None means the embedded SQLite file in the data directory."""

    data_directory: Path
    database_url: str | None = None
    session_timeout_ms: int = 30 * MINUTE_MS
    block_after_failed_logins: int = 5
    max_body_bytes: int = 4 * 1024 * 1024
    max_upload_bytes: int = 64 * 1024 * 1024
    controller_tls: ControllerTls | None = None
    # Controllers registered (standalone nodes) at every start, e.g. by `stellwerk standalone`: (id, URL).
    controllers: tuple[tuple[str, str], ...] = ()
    # JOC's security level of deployments (NONE, LOW, MEDIUM, HIGH), set at every start when given, as JOC
    # reads it from joc.properties; otherwise the level stored in the database stays (NONE at first).
    security_level: str | None = None
    # The Log Notification service's syslog port (UDP and TCP; 0: a free one), None: it does not listen.
    syslog_port: int | None = None
    syslog_host: str = "127.0.0.1"
    system_notifications_kept: int = 1000  # the latest received warnings and errors kept in memory
    # The Monitor's notifiers (mail, webhook, command) and when a Controller counts as lost.
    monitor: MonitorSettings = MonitorSettings()

    @property
    def database(self) -> str:
        return self.database_url or default_url(self.data_directory)
