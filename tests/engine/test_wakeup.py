"""next_wakeup / next_wakeup_of_state: the timers of waiting orders and notices."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup import next_wakeup, next_wakeup_of_state
from stellwerk.model import events as e
from tests.engine.harness import (
    T0,
    add_order,
    apply,
    failed_rc,
    global_board,
    process,
    run,
    shell_job,
    state_with,
    workflow,
)

NINE = T0 + 3 * 3600 * 1000


def _state(*instructions: dict[str, Any], job: dict[str, Any] | None = None) -> EngineState:
    jobs = {"a": job or shell_job()}
    return state_with(
        workflow("W", {"instructions": list(instructions), "jobs": jobs}), boards=(global_board("B", "'k'"),)
    )


JOB = {"TYPE": "Execute.Named", "jobName": "a"}


def test_fresh_order_wakes_at_its_scheduled_time() -> None:
    state = _state(JOB)
    add_order(state, "x", "W", scheduled_for=T0 + 5)
    assert next_wakeup(state, "x") == T0 + 5
    add_order(state, "now", "W")
    assert next_wakeup(state, "now") is None
    assert next_wakeup(state, "unknown") is None


def test_retry_delay_and_sleep() -> None:
    try_ = {
        "TYPE": "Try",
        "try": {"instructions": [JOB]},
        "catch": {"instructions": [{"TYPE": "Retry"}]},
        "retryDelays": [7],
    }
    state = _state(try_)
    add_order(state, "x", "W")
    run(state, "x")
    process(state, "x", failed_rc(1))
    assert next_wakeup(state, "x") == T0 + 7000
    state = _state({"TYPE": "Sleep", "duration": "3"})
    add_order(state, "s", "W")
    run(state, "s")
    assert next_wakeup(state, "s") == T0 + 3000


def test_waiting_for_admission_and_job_admission() -> None:
    periods = [{"TYPE": "DailyPeriod", "secondOfDay": 9 * 3600, "duration": 3600}]
    block = {"instructions": [JOB]}
    admission = {"TYPE": "AdmissionTime", "admissionTimeScheme": {"periods": periods}, "block": block}
    state = _state(admission)
    add_order(state, "x", "W")
    run(state, "x")
    assert next_wakeup(state, "x") == NINE
    state = _state(JOB, job=shell_job(admissionTimeScheme={"periods": periods}))
    add_order(state, "j", "W")
    run(state, "j")
    assert next_wakeup(state, "j") is None  # without `now` job admission is not known
    assert next_wakeup(state, "j", now=T0) == NINE
    assert next_wakeup_of_state(state, now=T0) == NINE


def test_orders_waiting_for_events_have_no_wakeup() -> None:
    state = _state({"TYPE": "ExpectNotices", "boardPaths": "'B'"}, {"TYPE": "Prompt", "question": "'?'"})
    add_order(state, "x", "W")
    run(state, "x")
    assert next_wakeup(state, "x") is None
    assert next_wakeup_of_state(state) is None


def test_state_wakeup_includes_notice_end_of_life() -> None:
    state = _state({"TYPE": "Sleep", "duration": "60"})
    add_order(state, "x", "W")
    run(state, "x")
    apply(state, "B", e.NoticePosted(notice_id=("B", "k"), end_of_life=T0 + 10))
    assert next_wakeup_of_state(state) == T0 + 10
