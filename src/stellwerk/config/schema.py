"""The sections and keys of a node's TOML file, as written by `stellwerk init` and extended by hand.

Keys are kebab-case, as in the files `stellwerk init` writes; every section is optional unless a service needs
it. Paths are strings here, relative to the config file; `services.py` resolves them.

    [node]      name, role                                       (written by init)
    [tls]       certificate, key, ca                             (written by init)
    [peers]     allowed-subjects                                 (written by init)
    [http]      host, port, insecure
    [data]      directory
    [controller] id, event-readers, release-events-period, reconnect-delays, event-poll-timeout   (Controller)
    [agents]    <agent name> = "<uri>"                                                             (Controller)
    [signing]   trusted-certificates                                                               (Controller)
    [agent]     executables-directory, process-limit, file-watch-poll-interval, file-watch-delay-unit,
                file-watch-force-polling, shutdown-grace, subagent-heartbeat, subagent-timeout,
                pool-discovery                                                                    (Agent)
    [agent.pools.<name>] token, addresses, balance  (an elastic pool of Subagents)                    (Agent)
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]
Seconds = Annotated[float, msgspec.Meta(ge=0)]


class _Section(msgspec.Struct, frozen=True, kw_only=True, rename="kebab", forbid_unknown_fields=True):
    pass


class NodeSection(_Section, frozen=True, kw_only=True):
    name: str
    role: Literal["controller", "agent", "cockpit"]


class TlsSection(_Section, frozen=True, kw_only=True):
    certificate: str
    key: str
    ca: str


class PeersSection(_Section, frozen=True, kw_only=True):
    allowed_subjects: tuple[str, ...] = ()


class HttpSection(_Section, frozen=True, kw_only=True):
    host: str = "127.0.0.1"
    port: Port | None = None
    insecure: bool = False


class DataSection(_Section, frozen=True, kw_only=True):
    directory: str = "data"


class ControllerSection(_Section, frozen=True, kw_only=True):
    id: str | None = None
    event_readers: tuple[str, ...] = ()
    release_events_period: Seconds = 5.0
    reconnect_delays: tuple[Seconds, ...] = (0.2, 0.5, 1.0, 2.0, 5.0)
    event_poll_timeout: Seconds = 5.0


class SigningSection(_Section, frozen=True, kw_only=True):
    trusted_certificates: tuple[str, ...] = ()


class PoolSection(_Section, frozen=True, kw_only=True):
    """An elastic pool of Subagents (agent.config.PoolConfig): `[agent.pools.<name>]`."""

    token: str
    addresses: tuple[str, ...]
    balance: Literal["round-robin", "least-loaded"] = "round-robin"


class AgentSection(_Section, frozen=True, kw_only=True):
    executables_directory: str | None = None
    process_limit: Annotated[int, msgspec.Meta(ge=1)] | None = None
    file_watch_poll_interval: Seconds = 1.0
    file_watch_delay_unit: Seconds = 1.0
    file_watch_force_polling: bool = False
    shutdown_grace: Seconds = 5.0
    subagent_heartbeat: Seconds = 3.0
    subagent_timeout: Seconds = 10.0
    pool_discovery: Seconds = 5.0
    pools: dict[str, PoolSection] = {}


class ControllerFile(_Section, frozen=True, kw_only=True):
    """A Controller's config file."""

    node: NodeSection
    tls: TlsSection | None = None
    peers: PeersSection = PeersSection()
    http: HttpSection = HttpSection()
    data: DataSection = DataSection()
    controller: ControllerSection = ControllerSection()
    agents: dict[str, str] = {}
    signing: SigningSection = SigningSection()


class AgentFile(_Section, frozen=True, kw_only=True):
    """An Agent's config file."""

    node: NodeSection
    tls: TlsSection | None = None
    peers: PeersSection = PeersSection()
    http: HttpSection = HttpSection()
    data: DataSection = DataSection()
    agent: AgentSection = AgentSection()


# Sections of any node's file: an environment override for a section that another kind of node has is
# ignored, so that a Controller and an Agent can share one environment.
KNOWN_SECTIONS = frozenset(
    {"node", "tls", "peers", "http", "data", "controller", "agents", "signing", "agent"}
)
