"""The Product Status panel's colours from the components answer and the Controller's Agents."""

from __future__ import annotations

from typing import Any

from stellwerk.cockpit.ui.status import (
    GREEN,
    JOC_MANAGE,
    RED,
    RESTART,
    SWITCH_OVER,
    TERMINATE,
    YELLOW,
    Action,
    agent_colour,
    cockpit_tile,
    controller_colour,
    panel,
)
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit
from tests.cockpit.ui.test_session import Browser

ESTABLISHED = {"_text": "established"}
UNREACHABLE = {"_text": "unreachable"}


def _components(connection: dict[str, str]) -> dict[str, Any]:
    return {
        "jocs": [{"host": "h", "version": "1"}],
        "database": {"dbms": "SQLite", "version": "3", "connectionState": ESTABLISHED},
        "controllers": [
            {"controllerId": "c", "url": "https://n", "role": "STANDALONE", "connectionState": connection}
        ],
    }


def test_a_controller_that_answers_is_green_and_one_that_does_not_is_red() -> None:
    assert controller_colour({"role": "STANDALONE", "connectionState": ESTABLISHED}) == GREEN
    assert controller_colour({"role": "STANDALONE", "connectionState": UNREACHABLE}) == RED
    backup = {"role": "BACKUP", "connectionState": ESTABLISHED, "clusterNodeState": {"_text": "inactive"}}
    assert controller_colour(backup) == YELLOW
    assert controller_colour({**backup, "isCoupled": True}) == GREEN


def test_an_agent_is_yellow_when_its_controller_answers_but_has_not_coupled_it() -> None:
    assert agent_colour({"state": {"_text": "COUPLED"}}, controller_up=True) == GREEN
    assert agent_colour({"state": {"_text": "COUPLINGFAILED"}}, controller_up=True) == YELLOW
    assert agent_colour({"state": {"_text": "UNKNOWN"}}, controller_up=False) == RED


def test_the_panel_has_a_tile_per_instance_and_a_line_per_connection() -> None:
    agents = {"c": [{"agentId": "a", "state": {"_text": "COUPLED"}}]}
    up = panel([_components(ESTABLISHED)], agents)
    assert [(t.kind, t.colour) for t in up.tiles] == [
        ("Cockpit", GREEN), ("Database", GREEN), ("Controller", GREEN), ("Agent", GREEN),
    ]  # fmt: skip
    assert [line.colour for line in up.lines] == [GREEN, GREEN, GREEN]
    down = panel([_components(UNREACHABLE)], {"c": [{"agentId": "a", "state": {"_text": "UNKNOWN"}}]})
    assert [t.colour for t in down.tiles if t.kind in ("Controller", "Agent")] == [RED, RED]


def test_a_cluster_nodes_tile_offers_switch_over_and_confirming_a_node_loss() -> None:
    standalone = panel([_components(ESTABLISHED)], {})
    [alone] = [t for t in standalone.tiles if t.kind == "Controller"]
    assert [action.label for action in alone.actions] == [
        "Terminate",
        "Restart",
        "Abort",
        "Abort and restart",
    ]
    assert alone.actions[1] == Action(
        "Restart", "/ui/controller/restart?controller=c&url=https%3A%2F%2Fn", RESTART
    )
    clustered = _components(ESTABLISHED)
    clustered["controllers"] = [
        {"controllerId": "c 1", "url": "https://p", "role": "PRIMARY", "connectionState": ESTABLISHED,
         "clusterNodeState": {"_text": "active"}},
    ]  # fmt: skip
    [tile] = [t for t in panel([clustered], {}).tiles if t.kind == "Controller"]
    assert tile.actions[-2:] == (
        Action("Switch over", "/ui/controller/cluster/switch-over?controller=c%201", SWITCH_OVER),
        Action("Confirm node loss", "/ui/controller/cluster/confirm-node-loss?controller=c%201", SWITCH_OVER),
    )
    without = "/ui/controller/terminate?controller=c%201&url=https%3A%2F%2Fp&switchover="
    assert Action("Terminate without switch-over", without, TERMINATE) in tile.actions


def test_the_cluster_operations_go_through_the_api_handlers(cockpit: RunningCockpit) -> None:
    browser = Browser(cockpit.url)
    assert browser.log_in("root", ADMIN_PASSWORD)[0] == 303
    token = browser.cookie("stellwerk_csrf") or ""
    path = "/ui/controller/cluster/switch-over?controller=nowhere"
    assert browser.request(path, {"csrf": "forged"})[0] == 403
    status, answer = browser.request(path, {"csrf": token})
    assert status >= 400 and "nowhere" in answer, answer  # no such Controller: refused by the handler
    assert browser.request("/ui/controller/cluster/explode?controller=nowhere", {"csrf": token})[0] == 404
    restart = "/ui/controller/restart?controller=nowhere&url=https%3A%2F%2Fnowhere"
    assert browser.request(restart, {"csrf": "forged"})[0] == 403
    status, answer = browser.request(restart, {"csrf": token})
    assert status >= 400 and "nowhere" in answer, answer
    assert browser.request("/ui/controller/explode?controller=c&url=u", {"csrf": token})[0] == 404


def test_the_cockpit_tiles_offer_the_services_on_the_active_member_and_a_switch_to_a_standby() -> None:
    this = {
        "host": "h",
        "version": "1",
        "memberId": "h:1",
        "current": True,
        "clusterNodeState": {"_text": "active"},
    }
    other = {
        "host": "g",
        "version": "1",
        "memberId": "g:2",
        "current": False,
        "clusterNodeState": {"_text": "inactive"},
    }
    active, standby = cockpit_tile(this), cockpit_tile(other)
    assert active.key == "cockpit" and active.operations == (("Download log", "/ui/joc/log"),)
    assert Action("Run the Daily Plan now", "/ui/joc/run?type=dailyplan", JOC_MANAGE) in active.actions
    assert Action("Restart all services", "/ui/joc/restart?type=cluster", JOC_MANAGE) in active.actions
    assert standby.key == "cockpit:g:2" and standby.operations == ()
    assert standby.actions[0] == Action(
        "Switch over to this member", "/ui/joc/switch?member=g%3A2", JOC_MANAGE
    )
    assert standby.actions[-1].label == "Update URL" and standby.actions[-1].prompt.startswith("The new URL")
    assert "standby" in standby.detail and "active" in active.detail


def test_the_cockpit_operations_go_through_the_api_handlers(cockpit: RunningCockpit) -> None:
    browser = Browser(cockpit.url)
    assert browser.log_in("root", ADMIN_PASSWORD)[0] == 303
    token = browser.cookie("stellwerk_csrf") or ""
    assert browser.request("/ui/joc/restart?type=history", {"csrf": "forged"})[0] == 403
    status, answer = browser.request("/ui/joc/restart?type=history", {"csrf": token})
    assert status == 200 and "Restarted the history service" in answer, answer
    status, answer = browser.request("/ui/joc/run?type=history", {"csrf": token})
    assert status >= 400 and "cannot be run on demand" in answer, answer
    status, answer = browser.request("/ui/joc/restart?type=everything", {"csrf": token})
    assert status == 400 and "type" in answer, answer
    assert browser.request("/ui/joc/explode?type=cluster", {"csrf": token})[0] == 404
    status, answer = browser.request("/ui/joc/switch?member=nobody", {"csrf": token})
    assert status >= 400 and "nobody" in answer, answer
    assert browser.request("/ui/joc/url?member=", {"csrf": token})[0] == 400  # no URL given
    prompted = {"HX-Prompt": "https://cockpit.example", "HX-Request": "true"}
    status, answer = browser.request("/ui/joc/url?member=", {"csrf": token}, prompted)
    assert status == 200 and "is reached at https://cockpit.example" in answer, answer
    status, answer = browser.request("/ui/joc/log")
    assert status == 200 or (status == 404 and "does not exist" in answer), (status, answer)
