"""Cluster Agents, Subagents and Subagent clusters against a real Controller: stored and deployed as AgentRef
(Directors, the primary Director's URL), SubagentItems and SubagentBundles; Subagents disabled, Subagent
clusters and cluster Agents revoked; bad bodies refused naming their JSON path, changing nothing."""

from __future__ import annotations

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.agents import AgentRepository, StoredAgent
from tests.cockpit.api.agents.test_agents import _agent_url, _controller_items, _status
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.ctl.conftest import root
from tests.cockpit.api.schema import assert_valid


def _stored(running: RunningCockpit) -> list[StoredAgent]:
    async def agents(cockpit: Cockpit) -> list[StoredAgent]:
        async with cockpit.database.session() as db:
            return await AgentRepository(db).agents()

    return running.call(agents)


def test_cluster_agent_with_subagents_and_subagent_cluster(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = root(running)
    url = _agent_url(controller)
    director = {"subagentId": "agentA-1", "url": url, "isDirector": "PRIMARY_DIRECTOR"}
    worker = {"subagentId": "worker", "url": "https://127.0.0.1:9"}
    cluster_agent = {"agentId": "agentA", "agentName": "cluster", "subagents": [director, worker]}

    no_primary = {**cluster_agent, "subagents": [worker]}
    refused = joc.post(
        "/joc/api/agents/inventory/cluster/store", {"controllerId": "e2e", "clusterAgents": [no_primary]}
    )
    assert refused.status == 420 and "$.clusterAgents[0].subagents" in refused.error["message"]
    bad = {**cluster_agent, "subagents": [director, {**worker, "isDirector": "BOSS"}]}
    refused = joc.post(
        "/joc/api/agents/inventory/cluster/store", {"controllerId": "e2e", "clusterAgents": [bad]}
    )
    assert refused.status == 420 and "$.clusterAgents[0].subagents[1].isDirector" in refused.error["message"]
    assert _stored(running) == [] and "AgentRef:agentA" not in _controller_items(controller)

    joc.ok(
        "/joc/api/agents/inventory/cluster/store", {"controllerId": "e2e", "clusterAgents": [cluster_agent]}
    )
    items = _controller_items(controller)
    assert items["AgentRef:agentA"]["directors"] == ["agentA-1"] and items["AgentRef:agentA"]["uri"] == url
    assert items["SubagentItem:worker"]["uri"] == "https://127.0.0.1:9"
    assert items["SubagentItem:agentA-1"]["agentPath"] == "agentA"
    stored = joc.ok("/joc/api/agents/inventory/cluster", {"controllerId": "e2e"})
    assert_valid("agent/clusterAgents-schema.json", stored)
    assert [s["subagentId"] for s in stored["agents"][0]["subagents"]] == ["agentA-1", "worker"]
    status = _status(joc)
    assert [s["subagentId"] for s in status["agents"][0]["subagents"]] == ["agentA-1", "worker"]

    bundle = {"agentId": "agentA", "subagentClusterId": "both", "subagentIds": [
        {"subagentId": "agentA-1", "priority": 2}, {"subagentId": "worker", "priority": 1}]}  # fmt: skip
    unknown = {**bundle, "subagentIds": [{"subagentId": "ghost", "priority": 1}]}
    refused = joc.post("/joc/api/agents/cluster/store", {"subagentClusters": [unknown]})
    assert (
        refused.status == 420
        and "$.subagentClusters[0].subagentIds[0].subagentId" in refused.error["message"]
    )
    joc.ok("/joc/api/agents/cluster/store", {"subagentClusters": [bundle]})
    assert _controller_items(controller)["SubagentBundle:both"]["subagentToPriority"] == {
        "agentA-1": 2,
        "worker": 1,
    }
    clusters = joc.ok("/joc/api/agents/cluster", {"controllerId": "e2e"})
    assert_valid("agent/subagentClusters-schema.json", clusters)
    names = joc.ok("/joc/api/agents/names", {})
    assert names["clusterAgentNames"] == ["cluster"] and names["subagentClusterIds"] == {"cluster": ["both"]}

    joc.ok(
        "/joc/api/agents/inventory/cluster/subagents/disable",
        {"controllerId": "e2e", "subagentIds": ["worker"]},
    )
    assert _controller_items(controller)["SubagentItem:worker"]["disabled"] is True
    joc.ok("/joc/api/agents/cluster/revoke", {"controllerId": "e2e", "subagentClusterIds": ["both"]})
    assert "SubagentBundle:both" not in _controller_items(controller)

    joc.ok("/joc/api/agents/inventory/cluster/revoke", {"controllerId": "e2e", "clusterAgentIds": ["agentA"]})
    items = _controller_items(controller)
    assert not {"AgentRef:agentA", "SubagentItem:agentA-1", "SubagentItem:worker"} & set(items)
    assert _stored(running)[0].deployed is False
    joc.ok("/joc/api/agents/inventory/cluster/deploy", {"controllerId": "e2e", "clusterAgentIds": ["agentA"]})
    assert {"AgentRef:agentA", "SubagentItem:worker", "SubagentBundle:both"} <= set(
        _controller_items(controller)
    )
