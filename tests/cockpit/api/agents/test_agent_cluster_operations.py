"""`/joc/api/agent/cluster/switchover` and `/confirm_node_loss` against a real Controller (the Cluster Watch of
its cluster Agents): they reach the Controller, which refuses them for an Agent that is no cluster Agent; an
unknown Agent, a missing field and an account without the permission are refused before. The operations on a
real cluster Agent are shown end to end in tests/e2e/test_agent_cluster.py."""

from __future__ import annotations

from tests.cockpit.api.agents.conftest import account_on
from tests.cockpit.api.agents.test_agents import _agent_url
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.ctl.conftest import root

OPERATIONS = ("/joc/api/agent/cluster/switchover", "/joc/api/agent/cluster/confirm_node_loss")


def test_the_operations_go_to_the_controller_and_bad_requests_are_refused(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = root(running)
    director = {"subagentId": "agentA-1", "url": _agent_url(controller), "isDirector": "PRIMARY_DIRECTOR"}
    cluster_agent = {"agentId": "agentA", "agentName": "cluster", "subagents": [director]}
    joc.ok(
        "/joc/api/agents/inventory/cluster/store", {"controllerId": "e2e", "clusterAgents": [cluster_agent]}
    )
    viewer = account_on(running, "viewer", ("sos:products:controller:agents:view",))
    for path in OPERATIONS:
        answer = joc.post(path, {"controllerId": "e2e", "agentId": "agentA"})
        assert answer.status == 420 and "no cluster Agent" in answer.error["message"], answer
        unknown = joc.post(path, {"controllerId": "e2e", "agentId": "ghost"})
        assert unknown.status >= 400 and "$.agentId" in str(unknown.body), unknown
        missing = joc.post(path, {"controllerId": "e2e"})
        assert missing.status >= 400 and "agentId" in str(missing.body), missing
        assert viewer.post(path, {"controllerId": "e2e", "agentId": "agentA"}).status == 403
    audit = joc.ok("/joc/api/audit_log", {"controllerId": "e2e"})
    assert not [
        entry for entry in audit["auditLog"] if "agent/cluster" in entry["request"]
    ]  # nothing was done
