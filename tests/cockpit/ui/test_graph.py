"""A workflow's graph: a node per instruction, edges into and out of blocks, orders counted per position."""

from __future__ import annotations

from typing import Any

from stellwerk.cockpit.services.workflows import with_positions
from stellwerk.cockpit.ui.graph import elements


def _graph(instructions: list[Any], positions: list[str]) -> tuple[dict[str, Any], set[tuple[str, str]]]:
    found = elements(with_positions(instructions), positions)
    nodes = {e["data"]["id"]: e["data"] for e in found if "source" not in e["data"]}
    edges = {(e["data"]["source"], e["data"]["target"]) for e in found if "source" in e["data"]}
    return nodes, edges


def test_an_if_leads_into_its_branch_and_both_ways_meet_at_the_next_instruction() -> None:
    instructions = [
        {
            "TYPE": "If",
            "predicate": "true",
            "then": {"instructions": [{"TYPE": "Execute.Named", "jobName": "a"}]},
        },
        {"TYPE": "Execute.Named", "jobName": "b", "label": "last"},
    ]
    nodes, edges = _graph(instructions, ["1", "0/then:0", "0/then:0", "2"])
    assert set(nodes) == {"0", "0/then:0", "0/then:end", "1", "end"}
    assert {
        ("0", "0/then:0"),
        ("0/then:0", "0/then:end"),
        ("0/then:end", "1"),
        ("0", "1"),
        ("1", "end"),
    } == edges
    assert nodes["0/then:0"]["orders"] == 2 and nodes["0/then:0"]["label"] == "Job a\n2 orders"
    assert nodes["1"]["orders"] == 1 and nodes["1"]["title"] == "Job last"
    assert nodes["end"]["orders"] == 1  # past the last instruction: at the end


def test_fork_branches_each_get_a_path_and_an_end() -> None:
    branch = lambda job: {"instructions": [{"TYPE": "Execute.Named", "jobName": job}]}  # noqa: E731
    instructions = [
        {
            "TYPE": "Fork",
            "branches": [{"id": "l", "workflow": branch("x")}, {"id": "r", "workflow": branch("y")}],
        }
    ]
    nodes, edges = _graph(instructions, ["0/fork+r:1"])
    assert {
        ("0", "0/fork+l:0"),
        ("0", "0/fork+r:0"),
        ("0/fork+l:end", "end"),
        ("0/fork+r:end", "end"),
    } <= edges
    assert nodes["0/fork+r:end"]["orders"] == 1
