"""Agents between the Cockpit's inventory and the Controller: the engine items a stored Agent is deployed as
(an AgentRef the Controller drives through its `uri`; for a cluster Agent also its SubagentItems, and
SubagentBundles for its Subagent clusters), and the JOC objects of stored Agents with the state the
Controller's overview shows (`agents`: path → `uri`, `coupled`, `problem`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from stellwerk.cockpit.db.enums import DirectorRole
from stellwerk.cockpit.db.repositories.agents import AgentEntry, SubagentClusterEntry, SubagentEntry

_DIRECTORS = (DirectorRole.PRIMARY_DIRECTOR, DirectorRole.SECONDARY_DIRECTOR)
COUPLED = {"severity": 0, "_text": "COUPLED"}
UNKNOWN = {"severity": 2, "_text": "UNKNOWN"}


def directors(subagents: Sequence[SubagentEntry]) -> list[SubagentEntry]:
    """The Directors of a cluster Agent, primary first."""
    return sorted(
        (s for s in subagents if s.director in _DIRECTORS), key=lambda s: _DIRECTORS.index(s.director)
    )


def agent_ref(agent: AgentEntry, subagents: Sequence[SubagentEntry] = ()) -> dict[str, Any]:
    """The AgentRef (engine JSON) of a stored Agent; the Controller drives it through `uri` (the primary
    Director's URL for a cluster Agent)."""
    item: dict[str, Any] = {"TYPE": "AgentRef", "path": agent.agent_id, "uri": agent.url}
    if agent.is_cluster:
        item["directors"] = [s.subagent_id for s in directors(subagents)]
    if agent.process_limit is not None:
        item["processLimit"] = agent.process_limit
    return item


def subagent_item(agent_id: str, subagent: SubagentEntry) -> dict[str, Any]:
    """The SubagentItem (engine JSON) of a Subagent."""
    return {
        "TYPE": "SubagentItem",
        "id": subagent.subagent_id,
        "agentPath": agent_id,
        "uri": subagent.url,
        "disabled": subagent.disabled,
    }


def subagent_bundle(cluster: SubagentClusterEntry) -> dict[str, Any]:
    """The SubagentBundle (engine JSON) of a Subagent cluster."""
    return {
        "TYPE": "SubagentBundle",
        "id": cluster.cluster_id,
        "subagentToPriority": {m.subagent_id: m.priority for m in cluster.members},
    }


def agent_items(agent: AgentEntry, subagents: Sequence[SubagentEntry]) -> list[dict[str, Any]]:
    """Every item an Agent is deployed as: its AgentRef and, for a cluster Agent, its SubagentItems."""
    return [agent_ref(agent, subagents), *(subagent_item(agent.agent_id, s) for s in subagents)]


def update_request(items: Iterable[dict[str, Any]] = (), deleted_keys: Iterable[str] = ()) -> dict[str, Any]:
    """The Controller's UpdateItems request adding or changing `items` and deleting `deleted_keys`."""
    operations = [{"TYPE": "AddOrChange", "item": item} for item in items]
    operations += [{"TYPE": "Delete", "key": key} for key in deleted_keys]
    return {"TYPE": "UpdateItems", "operations": operations}


def agent_state(seen: dict[str, Any] | None) -> tuple[dict[str, Any], str | None]:
    """JOC's AgentState of an Agent as the Controller's overview shows it, with the error message if any."""
    if seen is not None and seen.get("coupled"):
        return COUPLED, None
    if seen is None:
        return UNKNOWN, "The Agent is not deployed to the Controller"
    return UNKNOWN, str(seen.get("problem") or "The Controller is not coupled with the Agent")


def inventory_agent(agent: AgentEntry) -> dict[str, Any]:
    """JOC's `Agent` (singleAgent-schema) of a stored standalone Agent."""
    found: dict[str, Any] = {
        "controllerId": agent.controller_id,
        "agentId": agent.agent_id,
        "agentName": agent.name,
        "url": agent.url,
        "hidden": agent.hidden,
        "disabled": agent.disabled,
        "deployed": agent.deployed,
        "ordering": agent.ordering + 1,
    }
    if agent.name_aliases:
        found["agentNameAliases"] = list(agent.name_aliases)
    if agent.title:
        found["title"] = agent.title
    if agent.process_limit is not None:
        found["processLimit"] = agent.process_limit
    return found


def inventory_subagent(agent_id: str, subagent: SubagentEntry) -> dict[str, Any]:
    """JOC's `SubAgent` (subagent-schema) of a stored Subagent."""
    found: dict[str, Any] = {
        "agentId": agent_id,
        "subagentId": subagent.subagent_id,
        "url": subagent.url,
        "isDirector": subagent.director.value,
        "disabled": subagent.disabled,
        "deployed": subagent.deployed,
        "ordering": subagent.ordering + 1,
    }
    if subagent.title:
        found["title"] = subagent.title
    return found


def inventory_cluster_agent(agent: AgentEntry, subagents: Sequence[SubagentEntry]) -> dict[str, Any]:
    """JOC's `ClusterAgent` (clusterAgent-schema) of a stored cluster Agent."""
    found = inventory_agent(agent)
    found["subagents"] = [inventory_subagent(agent.agent_id, s) for s in subagents]
    return found


def inventory_subagent_cluster(
    controller_id: str, agent_id: str, cluster: SubagentClusterEntry, ordering: int
) -> dict[str, Any]:
    """JOC's `SubagentCluster` (subagentCluster-schema) of a stored Subagent cluster."""
    found: dict[str, Any] = {
        "controllerId": controller_id,
        "agentId": agent_id,
        "subagentClusterId": cluster.cluster_id,
        "deployed": cluster.deployed,
        "ordering": ordering,
        "subagentIds": [{"subagentId": m.subagent_id, "priority": m.priority} for m in cluster.members],
    }
    if cluster.title:
        found["title"] = cluster.title
    return found


def agent_status(
    agent: AgentEntry, subagents: Sequence[SubagentEntry], seen: dict[str, Any] | None, *, compact: bool
) -> dict[str, Any]:
    """JOC's `AgentV` (agent_v-schema) of a stored Agent with the state the Controller shows for it."""
    state, error = agent_state(seen)
    found: dict[str, Any] = {
        "controllerId": agent.controller_id,
        "agentId": agent.agent_id,
        "agentName": agent.name,
        "url": agent.url,
        "state": state,
        "disabled": agent.disabled,
    }
    if error is not None:
        found["errorMessage"] = error
    if agent.process_limit is not None:
        found["processLimit"] = agent.process_limit
    if agent.is_cluster and not compact:
        found["subagents"] = [_subagent_status(agent, s, state) for s in subagents]
    return found


def _subagent_status(
    agent: AgentEntry, subagent: SubagentEntry, agent_state_: dict[str, Any]
) -> dict[str, Any]:
    # The Controller's overview knows the Agent's coupling only: it is the state of the Director it drives.
    state = agent_state_ if subagent.url == agent.url else UNKNOWN
    return {
        "agentId": agent.agent_id,
        "subagentId": subagent.subagent_id,
        "url": subagent.url,
        "isDirector": subagent.director.value,
        "state": state,
        "disabled": subagent.disabled,
    }
