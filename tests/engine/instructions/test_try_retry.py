"""Try and Retry (js7-reference §3.1, §3.3, §10 E4): catching, retry delays and their rounding, maxTries, nested
Try blocks, the try count in expressions and the Caught entries of the history."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup import next_wakeup
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import Caught, Failed, HistoricOutcome, TimedOut
from tests.engine.harness import (
    T0,
    add_order,
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
JOBS = {name: shell_job(A) for name in ("flaky", "first", "later", "cleanup", "outer", "alert")}
JOBS["slow"] = shell_job(A, timeout=5, sigkillDelay=3)
RETRY = {"TYPE": "Retry"}


def named(job_name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": job_name, "label": job_name}


def try_(body: list[dict[str, Any]], catch: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"TYPE": "Try", "try": {"instructions": body}, "catch": {"instructions": catch}, **fields}


def state_of(*instructions: dict[str, Any]) -> EngineState:
    return state_with(workflow("W", {"instructions": list(instructions), "jobs": JOBS}))


def e4_state() -> EngineState:
    return state_of(try_([named("flaky")], [RETRY], maxTries=3, retryDelays=[10, 20]))


def try_n(n: int) -> tuple[int | str, ...]:
    return (0, f"try+{n}", 0)


def catch_n(n: int) -> tuple[int | str, ...]:
    return (0, f"catch+{n}", 0)


def test_e4_three_failing_tries_with_delays_10_then_20() -> None:
    state = e4_state()
    add_order(state, "ex4", "W")
    assert pairs(run(state, "ex4")) == [
        ("ex4", e.OrderMoved(to=try_n(0))),
        ("ex4", e.OrderAttachable(agent_path=A)),
        ("ex4", e.OrderAttached(agent_path=A)),
        ("ex4", e.OrderStarted()),
        ("ex4", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "ex4", failed_rc(1))) == [
        ("ex4", e.OrderProcessed(outcome=failed_rc(1))),
        ("ex4", e.OrderCaught(moved_to=catch_n(0))),
        ("ex4", e.OrderRetrying(delayed_until=T0 + 10_000)),
    ]
    assert state.orders["ex4"].state == o.DelayingRetry(until=T0 + 10_000)
    assert next_wakeup(state, "ex4") == T0 + 10_000
    assert run(state, "ex4", now=T0 + 9_999) == []
    assert pairs(run(state, "ex4", now=T0 + 10_000)) == [
        ("ex4", e.OrderAwoke()),
        ("ex4", e.OrderMoved(to=try_n(1))),
        ("ex4", e.OrderProcessingStarted(subagent_id=A)),
    ]
    # The second try ends at t' = T0 + 12.5 s: t' + 20 s is rounded up to the next full second.
    second_end = T0 + 12_500
    assert pairs(process(state, "ex4", failed_rc(1), now=second_end)) == [
        ("ex4", e.OrderProcessed(outcome=failed_rc(1))),
        ("ex4", e.OrderCaught(moved_to=catch_n(1))),
        ("ex4", e.OrderRetrying(delayed_until=T0 + 33_000)),
    ]
    assert pairs(run(state, "ex4", now=T0 + 33_000)) == [
        ("ex4", e.OrderAwoke()),
        ("ex4", e.OrderMoved(to=try_n(2))),
        ("ex4", e.OrderProcessingStarted(subagent_id=A)),
    ]
    # The third try is maxTries: the catch (which starts with Retry) is not entered.
    assert pairs(process(state, "ex4", failed_rc(1), now=T0 + 40_000)) == [
        ("ex4", e.OrderProcessed(outcome=failed_rc(1))),
        ("ex4", e.OrderDetachable()),
        ("ex4", e.OrderDetached()),
        ("ex4", e.OrderFailed(moved_to=try_n(2))),
    ]
    assert isinstance(state.orders["ex4"].state, o.Failed)
    assert state.orders["ex4"].historic_outcomes == (
        HistoricOutcome(try_n(0), failed_rc(1)),
        HistoricOutcome(catch_n(0), Caught()),
        HistoricOutcome(try_n(1), failed_rc(1)),
        HistoricOutcome(catch_n(1), Caught()),
        HistoricOutcome(try_n(2), failed_rc(1)),
    )


def test_e4_second_try_succeeds() -> None:
    state = e4_state()
    add_order(state, "ex4", "W")
    run(state, "ex4")
    process(state, "ex4", failed_rc(1))
    run(state, "ex4", now=T0 + 10_000)
    assert pairs(process(state, "ex4", rc(0), now=T0 + 11_000)) == [
        ("ex4", e.OrderProcessed(outcome=rc(0))),
        ("ex4", e.OrderMoved(to=(1,))),
        ("ex4", e.OrderDetachable()),
        ("ex4", e.OrderDetached()),
        ("ex4", e.OrderFinished()),
    ]


def delayed_until_after(delays: list[int], now: int) -> int | None:
    state = state_of(try_([named("flaky")], [RETRY], retryDelays=delays))
    add_order(state, "x", "W")
    run(state, "x")
    retrying = [
        k.event for k in process(state, "x", failed_rc(1), now=now) if isinstance(k.event, e.OrderRetrying)
    ]
    assert len(retrying) == 1
    return retrying[0].delayed_until


def test_delays_of_ten_seconds_and_more_are_rounded_up_to_the_full_second() -> None:
    assert delayed_until_after([10], now=T0 + 300) == T0 + 11_000
    assert delayed_until_after([10], now=T0) == T0 + 10_000  # already a full second
    assert delayed_until_after([60], now=T0 + 1) == T0 + 61_000


def test_shorter_delays_are_not_rounded() -> None:
    assert delayed_until_after([5], now=T0 + 300) == T0 + 5_300
    assert delayed_until_after([9], now=T0 + 1) == T0 + 9_001


def test_zero_delay_retries_at_once_with_moved_to() -> None:
    """The engine carries the move in OrderRetrying{movedTo} (JS7 2.7 emits OrderRetrying then OrderMoved)."""
    state = state_of(try_([named("flaky")], [RETRY], retryDelays=[0]))
    add_order(state, "x", "W")
    run(state, "x")
    assert pairs(process(state, "x", failed_rc(1))) == [
        ("x", e.OrderProcessed(outcome=failed_rc(1))),
        ("x", e.OrderCaught(moved_to=catch_n(0))),
        ("x", e.OrderRetrying(moved_to=try_n(1))),
        ("x", e.OrderProcessingStarted(subagent_id=A)),
    ]


def test_max_tries_without_retry_delays() -> None:
    state = state_of(try_([named("flaky")], [RETRY], maxTries=2))
    add_order(state, "x", "W")
    run(state, "x")
    assert pairs(process(state, "x", failed_rc(1))) == [
        ("x", e.OrderProcessed(outcome=failed_rc(1))),
        ("x", e.OrderCaught(moved_to=catch_n(0))),
        ("x", e.OrderRetrying(moved_to=try_n(1))),
        ("x", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "x", failed_rc(2))) == [
        ("x", e.OrderProcessed(outcome=failed_rc(2))),
        ("x", e.OrderDetachable()),
        ("x", e.OrderDetached()),
        ("x", e.OrderFailed(moved_to=try_n(1))),
    ]


def test_catch_without_retry_continues_after_the_try() -> None:
    state = state_of(try_([named("flaky")], [named("cleanup")]), named("later"))
    add_order(state, "x", "W")
    run(state, "x")
    assert pairs(process(state, "x", failed_rc(1))) == [
        ("x", e.OrderProcessed(outcome=failed_rc(1))),
        ("x", e.OrderCaught(moved_to=catch_n(0))),
        ("x", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "x", rc(0)))[1] == ("x", e.OrderMoved(to=(1,)))


def test_failure_in_an_inner_catch_propagates_to_the_outer_catch() -> None:
    inner = try_([named("flaky")], [named("cleanup")])
    state = state_of(try_([inner], [named("outer")]))
    add_order(state, "x", "W")
    assert pairs(run(state, "x"))[0] == ("x", e.OrderMoved(to=(0, "try+0", 0, "try+0", 0)))
    assert pairs(process(state, "x", failed_rc(1))) == [
        ("x", e.OrderProcessed(outcome=failed_rc(1))),
        ("x", e.OrderCaught(moved_to=(0, "try+0", 0, "catch+0", 0))),
        ("x", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "x", failed_rc(2))) == [
        ("x", e.OrderProcessed(outcome=failed_rc(2))),
        ("x", e.OrderCaught(moved_to=catch_n(0))),
        ("x", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "x", rc(0)))[1:] == [
        ("x", e.OrderMoved(to=(1,))),
        ("x", e.OrderDetachable()),
        ("x", e.OrderDetached()),
        ("x", e.OrderFinished()),
    ]


def test_try_count_is_visible_inside_the_next_try() -> None:
    """$js7TryCount and tryCount are 1 + N in try+N; $js7MaxTries is the Try's maxTries."""
    branch = {
        "TYPE": "If",
        "ifThens": [
            {"predicate": "$js7TryCount == 1 && tryCount == 1", "then": {"instructions": [named("first")]}},
            {
                "predicate": "$js7TryCount == 2 && $js7MaxTries == 3",
                "then": {"instructions": [named("later")]},
            },
        ],
    }
    state = state_of(try_([branch], [RETRY], maxTries=3))
    add_order(state, "x", "W")
    assert pairs(run(state, "x"))[0] == ("x", e.OrderMoved(to=(0, "try+0", 0, "then", 0)))
    assert pairs(process(state, "x", failed_rc(1))) == [
        ("x", e.OrderProcessed(outcome=failed_rc(1))),
        ("x", e.OrderCaught(moved_to=catch_n(0))),
        ("x", e.OrderRetrying(moved_to=try_n(1))),
        ("x", e.OrderMoved(to=(0, "try+1", 0, "then+2", 0))),
        ("x", e.OrderProcessingStarted(subagent_id=A)),
    ]


def test_try_count_is_zero_outside_a_try() -> None:
    branch = {
        "TYPE": "If",
        "ifThens": [{"predicate": "tryCount == 0", "then": {"instructions": [named("first")]}}],
    }
    state = state_of(branch)
    add_order(state, "x", "W")
    assert pairs(run(state, "x"))[0] == ("x", e.OrderMoved(to=(0, "then", 0)))


def e14_state() -> EngineState:
    alert = {"TYPE": "If", "ifThens": [{"predicate": "timedOut", "then": {"instructions": [named("alert")]}}]}
    return state_of(try_([named("slow")], [alert]))


TIMED_OUT = TimedOut(outcome=Failed(named_values={"returnCode": 143}))


def test_e14_timed_out_job_is_caught_and_the_catch_branches_on_timed_out() -> None:
    state = e14_state()
    add_order(state, "t", "W")
    run(state, "t")
    assert pairs(process(state, "t", TIMED_OUT)) == [
        ("t", e.OrderProcessed(outcome=TIMED_OUT)),
        ("t", e.OrderCaught(moved_to=catch_n(0))),
        ("t", e.OrderMoved(to=(0, "catch+0", 0, "then", 0))),
        ("t", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "t", rc(0))) == [
        ("t", e.OrderProcessed(outcome=rc(0))),
        ("t", e.OrderMoved(to=(1,))),
        ("t", e.OrderDetachable()),
        ("t", e.OrderDetached()),
        ("t", e.OrderFinished()),
    ]


def test_e14_other_failures_are_not_timed_out() -> None:
    state = e14_state()
    add_order(state, "t", "W")
    run(state, "t")
    assert pairs(process(state, "t", failed_rc(1)))[1:] == [
        ("t", e.OrderCaught(moved_to=catch_n(0))),
        ("t", e.OrderMoved(to=(1,))),
        ("t", e.OrderDetachable()),
        ("t", e.OrderDetached()),
        ("t", e.OrderFinished()),
    ]


def test_e14_without_try_the_timeout_fails_the_order() -> None:
    state = state_of(named("slow"))
    add_order(state, "t", "W")
    run(state, "t")
    assert pairs(process(state, "t", TIMED_OUT)) == [
        ("t", e.OrderProcessed(outcome=TIMED_OUT)),
        ("t", e.OrderDetachable()),
        ("t", e.OrderDetached()),
        ("t", e.OrderFailed(moved_to=(0,))),
    ]
