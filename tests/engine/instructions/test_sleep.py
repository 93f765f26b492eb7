"""Sleep: OrderSleeping{until, cause} then OrderMoved when due; zero or missing durations move on at once."""

from __future__ import annotations

from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup import next_wakeup
from stellwerk.model import events as e
from stellwerk.model import order as o
from tests.engine.harness import (
    T0,
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


def sleep_state(duration: str, first_job: bool = False) -> EngineState:
    sleep = {"TYPE": "Sleep", "duration": duration}
    instructions = [sleep, {"TYPE": "Empty"}]
    if first_job:
        instructions.insert(0, {"TYPE": "Execute.Named", "jobName": "a"})
    return state_with(workflow("W", {"instructions": instructions, "jobs": {"a": shell_job()}}))


def test_sleep_then_move_on_when_due() -> None:
    state = sleep_state("1.5")
    add_order(state, "s", "W")
    assert pairs(run(state, "s")) == [
        ("s", e.OrderStarted()),
        ("s", e.OrderSleeping(until=T0 + 1500, cause="SleepInstruction")),
    ]
    assert next_wakeup(state, "s") == T0 + 1500
    assert run(state, "s", now=T0 + 1499) == []
    assert pairs(run(state, "s", now=T0 + 1500)) == [
        ("s", e.OrderMoved(to=(2,))),
        ("s", e.OrderFinished()),
    ]


def test_zero_negative_and_missing_durations_move_on_at_once() -> None:
    for duration in ("0", "-3", "missing"):
        state = sleep_state(duration)
        add_order(state, "s", "W")
        assert names(run(state, "s")) == ["OrderStarted", "OrderMoved", "OrderFinished"]


def test_duration_from_a_variable() -> None:
    state = sleep_state("$seconds")
    add_order(state, "s", "W", arguments={"seconds": 60})
    assert run(state, "s")[-1].event == e.OrderSleeping(until=T0 + 60_000)


def test_non_number_fails_the_order() -> None:
    state = sleep_state("'soon'")
    add_order(state, "s", "W")
    assert names(run(state, "s")) == ["OrderStarted", "OrderOutcomeAdded", "OrderFailed"]


def test_sleep_on_the_agent_needs_no_detach() -> None:
    state = sleep_state("10", first_job=True)
    add_order(state, "s", "W")
    run(state, "s")
    events = process(state, "s", rc(0))
    assert names(events) == ["OrderProcessed", "OrderMoved", "OrderSleeping"]
    assert state.orders["s"].is_attached
    later = run(state, "s", now=T0 + 10_000)
    assert names(later) == ["OrderMoved", "OrderDetachable", "OrderDetached", "OrderFinished"]


def test_fresh_order_sleeps_after_its_scheduled_time() -> None:
    state = sleep_state("1")
    add_order(state, "s", "W", scheduled_for=T0 + 5000)
    assert run(state, "s") == []
    assert names(run(state, "s", now=T0 + 5000)) == ["OrderStarted", "OrderSleeping"]


def test_cancel_while_sleeping() -> None:
    state = sleep_state("100")
    add_order(state, "s", "W")
    run(state, "s")
    apply(state, "s", e.OrderCancellationMarked(mode=o.FreshOrStarted()))
    assert names(run(state, "s")) == ["OrderStateReset", "OrderCancelled"]
