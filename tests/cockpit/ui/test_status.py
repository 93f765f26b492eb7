"""The Product Status panel's colours from the components answer and the Controller's Agents."""

from __future__ import annotations

from typing import Any

from stellwerk.cockpit.ui.status import GREEN, RED, YELLOW, agent_colour, controller_colour, panel

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
