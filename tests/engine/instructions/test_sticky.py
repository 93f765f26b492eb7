"""StickySubagent: entering and leaving the block, on success, failure, catch and cancel; no nesting."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import Caught, disrupted
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
JOB = {"TYPE": "Execute.Named", "jobName": "j", "label": "j"}


def _sticky(*body: dict[str, Any], bundle: str | None = None) -> dict[str, Any]:
    sticky: dict[str, Any] = {
        "TYPE": "StickySubagent",
        "agentPath": A,
        "subworkflow": {"instructions": list(body)},
    }
    if bundle is not None:
        sticky["subagentBundleIdExpr"] = bundle
    return sticky


def _state(*instructions: dict[str, Any]) -> EngineState:
    state = state_with(workflow("W", {"instructions": list(instructions), "jobs": {"j": shell_job(A)}}))
    add_order(state, "S", "W")
    return state


def test_sticky_block_is_entered_and_left() -> None:
    state = _state(_sticky(JOB, bundle="'agentA'"))
    assert pairs(run(state, "S")) == [
        ("S", e.OrderStickySubagentEntered(agent_path=A, subagent_bundle_id=A)),
        ("S", e.OrderAttachable(agent_path=A)),
        ("S", e.OrderAttached(agent_path=A)),
        ("S", e.OrderStarted()),
        ("S", e.OrderProcessingStarted(subagent_id=A)),
    ]
    order = state.orders["S"]
    assert order.position == (0, "stickySubagent", 0)
    assert order.sticky_subagents == (o.StickySubagentEntry(agent_path=A, subagent_bundle_id=A),)
    assert pairs(process(state, "S", rc(0))) == [
        ("S", e.OrderProcessed(outcome=rc(0))),
        ("S", e.OrderMoved(to=(0, "stickySubagent", 1))),
        ("S", e.OrderStickySubagentLeaved()),
        ("S", e.OrderMoved(to=(1,))),
        ("S", e.OrderDetachable()),
        ("S", e.OrderDetached()),
        ("S", e.OrderFinished()),
    ]
    assert state.orders["S"].sticky_subagents == ()


def test_sticky_block_is_left_when_the_job_fails() -> None:
    state = _state(_sticky(JOB))
    run(state, "S")
    assert pairs(process(state, "S", failed_rc(1))) == [
        ("S", e.OrderProcessed(outcome=failed_rc(1))),
        ("S", e.OrderDetachable()),
        ("S", e.OrderDetached()),
        ("S", e.OrderStickySubagentLeaved()),
        ("S", e.OrderFailed(moved_to=(0,))),
    ]
    assert state.orders["S"].sticky_subagents == ()


def test_a_caught_failure_leaves_the_sticky_block_on_the_agent() -> None:
    try_ = {"TYPE": "Try", "try": {"instructions": [_sticky(JOB)]}, "catch": {"instructions": []}}
    state = _state(try_)
    run(state, "S")
    assert pairs(process(state, "S", failed_rc(1)))[:4] == [
        ("S", e.OrderProcessed(outcome=failed_rc(1))),
        ("S", e.OrderStickySubagentLeaved()),
        ("S", e.OrderCaught(moved_to=(0, "catch+0", 0))),
        ("S", e.OrderMoved(to=(1,))),
    ]
    order = state.orders["S"]
    assert order.sticky_subagents == () and order.last_outcome() == Caught()


def test_sticky_block_is_left_when_the_order_is_cancelled_inside() -> None:
    state = _state(_sticky(JOB, JOB))
    run(state, "S")
    apply(state, "S", e.OrderCancellationMarked(mode=o.FreshOrStarted()))
    assert pairs(process(state, "S", rc(0)))[-2:] == [
        ("S", e.OrderStickySubagentLeaved()),
        ("S", e.OrderCancelled()),
    ]
    assert state.orders["S"].sticky_subagents == ()


def test_nested_sticky_blocks_fail_the_order() -> None:
    state = _state(_sticky(_sticky(JOB)))
    assert pairs(run(state, "S")) == [
        ("S", e.OrderStickySubagentEntered(agent_path=A)),
        ("S", e.OrderStarted()),
        ("S", e.OrderOutcomeAdded(outcome=disrupted("StickySubagent instruction must not be nested"))),
        ("S", e.OrderStickySubagentLeaved()),
        ("S", e.OrderFailed(moved_to=(0,))),
    ]


def test_a_bad_bundle_expression_fails_the_order() -> None:
    state = _state(_sticky(JOB, bundle="1 +"))
    events = pairs(run(state, "S"))
    assert [type(ev).__name__ for _, ev in events] == ["OrderStarted", "OrderOutcomeAdded", "OrderFailed"]
    assert events[-1] == ("S", e.OrderFailed(moved_to=(0,)))
