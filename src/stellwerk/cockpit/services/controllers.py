"""Controllers as JOC shows them: the JOC `Controller` object of each registered node (with its connection state
as the proxy last saw it, or as a probe finds it now), the Cockpit's own component entry and the database's for
the Product Status panel. The JOC objects are built here, the routers only choose and answer."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from stellwerk import __version__
from stellwerk.cockpit.db.enums import ControllerRole
from stellwerk.cockpit.db.repositories.controllers import RegisteredNode
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.errors import JocError, delivery_date
from stellwerk.cockpit.services.proxy import Connection, ControllerProxy, NodeStatus

# JOC's (severity, text) pairs of its state objects.
_CONNECTION = {Connection.ESTABLISHED: 0, Connection.UNREACHABLE: 2, Connection.UNKNOWN: 3}
_COMPONENT = {
    Connection.ESTABLISHED: "operational",
    Connection.UNREACHABLE: "inoperable",
    Connection.UNKNOWN: "unknown",
}
_COMPONENT_SEVERITY = {"operational": 0, "limited": 1, "inoperable": 2, "unknown": 3}
_DBMS = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB"}
_VERSION_QUERY = {"sqlite": "select sqlite_version()", "postgresql": "show server_version"}


def timestamp(epoch_ms: int) -> str:
    """JOC's timestamp of an instant."""
    return delivery_date(datetime.fromtimestamp(epoch_ms / 1000, UTC))


def connection_state(connection: Connection) -> dict[str, Any]:
    return {"severity": _CONNECTION[connection], "_text": connection.value}


def component_state(text_: str) -> dict[str, Any]:
    return {"severity": _COMPONENT_SEVERITY[text_], "_text": text_}


def controller_object(node: RegisteredNode, status: NodeStatus, active_url: str | None) -> dict[str, Any]:
    """JOC's `Controller` (master-schema) of one node."""
    found: dict[str, Any] = {
        "id": node.id,
        "controllerId": node.controller_id,
        "title": node.title or node.role.value.capitalize(),
        "url": node.url,
        "role": node.role.value,
        "isCoupled": False,
        "version": __version__,
        "connectionState": connection_state(status.connection),
        "componentState": component_state(_COMPONENT[status.connection]),
        "clusterNodeState": _cluster_node_state(node, status, active_url),
    }
    if node.cluster_url:
        found["clusterUrl"] = node.cluster_url
    if status.since is not None:
        found["surveyDate"] = timestamp(status.since)
    return found


def _cluster_node_state(node: RegisteredNode, status: NodeStatus, active_url: str | None) -> dict[str, Any]:
    if status.connection is not Connection.ESTABLISHED:
        return {"severity": 3, "_text": "unknown"}
    if node.role is ControllerRole.STANDALONE or node.url == active_url:
        return {"severity": 0, "_text": "active"}
    return {"severity": 1, "_text": "inactive"}


def state_object(status: NodeStatus) -> dict[str, Any]:
    """JOC's JobSchedulerState of a node: RUNNING when it answers, UNREACHABLE otherwise."""
    if status.connection is Connection.ESTABLISHED:
        return {"severity": 0, "_text": "RUNNING"}
    return {"severity": 2, "_text": "UNREACHABLE"}


async def probe_all(proxy: ControllerProxy) -> None:
    """Asks every node of the Controller now, so that the proxy's node states are fresh."""

    async def probe(url: str) -> None:
        try:
            await proxy.probe(url)
        except JocError:
            pass  # the proxy recorded the node as unreachable

    await asyncio.gather(*(probe(url) for url in proxy.urls))


def controller_objects(
    nodes: Sequence[RegisteredNode], proxy: ControllerProxy | None
) -> list[dict[str, Any]]:
    """The JOC objects of a Controller's nodes with the proxy's last view of them."""
    found = []
    for node in nodes:
        status = proxy.status(node.url) if proxy is not None else NodeStatus(url=node.url)
        found.append(controller_object(node, status, proxy.url if proxy else None))
    return found


async def database_object(database: Database) -> dict[str, Any]:
    """JOC's `DB` object: which DBMS, its version, and whether the Cockpit reaches it now."""
    backend = database.backend
    try:
        async with database.reading() as db:
            version = str(await db.scalar(text(_VERSION_QUERY.get(backend, "select version()"))))
    except Exception as error:  # any driver error means the same to the panel: the database is not reachable
        unreachable = connection_state(Connection.UNREACHABLE)
        return {
            "dbms": _DBMS.get(backend, backend),
            "version": type(error).__name__,
            "componentState": component_state("inoperable"),
            "connectionState": unreachable,
        }
    return {
        "dbms": _DBMS.get(backend, backend),
        "version": version,
        "componentState": component_state("operational"),
        "connectionState": connection_state(Connection.ESTABLISHED),
    }


def cockpit_object(proxies: Sequence[ControllerProxy], started: int | None) -> dict[str, Any]:
    """JOC's `Cockpit` (joc-schema) of this Cockpit, with its connection to each Controller node."""
    host = socket.gethostname()
    states = []
    for proxy in proxies:
        for url in proxy.urls:
            role = "STANDALONE" if len(proxy.urls) == 1 else ("PRIMARY" if url == proxy.urls[0] else "BACKUP")
            states.append({"role": role, "state": connection_state(proxy.status(url).connection)})
    found: dict[str, Any] = {
        "id": 1,
        "instanceId": host,
        "memberId": f"{host}:stellwerk",
        "host": host,
        "version": __version__,
        "current": True,
        "isApiServer": False,
        "connectionState": connection_state(Connection.ESTABLISHED),
        "componentState": component_state("operational"),
        "clusterNodeState": {"severity": 0, "_text": "active"},
        "controllerConnectionStates": states,
    }
    if started is not None:
        found["startedAt"] = timestamp(started)
    return found
