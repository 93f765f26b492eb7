"""Stop (OrderStopped at the Controller, resumable), BreakOrder (OrderBroken) and Empty (a plain move)."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from tests.engine.harness import (
    add_order,
    apply,
    names,
    pairs,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)


def _state(*instructions: dict[str, Any]) -> EngineState:
    return state_with(workflow("W", {"instructions": list(instructions), "jobs": {"a": shell_job()}}))


JOB = {"TYPE": "Execute.Named", "jobName": "a"}


def test_stop_stops_a_fresh_order_after_starting_it() -> None:
    state = _state({"TYPE": "Stop"}, {"TYPE": "Empty"})
    add_order(state, "x", "W")
    assert pairs(run(state, "x")) == [("x", e.OrderStarted()), ("x", e.OrderStopped())]
    assert isinstance(state.orders["x"].state, o.Stopped)
    assert run(state, "x") == []


def test_stop_detaches_first_and_is_resumable() -> None:
    state = _state(JOB, {"TYPE": "Stop"}, JOB)
    add_order(state, "x", "W")
    run(state, "x")
    assert names(process(state, "x", rc(0))) == [
        "OrderProcessed", "OrderMoved", "OrderDetachable", "OrderDetached", "OrderStopped",
    ]  # fmt: skip
    apply(state, "x", e.OrderResumed(position=(2,)))
    assert names(run(state, "x")) == ["OrderAttachable", "OrderAttached", "OrderProcessingStarted"]


def test_break_order_breaks_the_order_where_it_is() -> None:
    state = _state({"TYPE": "BreakOrder"})
    add_order(state, "x", "W")
    assert pairs(run(state, "x")) == [("x", e.OrderBroken())]
    assert isinstance(state.orders["x"].state, o.Broken)


def test_empty_moves_on_without_starting() -> None:
    state = _state({"TYPE": "Empty"}, {"TYPE": "Empty"}, JOB)
    add_order(state, "x", "W")
    assert names(run(state, "x"))[:2] == ["OrderMoved", "OrderAttachable"]
    assert state.orders["x"].position == (2,)


def test_empty_at_a_start_position_moves_on() -> None:
    state = _state(JOB, {"TYPE": "Empty"})
    add_order(state, "x", "W", start_position=(1,))
    assert pairs(run(state, "x")) == [
        ("x", e.OrderMoved(to=(2,))),
        ("x", e.OrderStarted()),
        ("x", e.OrderFinished()),
    ]
