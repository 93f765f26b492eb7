"""`/joc/api/agents...` against a real Controller and Agent: a stored Agent is deployed at once and driven by the
Controller (coupled), revoked and deleted again; bad bodies and missing permissions change nothing; the real JOC
client stores Agents and reads their state."""

from __future__ import annotations

from typing import Any

from js7.model.public.client.common.store_agents import StoreAgent

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.agents import AgentRepository, StoredAgent
from stellwerk.cockpit.db.repositories.audit import AuditFilter, AuditRepository
from tests.cockpit.api.agents.conftest import account_on
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.ctl.conftest import js7_client, root
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid
from tests.cockpit.backends import run
from tests.e2e.nodes import API, until_async


def _stored(running: RunningCockpit) -> list[StoredAgent]:
    async def agents(cockpit: Cockpit) -> list[StoredAgent]:
        async with cockpit.database.session() as db:
            return await AgentRepository(db).agents()

    return running.call(agents)


def _audit_requests(running: RunningCockpit) -> list[str]:
    async def requests(cockpit: Cockpit) -> list[str]:
        async with cockpit.database.session() as db:
            return [entry.request for entry in await AuditRepository(db).search(AuditFilter())]

    return running.call(requests)


def _controller_items(controller: ControllerNodes) -> dict[str, dict[str, Any]]:
    async def items() -> list[dict[str, Any]]:
        async with controller.client() as client:
            found: list[dict[str, Any]] = await client.get(f"{API}/item", list)
            return found

    return {f"{i['TYPE']}:{i.get('id', i.get('path'))}": i for i in run(items)}


def _agent_url(controller: ControllerNodes) -> str:
    return f"https://127.0.0.1:{controller.installation.ports['agentA']}"


def _status(joc: Joc, **filters: Any) -> dict[str, Any]:
    answer = joc.ok("/joc/api/agents", {"controllerId": "e2e", **filters})
    assert_valid("agent/agents_v-schema.json", answer)
    return answer


def test_store_deploy_status_revoke_delete(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = root(running)
    url = _agent_url(controller)
    agent = {"agentId": "agentA", "agentName": "agent", "url": url, "processLimit": 7, "title": "A"}
    stored = joc.ok(
        "/joc/api/agents/inventory/store",
        {"controllerId": "e2e", "agents": [agent], "auditLog": {"comment": "the first Agent"}},
    )
    assert_valid("common/ok-schema.json", stored)
    ref = _controller_items(controller)["AgentRef:agentA"]
    assert ref["uri"] == url and ref["processLimit"] == 7

    inventory = joc.ok("/joc/api/agents/inventory", {"controllerId": "e2e"})
    assert_valid("agent/singleAgents-schema.json", inventory)
    assert [(a["agentId"], a["agentName"], a["url"], a["deployed"]) for a in inventory["agents"]] == [
        ("agentA", "agent", url, True)
    ]

    async def coupled() -> bool:
        answer = await _async_status(joc)
        return bool(answer["agents"]) and answer["agents"][0]["state"]["_text"] == "COUPLED"

    run(lambda: until_async(coupled, 20, "agentA coupled"))
    status = _status(joc, agentIds=["agentA"])
    assert [(a["agentId"], a["state"]["_text"], a["processLimit"]) for a in status["agents"]] == [
        ("agentA", "COUPLED", 7)
    ]
    assert _status(joc, states=["UNKNOWN"])["agents"] == []
    live = joc.ok("/joc/api/agent/subagents", {"controllerId": "e2e", "agentId": "agentA"})
    assert live["subagents"] == [{"subagentId": "agentA", "state": "local", "pool": None}]
    assert (live["poolMembersJoined"], live["poolMembersLeft"]) == (0, 0)

    names = joc.ok("/joc/api/agents/names", {"controllerId": "e2e"})
    assert_valid("agent/agentNames-schema.json", names)
    assert names["agentNames"] == ["agent"] and names["clusterAgentNames"] == []

    disabled = joc.ok("/joc/api/agents/inventory/disable", {"controllerId": "e2e", "agentIds": ["agentA"]})
    assert_valid("common/ok-schema.json", disabled)
    assert _status(joc)["agents"][0]["disabled"] is True
    joc.ok("/joc/api/agents/inventory/enable", {"controllerId": "e2e", "agentIds": ["agentA"]})
    assert _stored(running)[0].disabled is False

    joc.ok("/joc/api/agents/inventory/revoke", {"controllerId": "e2e", "agentIds": ["agentA"]})
    assert "AgentRef:agentA" not in _controller_items(controller)
    assert _stored(running)[0].deployed is False
    joc.ok("/joc/api/agents/inventory/deploy", {"controllerId": "e2e", "agentIds": ["agentA"]})
    assert _controller_items(controller)["AgentRef:agentA"]["uri"] == url

    joc.ok("/joc/api/agent/delete", {"controllerId": "e2e", "agentId": "agentA"})
    assert "AgentRef:agentA" not in _controller_items(controller)
    assert _stored(running) == []
    assert sorted(_audit_requests(running)) == [
        "./agent/delete",
        "./agents/inventory/deploy",
        "./agents/inventory/disable",
        "./agents/inventory/enable",
        "./agents/inventory/revoke",
        "./agents/inventory/store",
    ]


async def _async_status(joc: Joc) -> dict[str, Any]:
    return joc.ok("/joc/api/agents", {"controllerId": "e2e"})


def test_bad_bodies_and_missing_permissions_change_nothing(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = root(running)
    url = _agent_url(controller)
    good = {"agentId": "agentA", "agentName": "agent", "url": url}
    bad_url = joc.post(
        "/joc/api/agents/inventory/store", {"controllerId": "e2e", "agents": [good, {**good, "url": "ftp:x"}]}
    )
    assert bad_url.status == 420 and "$.agents[1].url" in bad_url.error["message"]
    unknown_field = joc.post(
        "/joc/api/agents/inventory/store", {"controllerId": "e2e", "agents": [{**good, "colour": "red"}]}
    )
    assert unknown_field.status == 420 and "$.agents[0].colour" in unknown_field.error["message"]
    twice = joc.post("/joc/api/agents/inventory/store", {"controllerId": "e2e", "agents": [good, good]})
    assert twice.status == 420 and "agentIds" in twice.error["message"]
    unknown_controller = joc.post(
        "/joc/api/agents/inventory/store", {"controllerId": "nope", "agents": [good]}
    )
    assert unknown_controller.status == 420
    unknown_agent = joc.post("/joc/api/agents/inventory/deploy", {"controllerId": "e2e", "agentIds": ["x"]})
    assert unknown_agent.status == 420 and "$.agentIds[0]" in unknown_agent.error["message"]

    viewer = account_on(
        running,
        "viewer",
        permissions=(
            "sos:products:joc:administration:controllers:view",
            "sos:products:controller:agents:view",
        ),
    )
    assert (
        viewer.post("/joc/api/agents/inventory/store", {"controllerId": "e2e", "agents": [good]}).status
        == 403
    )
    assert _stored(running) == [] and "AgentRef:agentA" not in _controller_items(controller)
    assert _audit_requests(running) == []
    assert viewer.ok("/joc/api/agents/inventory", {})["agents"] == []
    assert viewer.ok("/joc/api/agents", {"controllerId": "e2e"})["agents"] == []
    assert account_on(running, "nobody").post("/joc/api/agents", {"controllerId": "e2e"}).status == 403
    live = {"controllerId": "e2e", "agentId": "agentA"}
    assert account_on(running, "nobody2").post("/joc/api/agent/subagents", live).status == 403
    not_stored = viewer.post("/joc/api/agent/subagents", live)
    assert not_stored.status == 420 and "Unknown Agent 'agentA'" in not_stored.error["message"]
    no_id = viewer.post("/joc/api/agent/subagents", {"controllerId": "e2e"})
    assert no_id.status == 420 and "agentId" in no_id.error["message"]

    joc.ok("/joc/api/agents/inventory/store", {"controllerId": "e2e", "agents": [good]})
    forbidden = [
        ("/joc/api/agents/inventory/revoke", {"controllerId": "e2e", "agentIds": ["agentA"]}),
        ("/joc/api/agents/inventory/disable", {"controllerId": "e2e", "agentIds": ["agentA"]}),
        ("/joc/api/agent/delete", {"controllerId": "e2e", "agentId": "agentA"}),
    ]
    for path, body in forbidden:
        assert viewer.post(path, body).status == 403, path
    assert [(a.agent_id, a.deployed, a.disabled) for a in _stored(running)] == [("agentA", True, False)]
    assert "AgentRef:agentA" in _controller_items(controller)
    assert Joc(running.url).post("/joc/api/agents", {"controllerId": "e2e"}).status == 401


def test_the_real_client_stores_agents_and_reads_their_state(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    url = _agent_url(controller)
    with js7_client(running) as client:
        assert client.agent.manage.store_standalone_agents(
            "e2e", [StoreAgent(id="agentA", name="a", url=url)]
        )
        assert _controller_items(controller)["AgentRef:agentA"]["uri"] == url
        found = client.agent.manage.get_agents_status_info("e2e", ["agentA"])
    assert [(a["agent_id"], a["agent_name"], a["url"]) for a in found] == [("agentA", "a", url)]
    assert [a.name for a in _stored(running)] == ["a"]
