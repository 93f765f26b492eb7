"""Fork and its join: js7-reference §10 E5 and E6, placement (§3.2) and failure at the fork boundary (§3.3)."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import Caught, Failed, HistoricOutcome, Succeeded
from tests.engine.harness import (
    add_order,
    apply,
    failed_rc,
    pairs,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)

A = "agentA"
B = "agentB"


def _job(name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": name, "label": name}


def _e5_state(join_if_failed: bool = False) -> EngineState:
    fork = {
        "TYPE": "Fork",
        "joinIfFailed": join_if_failed,
        "branches": [
            {"id": "a", "workflow": {"instructions": [_job("jobA")], "result": {"aValue": "$x"}}},
            {"id": "b", "workflow": {"instructions": [_job("jobB")]}},
        ],
    }
    jobs = {"jobA": shell_job(A), "jobB": shell_job(B), "after": shell_job(A)}
    state = state_with(workflow("W", {"instructions": [fork, _job("after")], "jobs": jobs}))
    add_order(state, "P", "W")
    return state


def _forked_children() -> tuple[o.ForkedChild, ...]:
    return (o.ForkedChild(order_id="P|a", branch_id="a"), o.ForkedChild(order_id="P|b", branch_id="b"))


def _to_agent(key: str, agent: str) -> list[tuple[str, e.Event]]:
    return [
        (key, e.OrderAttachable(agent_path=agent)),
        (key, e.OrderAttached(agent_path=agent)),
        (key, e.OrderProcessingStarted(subagent_id=agent)),
    ]


def _branch_done(key: str, branch: str) -> list[tuple[str, e.Event]]:
    return [
        (key, e.OrderMoved(to=(0, f"fork+{branch}", 1))),
        (key, e.OrderDetachable()),
        (key, e.OrderDetached()),
    ]


def test_e5_fork_at_controller_joins_with_branch_result() -> None:
    state = _e5_state()
    assert pairs(run(state, "P")) == [
        ("P", e.OrderStarted()),
        ("P", e.OrderForked(children=_forked_children())),
        *_to_agent("P|a", A),
        *_to_agent("P|b", B),
    ]
    child = state.orders["P|b"]
    assert child.position == (0, "fork+b", 0) and isinstance(child.state, o.Processing)
    assert child.parent == "P"

    a_outcome = rc(0, x="42")
    assert pairs(process(state, "P|a", a_outcome)) == [
        ("P|a", e.OrderProcessed(outcome=a_outcome)),
        *_branch_done("P|a", "a"),
    ]
    assert pairs(process(state, "P|b", rc(0))) == [
        ("P|b", e.OrderProcessed(outcome=rc(0))),
        *_branch_done("P|b", "b"),
        ("P", e.OrderJoined(outcome=Succeeded(named_values={"aValue": "42"}))),
        ("P", e.OrderMoved(to=(1,))),
        *_to_agent("P", A),
    ]
    assert "P|a" not in state.orders and "P|b" not in state.orders
    rest = process(state, "P", rc(0))
    assert [type(k.event) for k in rest][-1] is e.OrderFinished


def test_children_inherit_arguments_outcomes_and_priority() -> None:
    state = _e5_state()
    history = (HistoricOutcome((0,), rc(3)),)
    state.orders["P"] = _with(state.orders["P"], arguments={"v": "1"}, priority=7, historic_outcomes=history)
    run(state, "P")
    child = state.orders["P|a"]
    assert child.arguments == {"v": "1"} and child.priority == 7 and child.parent == "P"
    assert child.historic_outcomes == history


def test_an_attached_parent_detaches_before_forking_to_different_agents() -> None:
    branches = [
        {"id": "a", "workflow": {"instructions": [_job("jobA")]}},
        {"id": "b", "workflow": {"instructions": [_job("jobB")]}},
    ]
    instructions = [_job("first"), {"TYPE": "Fork", "branches": branches}]
    jobs = {"first": shell_job(A), "jobA": shell_job(A), "jobB": shell_job(B)}
    state = state_with(workflow("W", {"instructions": instructions, "jobs": jobs}))
    add_order(state, "P", "W")
    run(state, "P")
    all_events = pairs(process(state, "P", rc(0)))
    events = [(key, type(ev).__name__) for key, ev in all_events if key == "P"]
    assert events == [
        ("P", "OrderProcessed"),
        ("P", "OrderMoved"),
        ("P", "OrderDetachable"),
        ("P", "OrderDetached"),
        ("P", "OrderForked"),
    ]
    # The children are created at the Controller and attach to their own Agents.
    first_of_a = next(ev for key, ev in all_events if key == "P|a")
    assert first_of_a == e.OrderAttachable(agent_path=A)


def _with(order: o.Order, **changes: Any) -> o.Order:
    from msgspec.structs import replace

    return replace(order, **changes)


def test_e6_join_if_failed_joins_and_fails_the_parent() -> None:
    state = _e5_state(join_if_failed=True)
    run(state, "P")
    assert pairs(process(state, "P|b", failed_rc(1))) == [
        ("P|b", e.OrderProcessed(outcome=failed_rc(1))),
        ("P|b", e.OrderDetachable()),
        ("P|b", e.OrderDetached()),
        ("P|b", e.OrderFailedInFork(moved_to=(0, "fork+b", 0))),
    ]
    assert pairs(process(state, "P|a", rc(0, x="42"))) == [
        ("P|a", e.OrderProcessed(outcome=rc(0, x="42"))),
        *_branch_done("P|a", "a"),
        ("P", e.OrderJoined(outcome=Failed(message="P|b Failed"))),
        ("P", e.OrderFailed(moved_to=(0,))),
    ]
    assert isinstance(state.orders["P"].state, o.Failed)


def test_e6_without_join_if_failed_the_failed_child_blocks_until_cancelled() -> None:
    state = _e5_state(join_if_failed=False)
    run(state, "P")
    process(state, "P|a", rc(0, x="42"))
    assert pairs(process(state, "P|b", failed_rc(1)))[-1] == (
        "P|b",
        e.OrderFailed(moved_to=(0, "fork+b", 0)),
    )
    assert isinstance(state.orders["P"].state, o.Forked)
    assert run(state, "P", "P|b") == []

    # A Failed, detached child is cancelled at once; the command re-derives the parent.
    cancelled = apply(state, "P|b", e.OrderCancelled())
    assert pairs([cancelled, *run(state, "P")]) == [
        ("P|b", e.OrderCancelled()),
        ("P", e.OrderJoined(outcome=Failed(message="P|b has been cancelled"))),
        ("P", e.OrderFailed(moved_to=(0,))),
    ]


def test_failed_join_names_at_most_three_children() -> None:
    branches = [{"id": str(k), "workflow": {"instructions": [{"TYPE": "Fail"}]}} for k in range(4)]
    fork = {"TYPE": "Fork", "joinIfFailed": True, "branches": branches}
    state = state_with(workflow("W", {"instructions": [fork]}))
    add_order(state, "P", "W")
    events = run(state, "P")
    joined = [k.event for k in events if isinstance(k.event, e.OrderJoined)]
    message = "P|0 Failed;\nP|1 Failed;\nP|2 Failed"
    assert joined == [e.OrderJoined(outcome=Failed(message=message))]


def test_failed_join_inside_try_is_caught() -> None:
    branches = [{"id": "a", "workflow": {"instructions": [{"TYPE": "Fail"}]}}]
    fork = {"TYPE": "Fork", "joinIfFailed": True, "branches": branches}
    try_ = {"TYPE": "Try", "try": {"instructions": [fork]}, "catch": {"instructions": []}}
    state = state_with(workflow("W", {"instructions": [try_]}))
    add_order(state, "P", "W")
    assert pairs(run(state, "P")) == [
        ("P", e.OrderMoved(to=(0, "try+0", 0))),
        ("P", e.OrderStarted()),
        ("P", e.OrderForked(children=(o.ForkedChild(order_id="P|a", branch_id="a"),))),
        ("P|a", e.OrderOutcomeAdded(outcome=Failed())),
        ("P|a", e.OrderFailedInFork(moved_to=(0, "try+0", 0, "fork+a", 0))),
        ("P", e.OrderJoined(outcome=Failed(message="P|a Failed"))),
        ("P", e.OrderCaught(moved_to=(0, "catch+0", 0))),
        ("P", e.OrderMoved(to=(1,))),
        ("P", e.OrderFinished()),
    ]
    assert state.orders["P"].last_outcome() == Caught()


def test_agent_path_attaches_the_parent_before_forking() -> None:
    branches = [{"id": "a", "workflow": {"instructions": [_job("j")]}}]
    fork = {"TYPE": "Fork", "agentPath": A, "branches": branches}
    state = state_with(workflow("W", {"instructions": [fork], "jobs": {"j": shell_job(A)}}))
    add_order(state, "P", "W")
    assert pairs(run(state, "P")) == [
        ("P", e.OrderAttachable(agent_path=A)),
        ("P", e.OrderAttached(agent_path=A)),
        ("P", e.OrderStarted()),
        ("P", e.OrderForked(children=(o.ForkedChild(order_id="P|a", branch_id="a"),))),
        ("P", e.OrderDetachable()),
        ("P", e.OrderDetached()),
        ("P|a", e.OrderProcessingStarted(subagent_id=A)),
    ]


def test_three_children_on_one_agent_fork_there_two_do_not() -> None:
    def events_for(count: int) -> list[str]:
        branches = [{"id": f"b{k}", "workflow": {"instructions": [_job("j")]}} for k in range(count)]
        fork = {"TYPE": "Fork", "branches": branches}
        state = state_with(workflow("W", {"instructions": [fork], "jobs": {"j": shell_job(A)}}))
        add_order(state, "P", "W")
        return [type(k.event).__name__ for k in run(state, "P") if k.key == "P"]

    assert events_for(2) == ["OrderStarted", "OrderForked"]
    assert events_for(3) == [
        "OrderAttachable",
        "OrderAttached",
        "OrderStarted",
        "OrderForked",
        "OrderDetachable",
        "OrderDetached",
    ]


def test_finish_in_a_branch_ends_only_the_branch() -> None:
    branch = {"instructions": [{"TYPE": "Finish"}, {"TYPE": "Fail"}]}
    fork = {"TYPE": "Fork", "branches": [{"id": "a", "workflow": branch}]}
    state = state_with(workflow("W", {"instructions": [fork]}))
    add_order(state, "P", "W")
    events = pairs(run(state, "P"))
    assert ("P|a", e.OrderMoved(to=(0, "fork+a", 2))) in events
    assert events[-3:] == [
        ("P", e.OrderJoined(outcome=Succeeded())),
        ("P", e.OrderMoved(to=(1,))),
        ("P", e.OrderFinished()),
    ]
