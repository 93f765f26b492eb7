"""The settings of one remote Subagent."""

from __future__ import annotations

from pathlib import Path

import msgspec

from stellwerk.agent.config import TlsFiles


class SubagentConfig(msgspec.Struct, frozen=True, kw_only=True):
    """One Subagent process.

    - `id` is its SubagentId; for a configured Subagent the one of its SubagentItem, for an elastic pool member
      any unique name (the Director lists it under it).
    - Either `tls` (mutual TLS; `allowed_director_subjects` lists the Directors' certificate subjects) or
      `insecure=True` (plain HTTP, loopback only).
    - `pool` and `enrolment_token`: this Subagent joins that elastic pool when a Director of the pool asks
      (the Director opens every connection; see docs in agent/director/pool.py).
    - `uri` is the address Directors reach this Subagent at directly (default: the one it listens on).
    - `heartbeat` is the interval of heartbeat lines on a process stream.
    - `drain_grace`: a draining Subagent stays up (refusing new processes) this long after its last process
      ended, so that Directors learn of it by heartbeat instead of finding it gone.
    """

    id: str
    data_directory: Path
    host: str = "127.0.0.1"
    port: int = 0
    tls: TlsFiles | None = None
    insecure: bool = False
    allowed_director_subjects: tuple[str, ...] = ()
    pool: str | None = None
    enrolment_token: str | None = None
    uri: str | None = None
    executables_directory: Path | None = None
    heartbeat: float = 3.0
    drain_grace: float = 5.0
    shutdown_grace: float = 5.0

    @property
    def work_directory(self) -> Path:
        return self.data_directory / "work"
