"""The Agents view on every database: standalone and cluster Agents with their Subagents and Subagent clusters
(their Controller does not answer: the state is unknown, not left out), disabling an Agent and a Subagent
through the API's handlers (stored and audited), the CSRF check and bad input changing nothing, and an account
without the permissions seeing no controls and getting 403."""

from __future__ import annotations

import re
from collections.abc import Callable

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import DirectorRole
from stellwerk.cockpit.db.repositories.agents import (
    AgentEntry,
    AgentRepository,
    SubagentClusterEntry,
    SubagentEntry,
    SubagentPriority,
)
from tests.cockpit.api.agents.test_agents import _audit_requests
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit, _register
from tests.cockpit.api.joc import Joc
from tests.cockpit.ui.test_session import Browser

UNREACHABLE = "https://127.0.0.1:9"
AGENTS_VIEW = ("sos:products:controller:view", "sos:products:controller:agents:view")


async def _agents(cockpit: Cockpit) -> None:
    await _register(cockpit, "c", UNREACHABLE)
    async with cockpit.database.session() as db:
        agents = AgentRepository(db)
        await agents.store(
            AgentEntry(controller_id="c", agent_id="agentA", name="agentA", url=UNREACHABLE), 1
        )
        cluster = AgentEntry(
            controller_id="c", agent_id="clusterA", name="clusterA", url=UNREACHABLE, is_cluster=True
        )
        await agents.store(cluster, 1)
        await agents.store_subagents(
            "c",
            "clusterA",
            [
                SubagentEntry(
                    subagent_id="director", url=UNREACHABLE, director=DirectorRole.PRIMARY_DIRECTOR
                ),
                SubagentEntry(subagent_id="worker", url="https://127.0.0.1:10", ordering=1),
            ],
        )
        members = (
            SubagentPriority(subagent_id="director", priority=1),
            SubagentPriority(subagent_id="worker"),
        )
        await agents.store_subagent_cluster(
            "c", "clusterA", SubagentClusterEntry(cluster_id="both", members=members)
        )


def _disabled(running: RunningCockpit) -> dict[str, bool]:
    """Whether each stored Agent and Subagent is disabled, by id."""

    async def read(cockpit: Cockpit) -> dict[str, bool]:
        async with cockpit.database.session() as db:
            agents = AgentRepository(db)
            found = {agent.agent_id: agent.disabled for agent in await agents.agents("c")}
            found |= {s.subagent_id: s.disabled for s in await agents.subagents("c", "clusterA")}
            return found

    return running.call(read)


def _logged_in(running: RunningCockpit, account: str, password: str) -> Browser:
    browser = Browser(running.url)
    assert browser.log_in(account, password) == (303, "/ui/")
    return browser


def _post(browser: Browser, operation: str, agent_id: str, csrf: str | None = None) -> tuple[int, str]:
    token = browser.cookie("stellwerk_csrf") or "" if csrf is None else csrf
    return browser.request(f"/ui/agents/{operation}", {"csrf": token, "controller": "c", "id": agent_id})


def test_the_agents_view_shows_agents_subagents_and_clusters_and_disables_them(
    cockpit: RunningCockpit,
) -> None:
    cockpit.call(_agents)
    browser = _logged_in(cockpit, "root", ADMIN_PASSWORD)
    status, page = browser.request("/ui/agents?controller=c")
    assert status == 200 and 'href="/ui/agents" aria-current="page"' in page
    assert re.findall(r'data-agent="([^"]+)"', page) == ["agentA", "clusterA"]
    assert re.findall(r'data-subagent="([^"]+)"', page) == ["director", "worker"]
    assert 'data-subagent-cluster="both"' in page and "priority 1" in page
    assert page.count('data-agent-state="UNKNOWN"') == 2 and "does not answer now" in page
    assert 'hx-post="/ui/agents/disable"' in page and "Switch over</button>" in page
    assert 'hx-post="/ui/agents/reset"' in page  # the standalone Agent; the cluster Agent's Reset is disabled
    assert page.count('disabled aria-describedby="cluster-note">Reset') == 1

    assert _post(browser, "disable", "agentA", csrf="forged")[0] == 403
    assert _disabled(cockpit)["agentA"] is False
    status, answer = _post(browser, "disable", "agentA")
    assert status == 200 and "Disabled the Agent agentA" in answer
    status, answer = _post(browser, "disable-subagent", "worker")
    assert status == 200 and "Disabled the Subagent worker" in answer
    assert _disabled(cockpit) == {"agentA": True, "clusterA": False, "director": False, "worker": True}
    assert {"./agents/inventory/disable", "./agents/inventory/cluster/subagents/disable"} <= set(
        _audit_requests(cockpit)
    )
    page = browser.request("/ui/agents?controller=c")[1]
    assert 'hx-post="/ui/agents/enable"' in page and 'hx-post="/ui/agents/enable-subagent"' in page

    status, answer = _post(browser, "enable", "")
    assert status == 400 and "$.id: Field required" in answer
    status, answer = _post(browser, "enable", "x" * 300)
    assert status == 400 and "agentIds" in answer
    status, answer = _post(browser, "enable", "clusterA")
    assert status == 404 and "$.agentIds[0]: clusterA is no standalone Agent" in answer
    status, answer = _post(browser, "reset", "ghost")  # an unknown Agent is refused before the Controller
    assert status >= 400 and "$.agentIds" in answer and "ghost" in answer, answer
    assert _disabled(cockpit)["agentA"] is True

    # A cluster Agent's switch-over and confirmation of a Director's loss go to its Controller (its watch), which
    # is not registered here; an unknown Agent is refused first.
    assert 'hx-post="/ui/agents/switch-over"' in page and 'hx-post="/ui/agents/confirm-node-loss"' in page
    status, answer = _post(browser, "switch-over", "ghost")
    assert status >= 400 and "$.agentId" in answer, answer
    status, answer = _post(browser, "confirm-node-loss", "clusterA")
    assert status >= 400 and "Controller" in answer, answer
    assert not {"./agent/cluster/switchover", "./agent/cluster/confirm_node_loss"} & set(
        _audit_requests(cockpit)
    )


def test_an_account_without_the_permissions_sees_no_controls_and_is_refused(
    cockpit: RunningCockpit, account: Callable[..., Joc]
) -> None:
    cockpit.call(_agents)
    account("watcher", permissions=AGENTS_VIEW)
    browser = _logged_in(cockpit, "watcher", "watcher-password")
    status, page = browser.request("/ui/agents")
    assert status == 200 and 'data-agent="agentA"' in page
    assert "hx-post" not in page and '<button type="button"' not in page
    assert (
        "data-subagent-cluster" not in page
    )  # the inventory's Subagent clusters need the administration view
    status, answer = _post(browser, "disable", "agentA")
    assert status == 403 and "sos:products:joc:administration:controllers:manage" in answer
    assert _disabled(cockpit)["agentA"] is False

    account("stranger", permissions=("sos:products:controller:view",))
    browser = _logged_in(cockpit, "stranger", "stranger-password")
    status, page = browser.request("/ui/agents?controller=c")
    assert status == 403 and "sos:products:controller:agents:view" in page
    assert 'href="/ui/agents"' not in browser.request("/ui/password")[1]
