"""`/joc/api/agents/reset` against a real Controller and Agent: the Controller resets the Agent (its reset events
are journaled, the Agent is dedicated anew and coupled again) and the reset is audited; an unknown Agent, a
missing field and an account without the permission are refused and change nothing."""

from __future__ import annotations

from typing import Any

from tests.cockpit.api.agents.conftest import account_on
from tests.cockpit.api.agents.test_agents import _agent_url, _audit_requests
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.ctl.conftest import root
from tests.cockpit.api.schema import assert_valid
from tests.cockpit.backends import SQLITE_ONLY, run
from tests.e2e.nodes import events, until_async

pytestmark = SQLITE_ONLY


def _agent_events(controller: ControllerNodes) -> list[dict[str, Any]]:
    async def found() -> list[dict[str, Any]]:
        async with controller.client() as client:
            return [event for event in await events(client) if event.get("Key") == "agentA"]

    return run(found)


def test_a_reset_reaches_the_controller_and_the_agent_couples_again(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = root(running)
    agent = {"agentId": "agentA", "agentName": "agent", "url": _agent_url(controller)}
    joc.ok("/joc/api/agents/inventory/store", {"controllerId": "e2e", "agents": [agent]})
    viewer = account_on(running, "viewer", ("sos:products:controller:agents:view",))
    refused = [
        viewer.post("/joc/api/agents/reset", {"controllerId": "e2e", "agentIds": ["agentA"]}),
        joc.post("/joc/api/agents/reset", {"controllerId": "e2e", "agentIds": ["agentA", "ghost"]}),
        joc.post("/joc/api/agents/reset", {"controllerId": "e2e"}),
    ]
    assert [answer.status for answer in refused][0] == 403
    assert (
        refused[1].status >= 400 and "$.agentIds" in str(refused[1].body) and "ghost" in str(refused[1].body)
    )
    assert refused[2].status >= 400 and "agentIds" in str(refused[2].body)
    assert not [e for e in _agent_events(controller) if e["TYPE"].startswith("AgentReset")]

    answer = joc.ok("/joc/api/agents/reset", {"controllerId": "e2e", "agentIds": ["agentA"], "force": True})
    assert_valid("common/ok-schema.json", answer)

    async def dedicated_anew() -> bool:
        names = [e["TYPE"] for e in _agent_events(controller)]
        reset_at = names.index("AgentReset") if "AgentReset" in names else len(names)
        return "AgentCoupled" in names[reset_at:]

    run(lambda: until_async(dedicated_anew, 30, "agentA reset and coupled again"))
    names = [e["TYPE"] for e in _agent_events(controller)]
    started = names.index("AgentResetStarted")
    assert names.index("AgentReset") > started
    assert "AgentDedicated" in names[started:]
    assert _audit_requests(running).count("./agents/reset") == 1
