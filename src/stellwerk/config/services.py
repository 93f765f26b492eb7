"""The Controller's and the Agent's config structs from a node's TOML file, its environment overrides and
the command line's options (these win, then the environment, then the file). Paths in the file are relative
to the file; paths given on the command line are relative to the working directory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import msgspec

from stellwerk.agent.config import AgentConfig, PoolConfig
from stellwerk.agent.config import TlsFiles as AgentTlsFiles
from stellwerk.config.schema import AgentFile, ControllerFile, HttpSection, NodeSection, TlsSection
from stellwerk.config.source import ConfigError, read_node_file
from stellwerk.controller.config import ControllerConfig, TlsFiles
from stellwerk.controller.signed_items import load_trusted_certificates
from stellwerk.transport.server import is_loopback

DEFAULT_CONTROLLER_PORT = 4444
DEFAULT_AGENT_PORT = 4445


class Overrides(msgspec.Struct, frozen=True, kw_only=True):
    """What the command line sets over the file; None (or empty) leaves the file's value."""

    data_directory: Path | None = None
    host: str | None = None
    port: int | None = None
    insecure: bool = False
    agents: dict[str, str] = {}


class _Endpoint(NamedTuple):
    host: str
    port: int
    tls: TlsFiles | None


def load_controller_config(
    path: Path, overrides: Overrides | None = None, environ: Mapping[str, str] = os.environ
) -> ControllerConfig:
    """The Controller's config from its file; a ConfigError names the file or variable and the key path."""
    overrides = overrides or Overrides()
    file = read_node_file(path, ControllerFile, environ)
    _check_role(path, file.node, "controller")
    endpoint = _endpoint(path, file.http, file.tls, overrides, DEFAULT_CONTROLLER_PORT)
    section = file.controller
    return ControllerConfig(
        controller_id=section.id or file.node.name,
        data_directory=_data_directory(path, file.data.directory, overrides),
        host=endpoint.host,
        port=endpoint.port,
        tls=endpoint.tls,
        insecure=endpoint.tls is None,
        allowed_client_subjects=file.peers.allowed_subjects,
        event_readers=section.event_readers,
        agents={**file.agents, **overrides.agents},
        release_events_period=section.release_events_period,
        reconnect_delays=section.reconnect_delays or (1.0,),
        event_poll_timeout=section.event_poll_timeout,
        trusted_certificates=_trusted_certificates(path, file.signing.trusted_certificates),
    )


def load_agent_config(
    path: Path, overrides: Overrides | None = None, environ: Mapping[str, str] = os.environ
) -> AgentConfig:
    """The Agent's config from its file; a ConfigError names the file or variable and the key path."""
    overrides = overrides or Overrides()
    file = read_node_file(path, AgentFile, environ)
    _check_role(path, file.node, "agent")
    endpoint = _endpoint(path, file.http, file.tls, overrides, DEFAULT_AGENT_PORT)
    tls = endpoint.tls
    section = file.agent
    executables = section.executables_directory
    return AgentConfig(
        name=file.node.name,
        data_directory=_data_directory(path, file.data.directory, overrides),
        host=endpoint.host,
        port=endpoint.port,
        tls=None if tls is None else AgentTlsFiles(cert=tls.cert, key=tls.key, ca=tls.ca),
        insecure=tls is None,
        allowed_controller_subjects=file.peers.allowed_subjects,
        executables_directory=None if executables is None else _relative_to(path, executables),
        process_limit=section.process_limit,
        file_watch_poll_interval=section.file_watch_poll_interval,
        file_watch_delay_unit=section.file_watch_delay_unit,
        file_watch_force_polling=section.file_watch_force_polling,
        shutdown_grace=section.shutdown_grace,
        subagent_heartbeat=section.subagent_heartbeat,
        subagent_timeout=section.subagent_timeout,
        pool_discovery=section.pool_discovery,
        pools=tuple(
            PoolConfig(name=name, token=pool.token, addresses=pool.addresses, balance=pool.balance)
            for name, pool in section.pools.items()
        ),
    )


def _trusted_certificates(path: Path, names: tuple[str, ...]) -> tuple[Path, ...]:
    files = tuple(_existing(path, "signing.trusted-certificates", name) for name in names)
    try:
        load_trusted_certificates(files)
    except ValueError as error:
        raise ConfigError(f"{path}: signing.trusted-certificates: {error}") from None
    return files


def _check_role(path: Path, node: NodeSection, role: str) -> None:
    if node.role != role:
        raise ConfigError(
            f"{path}: node.role: this is the config of the {node.role}, not of {_article(role)} {role}"
        )


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def _endpoint(
    path: Path, http: HttpSection, tls: TlsSection | None, overrides: Overrides, default_port: int
) -> _Endpoint:
    host = overrides.host or http.host
    port = next(p for p in (overrides.port, http.port, default_port) if p is not None)
    if overrides.insecure or http.insecure:
        if not is_loopback(host):
            raise ConfigError(
                f"{path}: plain HTTP (insecure) is allowed on a loopback address only, not on {host}"
            )
        return _Endpoint(host, port, None)
    if tls is None:
        raise ConfigError(f"{path}: tls: missing; mutual TLS needs [tls] certificate, key and ca")
    files = TlsFiles(
        cert=_existing(path, "tls.certificate", tls.certificate),
        key=_existing(path, "tls.key", tls.key),
        ca=_existing(path, "tls.ca", tls.ca),
    )
    return _Endpoint(host, port, files)


def _data_directory(path: Path, directory: str, overrides: Overrides) -> Path:
    if overrides.data_directory is not None:
        return overrides.data_directory.absolute()
    return _relative_to(path, directory)


def _relative_to(path: Path, name: str) -> Path:
    return (path.parent / name).absolute()


def _existing(path: Path, key_path: str, name: str) -> Path:
    resolved = _relative_to(path, name)
    if not resolved.is_file():
        raise ConfigError(f"{path}: {key_path}: {resolved} is not a file")
    return resolved
