"""The settings of one Agent service (js7-reference §6): who it is, where it keeps its journal, where it listens
and whom it serves."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec


class TlsFiles(msgspec.Struct, frozen=True, kw_only=True):
    """PEM files: the node's certificate and key, and the CA that issued the Controller's certificate."""

    cert: Path
    key: Path
    ca: Path


class PoolConfig(msgspec.Struct, frozen=True, kw_only=True):
    """An elastic pool of Subagents (agent/director/pool.py): jobs name it as their Subagent cluster.

    - `token`: the enrolment token its members are started with.
    - `addresses`: where the Director looks for members, typically one load balancer (or DNS) address in front
      of the pool; every discovery request is a new connection, so the balancer spreads them over the members.
    - `balance`: "round-robin", or "least-loaded" (the members running the fewest processes first).
    """

    name: str
    token: str
    addresses: tuple[str, ...]
    balance: Literal["round-robin", "least-loaded"] = "round-robin"


class AgentConfig(msgspec.Struct, frozen=True, kw_only=True):
    """One Agent (Director).

    - `name` is the Agent path the Controller knows it by ("agentA").
    - `port` 0 takes an ephemeral port (read `AgentService.url`).
    - Either `tls` (mutual TLS; `allowed_controller_subjects` lists the RFC 4514 subject DNs of the Controllers'
      client certificates) or `insecure=True` (plain HTTP, loopback only).
    - `process_limit` caps the processes of all jobs together (None: no cap); an attached AgentRef's
      processLimit caps them too, the smaller limit wins.
    - `file_watch_delay_unit` is the length in seconds of one unit of a FileWatch's integer `delay` (1.0, as in
      JS7); tests set a fraction to wait fractions of a second.
    - Remote Subagents (SubagentItems of this Agent, elastic `pools` members) are asked how they are every
      `subagent_heartbeat` seconds; one silent for `subagent_timeout` seconds takes no new process (a process
      stream silent that long is lost), and an elastic member silent that long has left its pool. The pools'
      addresses are asked for new members every `pool_discovery` seconds (each time a few TLS handshakes).
    """

    name: str
    data_directory: Path
    host: str = "127.0.0.1"
    port: int = 0
    tls: TlsFiles | None = None
    insecure: bool = False
    allowed_controller_subjects: tuple[str, ...] = ()
    executables_directory: Path | None = None
    process_limit: int | None = None
    file_watch_poll_interval: float = 1.0
    file_watch_delay_unit: float = 1.0
    file_watch_force_polling: bool = False
    shutdown_grace: float = 5.0
    pools: tuple[PoolConfig, ...] = ()
    subagent_heartbeat: float = 3.0
    subagent_timeout: float = 10.0
    pool_discovery: float = 5.0

    @property
    def journal_directory(self) -> Path:
        return self.data_directory / "journal"

    @property
    def work_directory(self) -> Path:
        return self.data_directory / "work"
