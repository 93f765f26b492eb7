"""The Controller's configuration: who it is, where it listens, whom it trusts, which Agents it drives."""

from __future__ import annotations

from pathlib import Path

import msgspec

from stellwerk.cluster.setting import ClusterSetting


class TlsFiles(msgspec.Struct, frozen=True, kw_only=True):
    """PEM files: the node's certificate (server and client use), its key, and the CA it trusts."""

    cert: Path
    key: Path
    ca: Path


class ControllerConfig(msgspec.Struct, frozen=True, kw_only=True):
    """`tls` or `insecure` (plain HTTP, loopback only). `agents` maps Agent paths to their URIs; AgentRef items
    added through the item API count too. `allowed_client_subjects` are the subject DNs (the Cockpit) that may
    call the API; `event_readers` are the user ids (certificate CNs) whose ReleaseEvents count for the journal.
    `release_events_period` is how often (seconds) Agent events are released after adoption (0 = at once).
    `trusted_certificates` are PEM files of the certificates that sign workflows and job resources: when there
    are any, the item API accepts those two kinds only as signed items (js7-reference §1.1). `cluster` makes the
    Controller one node of a cluster of two (cluster_node.py). `log_file` is where the node logs (`--log-file`),
    served at `GET /controller/api/log`."""

    controller_id: str = "stellwerk"
    data_directory: Path
    host: str = "127.0.0.1"
    port: int = 0
    tls: TlsFiles | None = None
    insecure: bool = False
    allowed_client_subjects: tuple[str, ...] = ()
    event_readers: tuple[str, ...] = ()
    agents: dict[str, str] = {}
    release_events_period: float = 5.0
    reconnect_delays: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 5.0)
    event_poll_timeout: float = 5.0
    trusted_certificates: tuple[Path, ...] = ()
    cluster: ClusterSetting | None = None
    log_file: Path | None = None
