"""The Product Status panel as colours: each Cockpit, database, Controller node and Agent a tile, and the
connections between them lines, each green (healthy), yellow (running but unhealthy: a cluster node that
answers but is not coupled, an Agent the Controller could not couple) or red (unreachable or unknown). Made
from the JOC objects the API answers (`/controller/components`, the Controller's Agents). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import msgspec

GREEN, YELLOW, RED = "green", "yellow", "red"


class Tile(msgspec.Struct, frozen=True, kw_only=True):
    """One instance on the panel: its kind, name, what it says about itself, its colour, and its operations."""

    key: str
    kind: str
    name: str
    detail: str
    colour: str
    operations: tuple[tuple[str, str], ...] = ()  # (label, href)
    actions: tuple[Action, ...] = ()


class Action(msgspec.Struct, frozen=True):
    """An operation a tile's menu POSTs (a Controller's restart, a cluster's switch-over, …): with `prompt`, the
    browser asks for a value (sent as the HX-Prompt header) instead of a confirmation."""

    label: str
    path: str
    permission: str
    prompt: str = ""


class Line(msgspec.Struct, frozen=True, kw_only=True):
    """A connection between two tiles (by key) and its colour."""

    source: str
    target: str
    label: str
    colour: str


class Panel(msgspec.Struct, frozen=True, kw_only=True):
    tiles: tuple[Tile, ...]
    lines: tuple[Line, ...]


def _connection_colour(state: Mapping[str, Any] | None) -> str:
    text = (state or {}).get("_text")
    return GREEN if text == "established" else RED


def controller_colour(node: Mapping[str, Any]) -> str:
    """Green when the node answers and is active (or standalone), yellow when it answers but is an uncoupled
    cluster node, red when it does not answer."""
    if _connection_colour(node.get("connectionState")) == RED:
        return RED
    cluster = (node.get("clusterNodeState") or {}).get("_text")
    if cluster == "active" or node.get("role") == "STANDALONE":
        return GREEN
    return GREEN if node.get("isCoupled") else YELLOW


SWITCH_OVER = "sos:products:controller:switchOver"
TERMINATE = "sos:products:controller:terminate"
RESTART = "sos:products:controller:restart"


def cluster_actions(node: Mapping[str, Any]) -> tuple[Action, ...]:
    """A Controller cluster node's operations: switch-over, and confirming the loss of a node that the Cockpit's
    Cluster Watch refused to declare lost; none for a standalone Controller."""
    if not _clustered(node):
        return ()
    controller = quote(str(node.get("controllerId", "")), safe="")
    return (
        Action("Switch over", f"/ui/controller/cluster/switch-over?controller={controller}", SWITCH_OVER),
        Action(
            "Confirm node loss",
            f"/ui/controller/cluster/confirm-node-loss?controller={controller}",
            SWITCH_OVER,
        ),
    )


def node_actions(node: Mapping[str, Any]) -> tuple[Action, ...]:
    """Ending a Controller node's process: terminate and restart (a cluster's active node may first switch
    over), abort and abort and restart (in a cluster the passive node then fails over)."""
    query = _node_query(node)

    def action(label: str, operation: str, permission: str, more: str = "") -> Action:
        return Action(label, f"/ui/controller/{operation}?{query}{more}", permission)

    if not _clustered(node):
        ending = [action("Terminate", "terminate", TERMINATE), action("Restart", "restart", RESTART)]
    else:
        staying = "&switchover="  # the active node stops without handing over
        ending = [
            action("Terminate with switch-over", "terminate", TERMINATE),
            action("Terminate without switch-over", "terminate", TERMINATE, staying),
            action("Restart with switch-over", "restart", RESTART),
            action("Restart without switch-over", "restart", RESTART, staying),
        ]
    ending += [action("Abort", "abort", TERMINATE), action("Abort and restart", "abort-and-restart", RESTART)]
    return tuple(ending)


def _node_query(node: Mapping[str, Any]) -> str:
    controller, url = (quote(str(node.get(key, "")), safe="") for key in ("controllerId", "url"))
    return f"controller={controller}&url={url}"


def _clustered(node: Mapping[str, Any]) -> bool:
    return node.get("role") != "STANDALONE" and bool(node.get("clusterNodeState"))


JOC_MANAGE = "sos:products:joc:cluster:manage"
# (label, operation, service type) of the active Cockpit's services
_SERVICE_ACTIONS = (
    ("Restart all services", "restart", "cluster"),
    ("Restart the Daily Plan service", "restart", "dailyplan"),
    ("Restart the History service", "restart", "history"),
    ("Restart the Cleanup service", "restart", "cleanup"),
    ("Restart the Monitor service", "restart", "monitor"),
    ("Run the Daily Plan now", "run", "dailyplan"),
    ("Run Cleanup now", "run", "cleanup"),
    ("Send the Controllers what they lack now", "run", "cluster"),
)


def cockpit_tile(joc: Mapping[str, Any]) -> Tile:
    """A member of the Cockpit cluster: this one (key `cockpit`) may restart and run its services when it is the
    active member and offers its log; another, standby member may be switched over to."""
    current = joc.get("current", True)
    active = (joc.get("clusterNodeState") or {}).get("_text", "active") == "active"
    member = str(joc.get("memberId", ""))
    actions: tuple[Action, ...] = ()
    if current and active:
        actions = tuple(
            Action(label, f"/ui/joc/{operation}?type={service}", JOC_MANAGE)
            for label, operation, service in _SERVICE_ACTIONS
        )
    elif not active:
        actions = (
            Action(
                "Switch over to this member", f"/ui/joc/switch?member={quote(member, safe='')}", JOC_MANAGE
            ),
        )
    prompt = f"The new URL of the Cockpit {joc.get('host', member)}"
    actions += (Action("Update URL", f"/ui/joc/url?member={quote(member, safe='')}", JOC_MANAGE, prompt),)
    return Tile(
        key="cockpit" if current else f"cockpit:{member}", kind="Cockpit", name=str(joc.get("host", "Cockpit")),
        detail=f"{'active' if active else 'standby'} · version {joc.get('version', '?')}", colour=GREEN,
        operations=(("Download log", "/ui/joc/log"),) if current else (), actions=actions,
    )  # fmt: skip


def agent_colour(agent: Mapping[str, Any], controller_up: bool) -> str:
    """Green when coupled; yellow when the Controller answers but has not coupled it; red when it is unknown."""
    text = (agent.get("state") or {}).get("_text")
    if text == "COUPLED":
        return GREEN
    return YELLOW if controller_up and text in ("COUPLINGFAILED", "RESETTING", "UNKNOWN") else RED


def panel(
    components: Sequence[Mapping[str, Any]], agents: Mapping[str, Sequence[Mapping[str, Any]]]
) -> Panel:
    """The panel of the Controllers' components answers (one per Controller) and their Agents (by Controller)."""
    tiles: dict[str, Tile] = {}
    lines: list[Line] = []
    for answer in components:
        for joc in answer.get("jocs", ()):
            tile = cockpit_tile(joc)
            tiles.setdefault(tile.key, tile)
        database = answer.get("database") or {}
        database_colour = _connection_colour(database.get("connectionState"))
        tiles["database"] = Tile(
            key="database", kind="Database", name=str(database.get("dbms", "?")),
            detail=str(database.get("version", "")), colour=database_colour,
        )  # fmt: skip
        lines.append(
            Line(source="cockpit", target="database", label="Cockpit → database", colour=database_colour)
        )
        for node in answer.get("controllers", ()):
            key = f"controller:{node.get('controllerId')}:{node.get('url')}"
            colour = controller_colour(node)
            tiles[key] = Tile(
                key=key, kind="Controller", name=f"{node.get('controllerId')} ({node.get('title', '')})",
                detail=str(node.get("url", "")), colour=colour,
                operations=(("Orders", f"/ui/orders?controller={node.get('controllerId')}"),
                            ("Workflows", f"/ui/workflows?controller={node.get('controllerId')}"),
                            ("Download log", "/ui/controller/log?" + _node_query(node))),
                actions=node_actions(node) + cluster_actions(node),
            )  # fmt: skip
            lines.append(
                Line(
                    source="cockpit",
                    target=key,
                    label=f"Cockpit → Controller {node.get('url')}",
                    colour=colour,
                )
            )
            controller_up = colour != RED
            for agent in agents.get(str(node.get("controllerId")), ()):
                agent_key = f"agent:{node.get('controllerId')}:{agent.get('agentId')}"
                agent_tile = agent_colour(agent, controller_up)
                tiles[agent_key] = Tile(
                    key=agent_key, kind="Agent", name=str(agent.get("agentId")),
                    detail=str(agent.get("errorMessage") or agent.get("url") or ""), colour=agent_tile,
                )  # fmt: skip
                lines.append(
                    Line(
                        source=key, target=agent_key, colour=agent_tile,
                        label=f"Controller {node.get('controllerId')} → Agent {agent.get('agentId')}",
                    )
                )  # fmt: skip
    return Panel(tiles=tuple(tiles.values()), lines=tuple(lines))
