"""What a Cockpit needs to run: its data directory, its database, how long sessions live, how many failed logins
block an account, how large a request may be, the client certificate it shows Controllers, where it receives
the syslog messages of Controllers and Agents, how the Monitor notifies, and its place in the Cockpit cluster."""

from __future__ import annotations

import hashlib
import socket
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
    # The Cockpit cluster (several Cockpits on one database, one runs the services; see services/cluster):
    # this member's id (default: the host and the data directory), the URL shown for it, how often it
    # heartbeats and after how long without the active member's heartbeat a standby takes over.
    member_id: str | None = None
    member_url: str = ""
    heartbeat_ms: int = 2000
    takeover_ms: int = 6000
    # How often the active member delivers deployments that found their Controller unreachable.
    pending_deployment_period_ms: int = 30_000

    @property
    def member(self) -> str:
        if self.member_id:
            return self.member_id
        where = hashlib.sha256(str(self.data_directory.resolve()).encode()).hexdigest()[:12]
        return f"{socket.gethostname()[:100]}:{where}"

    @property
    def database(self) -> str:
        return self.database_url or default_url(self.data_directory)
