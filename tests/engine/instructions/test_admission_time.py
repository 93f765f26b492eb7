"""AdmissionTime: enter the block inside a period, else wait for it at the Controller; skip and no-more-time rules."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup import next_wakeup
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import Disrupted, OtherReason
from tests.engine.harness import (
    T0,
    add_order,
    names,
    pairs,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)

NINE = T0 + 3 * 3600 * 1000  # 2024-05-01T09:00Z
DAILY_NINE = [{"TYPE": "DailyPeriod", "secondOfDay": 9 * 3600, "duration": 3600}]
MAY_2_NINE = [{"TYPE": "SpecificDatePeriod", "secondsSinceLocalEpoch": 1_714_640_400, "duration": 3600}]
PAST = [{"TYPE": "SpecificDatePeriod", "secondsSinceLocalEpoch": 1_704_099_600, "duration": 3600}]
BLOCK = (0, "admissionTime", 0)


def admission_state(
    periods: list[dict[str, Any]], skip: bool = False, job_first: bool = False
) -> EngineState:
    admission = {
        "TYPE": "AdmissionTime",
        "admissionTimeScheme": {"periods": periods},
        "skipIfNoAdmissionStartForOrderDay": skip,
        "block": {"instructions": [{"TYPE": "Execute.Named", "jobName": "a"}]},
    }
    instructions: list[dict[str, Any]] = [admission]
    if job_first:
        instructions.insert(0, {"TYPE": "Execute.Named", "jobName": "a"})
    return state_with(workflow("W", {"instructions": instructions, "jobs": {"a": shell_job()}}))


def test_waits_for_the_period_then_enters_the_block() -> None:
    state = admission_state(DAILY_NINE)
    add_order(state, "x", "W")
    assert pairs(run(state, "x")) == [("x", e.OrderStarted()), ("x", e.OrderWaitingForAdmission(until=NINE))]
    assert state.orders["x"].state == o.WaitingForAdmission(until=NINE)
    assert next_wakeup(state, "x") == NINE
    assert run(state, "x", now=NINE - 1) == []
    assert pairs(run(state, "x", now=NINE)) == [
        ("x", e.OrderMoved(to=BLOCK)),
        ("x", e.OrderAttachable(agent_path="agentA")),
        ("x", e.OrderAttached(agent_path="agentA")),
        ("x", e.OrderProcessingStarted(subagent_id="agentA")),
    ]
    done = process(state, "x", rc(0), now=NINE)
    assert names(done) == [
        "OrderProcessed",
        "OrderMoved",
        "OrderDetachable",
        "OrderDetached",
        "OrderFinished",
    ]
    assert done[1].event == e.OrderMoved(to=(1,))


def test_fresh_order_inside_the_period_enters_without_starting() -> None:
    state = admission_state(DAILY_NINE)
    add_order(state, "x", "W")
    assert names(run(state, "x", now=NINE + 1000)) == [
        "OrderMoved", "OrderAttachable", "OrderAttached", "OrderStarted", "OrderProcessingStarted",
    ]  # fmt: skip


def test_force_admission_enters_at_once() -> None:
    state = admission_state(DAILY_NINE)
    add_order(state, "x", "W", force_admission=True)
    assert run(state, "x")[0] == e.KeyedEvent("x", e.OrderMoved(to=BLOCK))


def test_attached_order_detaches_to_wait() -> None:
    state = admission_state(DAILY_NINE, job_first=True)
    add_order(state, "x", "W")
    run(state, "x")
    assert pairs(process(state, "x", rc(0)))[1:] == [
        ("x", e.OrderMoved(to=(1,))),
        ("x", e.OrderDetachable()),
        ("x", e.OrderDetached()),
        ("x", e.OrderWaitingForAdmission(until=NINE)),
    ]


def test_no_more_admission_time_fails() -> None:
    state = admission_state(PAST)
    add_order(state, "x", "W")
    no_more = e.OrderOutcomeAdded(outcome=Disrupted(reason=OtherReason(problem="No more admission time")))
    assert pairs(run(state, "x")) == [("x", no_more), ("x", e.OrderFailed(moved_to=(0,)))]
    assert isinstance(state.orders["x"].state, o.FailedWhileFresh)
    state = admission_state(PAST, job_first=True)
    add_order(state, "y", "W")
    run(state, "y")
    assert pairs(process(state, "y", rc(0)))[1:] == [
        ("y", e.OrderMoved(to=(1,))),
        ("y", e.OrderDetachable()),
        ("y", e.OrderDetached()),
        ("y", no_more),
        ("y", e.OrderFailed(moved_to=(1,))),
    ]


def test_skip_when_the_order_day_has_no_period_start() -> None:
    state = admission_state(MAY_2_NINE, skip=True)
    add_order(state, "#2024-05-01#x", "W")
    assert pairs(run(state, "#2024-05-01#x")) == [
        ("#2024-05-01#x", e.OrderMoved(to=(1,), reason=e.NoAdmissionPeriodStart())),
        ("#2024-05-01#x", e.OrderStarted()),
        ("#2024-05-01#x", e.OrderFinished()),
    ]
    add_order(state, "#2024-05-02#x", "W")
    assert run(state, "#2024-05-02#x")[-1].event == e.OrderWaitingForAdmission(until=1_714_640_400_000)
