"""Hidden Agents and Agent name aliases: both are stored and served as JOC does, a hidden Agent is not offered
to the workflows editor, and a workflow naming an Agent by an alias is deployed to the Agent's id."""

from __future__ import annotations

from typing import Any

from tests.cockpit.api.agents.test_agents import _agent_url, _controller_items, _stored
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.ctl.conftest import root
from tests.cockpit.api.inventory.items import workflow
from tests.cockpit.api.schema import assert_valid


def test_hidden_agents_and_aliases_are_served_and_aliases_resolve_at_deployment(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = root(running)
    url = _agent_url(controller)
    agents: list[dict[str, Any]] = [
        {"agentId": "agentA", "agentName": "primary", "agentNameAliases": ["alpha", "first"], "url": url},
        {"agentId": "spare", "agentName": "spare", "url": url.replace("https", "http"), "hidden": True},
    ]
    joc.ok("/joc/api/agents/inventory/store", {"controllerId": "e2e", "agents": agents})

    inventory = joc.ok("/joc/api/agents/inventory", {"controllerId": "e2e"})
    assert_valid("agent/singleAgents-schema.json", inventory)
    assert [(a["agentId"], a["hidden"], a.get("agentNameAliases")) for a in inventory["agents"]] == [
        ("agentA", False, ["alpha", "first"]),
        ("spare", True, None),
    ]
    visible = joc.ok("/joc/api/agents/inventory", {"controllerId": "e2e", "onlyVisibleAgents": True})
    assert [a["agentId"] for a in visible["agents"]] == ["agentA"]
    status = joc.ok("/joc/api/agents", {"controllerId": "e2e", "onlyVisibleAgents": True})
    assert_valid("agent/agents_v-schema.json", status)
    assert [a["agentId"] for a in status["agents"]] == ["agentA"]
    names = joc.ok("/joc/api/agents/names", {"controllerId": "e2e"})
    assert_valid("agent/agentNames-schema.json", names)
    assert names["agentNames"] == ["alpha", "first", "primary"]

    hidden_cluster = {"agentId": "backstage", "agentName": "backstage", "agentNameAliases": ["rear"], "hidden": True, "subagents": [
        {"subagentId": "backstage-1", "url": "https://127.0.0.1:9", "isDirector": "PRIMARY_DIRECTOR"}]}  # fmt: skip
    joc.ok(
        "/joc/api/agents/inventory/cluster/store", {"controllerId": "e2e", "clusterAgents": [hidden_cluster]}
    )
    clusters = joc.ok("/joc/api/agents/inventory/cluster", {"controllerId": "e2e"})
    assert_valid("agent/clusterAgents-schema.json", clusters)
    assert [(a["agentId"], a["hidden"], a["agentNameAliases"]) for a in clusters["agents"]] == [("backstage", True, ["rear"])]  # fmt: skip
    assert joc.ok("/joc/api/agents/inventory/cluster", {"controllerId": "e2e", "onlyVisibleAgents": True})["agents"] == []  # fmt: skip
    assert joc.ok("/joc/api/agents/names", {"controllerId": "e2e"})["clusterAgentNames"] == []

    clash = {"agentId": "other", "agentName": "other", "agentNameAliases": ["alpha"], "url": url}
    refused = joc.post("/joc/api/agents/inventory/store", {"controllerId": "e2e", "agents": [clash]})
    assert refused.status == 420 and "alpha" in refused.error["message"]
    assert [a.agent_id for a in _stored(running)] == ["agentA", "backstage", "spare"]

    joc.ok("/joc/api/inventory/store", {"path": "/w/aliased", "objectType": "WORKFLOW", "configuration": workflow(agent="first")})  # fmt: skip
    deploy = {"controllerIds": ["e2e"], "store": {"draftConfigurations": [{"configuration": {"path": "/w/aliased", "objectType": "WORKFLOW"}}]}}  # fmt: skip
    joc.ok("/joc/api/inventory/deployment/deploy", deploy)
    deployed = [
        item for key, item in _controller_items(controller).items() if key.startswith("Workflow:aliased")
    ]
    assert [item["jobs"]["hello"]["agentPath"] for item in deployed] == ["agentA"]
