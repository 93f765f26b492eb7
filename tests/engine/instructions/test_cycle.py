"""Cycle and Break: js7-reference E10 (on time and late) and JS7's CycleTest "Break" cases."""

from __future__ import annotations

from typing import Any

from stellwerk.calendar.cycle_branch import cycle_branch_id
from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup import next_wakeup
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.admission import CycleState
from stellwerk.model.instructions import LockDemand
from stellwerk.model.items import Calendar, LockItem
from stellwerk.model.outcome import Disrupted
from stellwerk.model.workflow import Workflow
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

MINUTE = 60_000
BERLIN_09_00 = 1_714_546_800_000  # 2024-05-01T09:00+02:00
END = 1_714_600_800_000  # 2024-05-02T00:00+02:00
CYC = "#2024-05-01#P0000000001-cyc"
TICK = {"TYPE": "Execute.Named", "jobName": "tick"}


def _cycle(
    repeat: dict[str, Any], body: list[dict[str, Any]], periods: list[dict[str, Any]]
) -> dict[str, Any]:
    scheme = {"admissionTimeScheme": {"periods": periods}, "repeat": repeat}
    return {"TYPE": "Cycle", "schedule": {"schemes": [scheme]}, "cycleWorkflow": {"instructions": body}}


def e10_workflow(calendar_path: str | None = "dailyPlan") -> Workflow:
    periods = [{"TYPE": "DailyPeriod", "secondOfDay": 32400, "duration": 7200}]
    cycle = _cycle({"TYPE": "Periodic", "period": 3600, "offsets": [0, 1800]}, [TICK], periods)
    body: dict[str, Any] = {
        "timeZone": "Europe/Berlin",
        "instructions": [cycle],
        "jobs": {"tick": shell_job()},
    }
    if calendar_path is not None:
        body["calendarPath"] = calendar_path
    return workflow("W", body)


def e10_state(calendar_path: str | None = "dailyPlan") -> EngineState:
    state = state_with(e10_workflow(calendar_path))
    state.calendars["dailyPlan"] = Calendar()
    return state


def _state(index: int, slot_minutes: int) -> CycleState:
    return CycleState(
        end=END, scheme_index=0, period_index=0, index=index, next=BERLIN_09_00 + slot_minutes * MINUTE
    )


def _run_cycle(state: EngineState, index: int, slot: int, now: int) -> tuple[list[e.KeyedEvent], int | None]:
    """One cycle started at `now`, its job done a minute later: the events and the next wake-up."""
    started = run(state, CYC, now=now)
    bid = cycle_branch_id(_state(index, slot))
    assert started[0] == e.KeyedEvent(CYC, e.OrderCycleStarted())
    assert state.orders[CYC].position == (0, bid, 0)
    done = process(state, CYC, rc(0), now=now + MINUTE)
    assert done[1] == e.KeyedEvent(CYC, e.OrderMoved(to=(0, bid, 1)))
    return [*started, *done], next_wakeup(state, CYC)


def test_e10_four_cycles_on_time() -> None:
    state = e10_state()
    add_order(state, CYC, "W", scheduled_for=T0)
    assert run(state, CYC, now=T0 - 1) == []
    assert pairs(run(state, CYC, now=T0)) == [
        (CYC, e.OrderStarted()),
        (CYC, e.OrderCyclingPrepared(cycle_state=_state(1, 0))),
    ]
    assert next_wakeup(state, CYC) == BERLIN_09_00
    assert run(state, CYC, now=BERLIN_09_00 - 1) == []
    events, wakeup = _run_cycle(state, 1, 0, BERLIN_09_00)
    assert names(events) == [
        "OrderCycleStarted", "OrderAttachable", "OrderAttached", "OrderProcessingStarted",
        "OrderProcessed", "OrderMoved", "OrderCycleFinished",
    ]  # fmt: skip
    assert events[-1].event == e.OrderCycleFinished(cycle_state=_state(2, 30))
    for index, slot in ((2, 30), (3, 60)):
        assert wakeup == BERLIN_09_00 + slot * MINUTE
        events, wakeup = _run_cycle(state, index, slot, wakeup)
        assert events[-1].event == e.OrderCycleFinished(cycle_state=_state(index + 1, slot + 30))
    assert wakeup == BERLIN_09_00 + 90 * MINUTE
    events, wakeup = _run_cycle(state, 4, 90, wakeup)
    assert pairs(events[-5:]) == [
        (CYC, e.OrderCycleFinished(cycle_state=None)),
        (CYC, e.OrderMoved(to=(1,))),
        (CYC, e.OrderDetachable()),
        (CYC, e.OrderDetached()),
        (CYC, e.OrderFinished()),
    ]
    assert wakeup is None
    assert sum(isinstance(h.outcome, type(rc(0))) for h in state.orders[CYC].historic_outcomes) == 4


def test_e10_late_start_runs_the_latest_missed_slot_at_once() -> None:
    state = e10_state()
    late = BERLIN_09_00 + 40 * MINUTE
    add_order(state, CYC, "W", scheduled_for=late)
    first = run(state, CYC, now=late)
    assert pairs(first[:3]) == [
        (CYC, e.OrderStarted()),
        (CYC, e.OrderCyclingPrepared(cycle_state=_state(1, 30))),
        (CYC, e.OrderCycleStarted()),
    ]
    assert state.orders[CYC].position == (0, cycle_branch_id(_state(1, 30)), 0)
    done = process(state, CYC, rc(0), now=late + MINUTE)
    assert done[-1].event == e.OrderCycleFinished(cycle_state=_state(2, 60))
    _, wakeup = _run_cycle(state, 2, 60, BERLIN_09_00 + 60 * MINUTE)
    assert wakeup == BERLIN_09_00 + 90 * MINUTE
    events, wakeup = _run_cycle(state, 3, 90, wakeup)
    assert names(events)[-4:] == ["OrderMoved", "OrderDetachable", "OrderDetached", "OrderFinished"]
    assert wakeup is None


def test_default_calendar_when_the_state_has_none() -> None:
    state = state_with(e10_workflow(calendar_path=None))
    add_order(state, CYC, "W")
    assert names(run(state, CYC)) == ["OrderStarted", "OrderCyclingPrepared"]


def test_unknown_calendar_fails_the_order() -> None:
    state = e10_state(calendar_path="myCalendar")
    add_order(state, CYC, "W")
    events = run(state, CYC)
    assert names(events) == ["OrderStarted", "OrderOutcomeAdded", "OrderFailed"]


def test_order_id_without_date_fails_the_cycle() -> None:
    state = e10_state()
    add_order(state, "no-date", "W")
    events = run(state, "no-date")
    assert names(events) == ["OrderStarted", "OrderOutcomeAdded", "OrderFailed"]
    outcome = events[1].event
    assert isinstance(outcome, e.OrderOutcomeAdded) and isinstance(outcome.outcome, Disrupted)
    assert events[2].event == e.OrderFailed(moved_to=(0,))


def test_nothing_left_in_the_window_moves_on() -> None:
    state = e10_state()
    evening = BERLIN_09_00 + 10 * 60 * MINUTE
    add_order(state, CYC, "W")
    assert pairs(run(state, CYC, now=evening)) == [
        (CYC, e.OrderStarted()),
        (CYC, e.OrderMoved(to=(1,))),
        (CYC, e.OrderFinished()),
    ]


def test_ticking_reports_skipped_seconds_and_shifts_the_branch() -> None:
    periods = [{"TYPE": "DailyPeriod", "secondOfDay": 0, "duration": 86400}]
    cycle = _cycle({"TYPE": "Ticking", "interval": 600}, [TICK], periods)
    w = workflow("W", {"instructions": [cycle], "jobs": {"tick": shell_job()}})
    state = state_with(w)
    add_order(state, "#2024-05-01#tick", "W")
    prepared = run(state, "#2024-05-01#tick", now=T0)
    assert names(prepared)[:3] == ["OrderStarted", "OrderCyclingPrepared", "OrderCycleStarted"]
    process(state, "#2024-05-01#tick", rc(0), now=T0 + MINUTE)
    between = state.orders["#2024-05-01#tick"].state
    assert isinstance(between, o.BetweenCycles) and between.cycle_state is not None
    late = between.cycle_state.next + 25 * MINUTE
    started = run(state, "#2024-05-01#tick", now=late)
    assert started[0].event == e.OrderCycleStarted(skipped=1200)
    shifted = CycleState(
        end=between.cycle_state.end,
        scheme_index=0,
        period_index=0,
        index=between.cycle_state.index,
        next=between.cycle_state.next + 1_200_000,
    )
    assert state.orders["#2024-05-01#tick"].position == (0, cycle_branch_id(shifted), 0)


BREAK_ID = "#2024-05-01#BREAK"
ALL_DAY = [{"TYPE": "DailyPeriod", "secondOfDay": 0, "duration": 86400}]
ONCE = {"TYPE": "Continuous", "pause": 0, "limit": 1}
IF_TRUE_BREAK = {
    "TYPE": "If",
    "ifThens": [{"predicate": "true", "then": {"instructions": [{"TYPE": "Break"}]}}],
}
BRANCH = cycle_branch_id(CycleState(end=1_714_608_000_000, scheme_index=0, period_index=0, index=1, next=0))


def test_break_in_options_ends_the_cycling_on_the_agent() -> None:
    cycle = _cycle(ONCE, [TICK, IF_TRUE_BREAK, {"TYPE": "Fail"}], ALL_DAY)
    options = {"TYPE": "Options", "stopOnFailure": True, "block": {"instructions": [cycle]}}
    state = state_with(workflow("W", {"instructions": [options], "jobs": {"tick": shell_job()}}))
    add_order(state, BREAK_ID, "W")
    first = run(state, BREAK_ID)
    assert names(first) == [
        "OrderMoved", "OrderStarted", "OrderCyclingPrepared", "OrderCycleStarted",
        "OrderAttachable", "OrderAttached", "OrderProcessingStarted",
    ]  # fmt: skip
    in_cycle = (0, "options", 0, BRANCH)
    assert pairs(process(state, BREAK_ID, rc(0))) == [
        (BREAK_ID, e.OrderProcessed(outcome=rc(0))),
        (BREAK_ID, e.OrderMoved(to=(*in_cycle, 1, "then", 0))),
        (BREAK_ID, e.OrderMoved(to=(*in_cycle, 1))),
        (BREAK_ID, e.OrderCycleFinished(cycle_state=None)),
        (BREAK_ID, e.OrderMoved(to=(1,))),
        (BREAK_ID, e.OrderDetachable()),
        (BREAK_ID, e.OrderDetached()),
        (BREAK_ID, e.OrderFinished()),
    ]


def test_break_inside_a_lock_releases_it_at_the_controller() -> None:
    try_ = {
        "TYPE": "Try",
        "try": {"instructions": [TICK, IF_TRUE_BREAK, {"TYPE": "Fail"}]},
        "catch": {"instructions": [{"TYPE": "Fail"}]},
    }
    lock = {"TYPE": "Lock", "demands": [{"lockPath": "L"}], "lockedWorkflow": {"instructions": [try_]}}
    if_ = {"TYPE": "If", "ifThens": [{"predicate": "true", "then": {"instructions": [lock]}}]}
    w = workflow("W", {"instructions": [_cycle(ONCE, [if_], ALL_DAY)], "jobs": {"tick": shell_job()}})
    state = state_with(w, locks=(LockItem(path="L"),))
    add_order(state, BREAK_ID, "W")
    locked = (0, BRANCH, 0, "then", 0, "lock", 0)
    assert pairs(run(state, BREAK_ID)) == [
        (BREAK_ID, e.OrderStarted()),
        (BREAK_ID, e.OrderCyclingPrepared(cycle_state=CycleState(end=1_714_608_000_000, scheme_index=0, period_index=0, index=1, next=0))),
        (BREAK_ID, e.OrderCycleStarted()),
        (BREAK_ID, e.OrderMoved(to=(0, BRANCH, 0, "then", 0))),
        (BREAK_ID, e.OrderLocksAcquired(demands=(LockDemand(lock_path="L"),))),
        (BREAK_ID, e.OrderMoved(to=(*locked, "try+0", 0))),
        (BREAK_ID, e.OrderAttachable(agent_path="agentA")),
        (BREAK_ID, e.OrderAttached(agent_path="agentA")),
        (BREAK_ID, e.OrderProcessingStarted(subagent_id="agentA")),
    ]  # fmt: skip
    assert pairs(process(state, BREAK_ID, rc(0))) == [
        (BREAK_ID, e.OrderProcessed(outcome=rc(0))),
        (BREAK_ID, e.OrderMoved(to=(*locked, "try+0", 1, "then", 0))),
        (BREAK_ID, e.OrderDetachable()),
        (BREAK_ID, e.OrderDetached()),
        (BREAK_ID, e.OrderLocksReleased(lock_paths=("L",))),
        (BREAK_ID, e.OrderMoved(to=(0, BRANCH, 1))),
        (BREAK_ID, e.OrderCycleFinished(cycle_state=None)),
        (BREAK_ID, e.OrderMoved(to=(1,))),
        (BREAK_ID, e.OrderFinished()),
    ]
    assert state.lock_state("L").holders == {}
