"""ForkList: js7-reference §10 E12, the empty list, placement on one Agent and child id problems."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import Succeeded, disrupted
from tests.engine.harness import add_order, pairs, process, rc, run, shell_job, state_with, workflow

A = "agentA"
TO_ID = '(x, i) => ($i + 1) ++ "." ++ $x.host'


def _state(
    hosts: list[dict[str, Any]], to_id: str = TO_ID, to_arguments: str | None = "(x) => $x"
) -> EngineState:
    fork_list: dict[str, Any] = {
        "TYPE": "ForkList",
        "children": "$hosts",
        "childToId": to_id,
        "workflow": {
            "instructions": [{"TYPE": "Execute.Named", "jobName": "ping", "label": "ping"}],
            "result": {"pinged": "$host"},
        },
    }
    if to_arguments is not None:
        fork_list["childToArguments"] = to_arguments
    state = state_with(
        workflow("W", {"instructions": [fork_list], "jobs": {"ping": shell_job(A, processLimit=10)}})
    )
    add_order(state, "L", "W", arguments={"hosts": hosts})
    return state


def _child_done(key: str) -> list[tuple[str, e.Event]]:
    return [
        (key, e.OrderProcessed(outcome=rc(0))),
        (key, e.OrderMoved(to=(0, "fork", 1))),
        (key, e.OrderDetachable()),
        (key, e.OrderDetached()),
    ]


def _to_agent(key: str) -> list[tuple[str, e.Event]]:
    return [
        (key, e.OrderAttachable(agent_path=A)),
        (key, e.OrderAttached(agent_path=A)),
        (key, e.OrderProcessingStarted(subagent_id=A)),
    ]


def test_e12_fork_list_over_a_list_argument() -> None:
    state = _state([{"host": "alpha"}, {"host": "beta"}])
    children = (
        o.ForkedChild(order_id="L|1.alpha", arguments={"host": "alpha"}),
        o.ForkedChild(order_id="L|2.beta", arguments={"host": "beta"}),
    )
    assert pairs(run(state, "L")) == [
        ("L", e.OrderStarted()),
        ("L", e.OrderForked(children=children)),
        *_to_agent("L|1.alpha"),
        *_to_agent("L|2.beta"),
    ]
    child = state.orders["L|2.beta"]
    assert child.position == (0, "fork", 0)
    assert child.arguments == {"hosts": [{"host": "alpha"}, {"host": "beta"}], "host": "beta"}
    assert pairs(process(state, "L|1.alpha", rc(0))) == _child_done("L|1.alpha")
    assert pairs(process(state, "L|2.beta", rc(0))) == [
        *_child_done("L|2.beta"),
        ("L", e.OrderJoined(outcome=Succeeded(named_values={"pinged": ["alpha", "beta"]}))),
        ("L", e.OrderMoved(to=(1,))),
        ("L", e.OrderFinished()),
    ]


def test_empty_list_forks_no_children_and_joins_at_once() -> None:
    state = _state([])
    assert pairs(run(state, "L")) == [
        ("L", e.OrderStarted()),
        ("L", e.OrderForked(children=())),
        ("L", e.OrderJoined(outcome=Succeeded())),
        ("L", e.OrderMoved(to=(1,))),
        ("L", e.OrderFinished()),
    ]


def test_three_children_on_one_agent_fork_on_that_agent() -> None:
    state = _state([{"host": h} for h in ("a", "b", "c")])
    events = pairs(run(state, "L"))
    assert [type(ev).__name__ for key, ev in events if key == "L"] == [
        "OrderAttachable",
        "OrderAttached",
        "OrderStarted",
        "OrderForked",
        "OrderDetachable",
        "OrderDetached",
    ]
    # The children are created on the Agent: they start their job without attaching.
    assert [ev for key, ev in events if key == "L|1.a"] == [e.OrderProcessingStarted(subagent_id=A)]
    for key in ("L|1.a", "L|2.b"):
        process(state, key, rc(0))
    assert pairs(process(state, "L|3.c", rc(0)))[-3:] == [
        ("L", e.OrderJoined(outcome=Succeeded(named_values={"pinged": ["a", "b", "c"]}))),
        ("L", e.OrderMoved(to=(1,))),
        ("L", e.OrderFinished()),
    ]


def test_single_parameter_child_to_id_and_no_child_arguments() -> None:
    state = _state([{"host": "x"}], to_id="(x) => $x.host", to_arguments=None)
    forked = [k.event for k in run(state, "L") if isinstance(k.event, e.OrderForked)]
    assert forked == [e.OrderForked(children=(o.ForkedChild(order_id="L|x"),))]


def _failure(state: EngineState) -> list[tuple[str, e.Event]]:
    return pairs(run(state, "L"))


def test_duplicate_child_ids_fail_the_parent() -> None:
    state = _state([{"host": "x"}, {"host": "x"}], to_id="(x) => $x.host")
    assert _failure(state) == [
        ("L", e.OrderStarted()),
        ("L", e.OrderOutcomeAdded(outcome=disrupted("Duplicate child IDs in $hosts: L|x"))),
        ("L", e.OrderFailed(moved_to=(0,))),
    ]


def test_child_id_with_a_bar_fails_the_parent() -> None:
    state = _state([{"host": "a|b"}], to_id="(x) => $x.host")
    events = _failure(state)
    assert [type(ev).__name__ for _, ev in events] == ["OrderStarted", "OrderOutcomeAdded", "OrderFailed"]
    added = events[1][1]
    assert isinstance(added, e.OrderOutcomeAdded)
    assert added.outcome == disrupted("Invalid child order id 'a|b': must not be empty or contain '|'")


def test_children_that_are_not_a_list_fail_the_parent() -> None:
    state = state_with(
        workflow(
            "W",
            {
                "instructions": [
                    {"TYPE": "ForkList", "children": "'text'", "childToId": "(x) => $x", "workflow": {}}
                ]
            },
        )
    )
    add_order(state, "L", "W")
    assert [type(k.event).__name__ for k in run(state, "L")] == [
        "OrderStarted",
        "OrderOutcomeAdded",
        "OrderFailed",
    ]
    assert isinstance(state.orders["L"].state, o.Failed)
