"""Execute (js7-reference §3.1, §10 E1/E2): named and anonymous jobs, scheduled starts, the process limit,
admission times of jobs, unknown jobs and the outcomes ProcessLost and Killed."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.apply import apply_event
from stellwerk.engine.derive import derive, touched_by
from stellwerk.engine.state import EngineState
from stellwerk.engine.step import Step
from stellwerk.engine.wakeup import next_wakeup
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import Disrupted, HistoricOutcome, Killed, Outcome, ProcessLost, disrupted
from stellwerk.runner.jobenv import JobInput, job_input
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
NINE = T0 + 3 * 3600 * 1000  # 2024-05-01T09:00Z
TEN = NINE + 3600 * 1000
DAILY_NINE_TO_TEN = {"periods": [{"TYPE": "DailyPeriod", "secondOfDay": 9 * 3600, "duration": 3600}]}
MAY_2_NINE_TO_TEN = {
    "periods": [{"TYPE": "SpecificDatePeriod", "secondsSinceLocalEpoch": 1_714_640_400, "duration": 3600}]
}


def named(job_name: str, **fields: Any) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": job_name, "label": job_name, **fields}


def one_job_state(**job_fields: Any) -> EngineState:
    return state_with(
        workflow("W", {"instructions": [named("j")], "jobs": {"j": shell_job(A, **job_fields)}})
    )


def attached_start(key: str, started: bool = True) -> list[tuple[str, e.Event]]:
    return [
        (key, e.OrderAttachable(agent_path=A)),
        (key, e.OrderAttached(agent_path=A)),
        *([(key, e.OrderStarted())] if started else []),
        (key, e.OrderProcessingStarted(subagent_id=A)),
    ]


def finish(key: str, to: int) -> list[tuple[str, e.Event]]:
    return [
        (key, e.OrderMoved(to=(to,))),
        (key, e.OrderDetachable()),
        (key, e.OrderDetached()),
        (key, e.OrderFinished()),
    ]


def process_as_shell(
    state: EngineState, order_id: str, outcome: Outcome, now: int = T0
) -> list[e.KeyedEvent]:
    """OrderProcessed as the shell reports it: the orders it touches (waiters for the freed slot) move too."""
    keyed = e.KeyedEvent(order_id, e.OrderProcessed(outcome=outcome))
    before = state.orders[order_id]
    assert apply_event(state, keyed) is None
    return [keyed, *derive(state, [order_id, *touched_by(state, before, keyed)], now)]


def test_e1_single_named_job() -> None:
    state = one_job_state()
    add_order(state, "ex1", "W")
    assert pairs(run(state, "ex1")) == attached_start("ex1")
    assert pairs(process(state, "ex1", rc(0))) == [
        ("ex1", e.OrderProcessed(outcome=rc(0))),
        *finish("ex1", 1),
    ]
    assert state.orders["ex1"].historic_outcomes == (HistoricOutcome((0,), rc(0)),)


def test_e2_success_then_failure_by_return_code_meaning() -> None:
    """The shell applies returnCodeMeaning; the engine sees S{rc:1} (1 is success) and F{rc:2}."""
    jobs = {"rcOne": shell_job(A), "rcTwo": shell_job(A)}
    state = state_with(workflow("W", {"instructions": [named("rcOne"), named("rcTwo")], "jobs": jobs}))
    add_order(state, "ex2", "W")
    assert pairs(run(state, "ex2")) == attached_start("ex2")
    assert pairs(process(state, "ex2", rc(1))) == [
        ("ex2", e.OrderProcessed(outcome=rc(1))),
        ("ex2", e.OrderMoved(to=(1,))),
        ("ex2", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "ex2", failed_rc(2))) == [
        ("ex2", e.OrderProcessed(outcome=failed_rc(2))),
        ("ex2", e.OrderDetachable()),
        ("ex2", e.OrderDetached()),
        ("ex2", e.OrderFailed(moved_to=(1,))),
    ]
    assert isinstance(state.orders["ex2"].state, o.Failed)
    assert not state.orders["ex2"].is_terminated


def test_anonymous_job_runs_on_its_agent() -> None:
    anonymous = {"TYPE": "Execute.Anonymous", "job": shell_job("agentB")}
    state = state_with(workflow("W", {"instructions": [anonymous]}))
    add_order(state, "x", "W")
    assert pairs(run(state, "x")) == [
        ("x", e.OrderAttachable(agent_path="agentB")),
        ("x", e.OrderAttached(agent_path="agentB")),
        ("x", e.OrderStarted()),
        ("x", e.OrderProcessingStarted(subagent_id="agentB")),
    ]
    assert pairs(process(state, "x", rc(0)))[1:] == finish("x", 1)


def test_jobs_on_two_agents_hand_the_order_over() -> None:
    jobs = {"a": shell_job(A), "b": shell_job("agentB")}
    state = state_with(workflow("W", {"instructions": [named("a"), named("b")], "jobs": jobs}))
    add_order(state, "x", "W")
    run(state, "x")
    assert pairs(process(state, "x", rc(0))) == [
        ("x", e.OrderProcessed(outcome=rc(0))),
        ("x", e.OrderMoved(to=(1,))),
        ("x", e.OrderDetachable()),
        ("x", e.OrderDetached()),
        ("x", e.OrderAttachable(agent_path="agentB")),
        ("x", e.OrderAttached(agent_path="agentB")),
        ("x", e.OrderProcessingStarted(subagent_id="agentB")),
    ]


def test_default_arguments_reach_the_job_only() -> None:
    """Job defaults, overridden by the instruction's, are evaluated in the order's scope for the process;
    order arguments win; nothing of them appears in the events or the order's variables."""
    job = shell_job(
        A,
        defaultArguments={"greeting": "'hello ' ++ $name", "level": "'low'", "name": "'default'"},
        executable={
            "TYPE": "ShellScriptExecutable",
            "script": "exit 0",
            "env": {"GREETING": "$greeting", "LEVEL": "$level", "NAME": "$name"},
        },
    )
    step_instruction = named("j", defaultArguments={"level": "'high'"})
    state = state_with(workflow("W", {"instructions": [step_instruction], "jobs": {"j": job}}))
    add_order(state, "x", "W", arguments={"name": "Ada"})
    assert pairs(run(state, "x")) == attached_start("x")
    order = state.orders["x"]
    workflow_ = state.workflow_of(order)
    instruction = workflow_.instructions[0]
    assert isinstance(instruction, i.ExecuteNamed)
    given = job_input(Step(state, order, workflow_, T0), workflow_.jobs["j"], instruction)
    assert isinstance(given, JobInput), given
    own = {name: value for name, value in given.env.items() if not name.startswith("JS7_")}
    assert own == {"GREETING": "hello Ada", "LEVEL": "high", "NAME": "Ada"}
    assert order.arguments == {"name": "Ada"}


def test_scheduled_order_attaches_at_once_and_starts_at_its_time() -> None:
    """js7-reference §3.0: a Fresh order whose first instruction is a job attaches at OrderAdded."""
    state = one_job_state()
    add_order(state, "x", "W", scheduled_for=T0 + 60_000)
    assert pairs(run(state, "x")) == [
        ("x", e.OrderAttachable(agent_path=A)),
        ("x", e.OrderAttached(agent_path=A)),
    ]
    assert isinstance(state.orders["x"].state, o.Fresh)
    assert next_wakeup(state, "x") == T0 + 60_000
    assert run(state, "x", now=T0 + 59_999) == []
    assert pairs(run(state, "x", now=T0 + 60_000)) == [
        ("x", e.OrderStarted()),
        ("x", e.OrderProcessingStarted(subagent_id=A)),
    ]


def test_process_limit_one_lets_the_second_order_start_after_the_first_is_processed() -> None:
    state = one_job_state(processLimit=1)
    add_order(state, "first", "W")
    add_order(state, "second", "W")
    assert pairs(run(state, "first", "second")) == [
        *attached_start("first"),
        ("second", e.OrderAttachable(agent_path=A)),
        ("second", e.OrderAttached(agent_path=A)),
        ("second", e.OrderStarted()),
    ]
    assert isinstance(state.orders["second"].state, o.Ready)
    assert pairs(process_as_shell(state, "first", rc(0))) == [
        ("first", e.OrderProcessed(outcome=rc(0))),
        *finish("first", 1),
        ("second", e.OrderProcessingStarted(subagent_id=A)),
    ]


def test_process_limit_two_runs_two_orders_at_once() -> None:
    state = one_job_state(processLimit=2)
    for order_id in ("a", "b", "c"):
        add_order(state, order_id, "W")
    events = pairs(run(state, "a", "b", "c"))
    started = [key for key, event in events if isinstance(event, e.OrderProcessingStarted)]
    assert started == ["a", "b"]


def test_job_with_admission_time_waits_outside_and_starts_inside_its_period() -> None:
    state = one_job_state(admissionTimeScheme=DAILY_NINE_TO_TEN)
    add_order(state, "x", "W")
    assert pairs(run(state, "x")) == [
        ("x", e.OrderAttachable(agent_path=A)),
        ("x", e.OrderAttached(agent_path=A)),
        ("x", e.OrderStarted()),
    ]
    assert next_wakeup(state, "x", now=T0) == NINE
    assert run(state, "x", now=NINE - 1) == []
    assert pairs(run(state, "x", now=NINE)) == [
        ("x", e.OrderProcessingStarted(subagent_id=A, end_of_admission_period=TEN)),
    ]
    assert state.orders["x"].state == o.Processing(subagent_id=A, end_of_admission_period=TEN)


def test_force_admission_ignores_the_admission_time() -> None:
    state = one_job_state(admissionTimeScheme=DAILY_NINE_TO_TEN)
    add_order(state, "x", "W", force_admission=True)
    assert pairs(run(state, "x")) == attached_start("x")


def test_skip_if_no_admission_start_for_order_day() -> None:
    """The order day comes from the daily-plan id. JS7 (ExecuteExecutor.skippedReason) skips before attaching;
    the Fresh order stays Fresh until the next job starts it."""
    jobs = {
        "j": shell_job(A, admissionTimeScheme=MAY_2_NINE_TO_TEN, skipIfNoAdmissionStartForOrderDay=True),
        "k": shell_job(A),
    }
    state = state_with(workflow("W", {"instructions": [named("j"), named("k")], "jobs": jobs}))
    skipped, due = "#2024-05-01#T1-x", "#2024-05-02#T1-x"
    add_order(state, skipped, "W")
    add_order(state, due, "W")
    assert pairs(run(state, skipped, due)) == [
        (skipped, e.OrderMoved(to=(1,), reason=e.NoAdmissionPeriodStart())),
        *attached_start(skipped),
        (due, e.OrderAttachable(agent_path=A)),
        (due, e.OrderAttached(agent_path=A)),
        (due, e.OrderStarted()),
    ]
    assert state.orders[due].position == (0,)


def test_unknown_job_fails_the_fresh_order() -> None:
    state = state_with(workflow("W", {"instructions": [named("nope")], "jobs": {"j": shell_job(A)}}))
    add_order(state, "x", "W")
    assert pairs(run(state, "x")) == [
        ("x", e.OrderOutcomeAdded(outcome=disrupted("Unknown job 'nope'"))),
        ("x", e.OrderFailed(moved_to=(0,))),
    ]
    assert isinstance(state.orders["x"].state, o.FailedWhileFresh)


def test_process_lost_moves_to_the_same_position_and_runs_the_job_again() -> None:
    state = one_job_state()
    add_order(state, "x", "W")
    run(state, "x")
    lost = Disrupted(reason=ProcessLost(problem="Agent restarted"))
    assert pairs(process(state, "x", lost)) == [
        ("x", e.OrderProcessed(outcome=lost)),
        ("x", e.OrderMoved(to=(0,))),
        ("x", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "x", rc(0)))[1:] == finish("x", 1)


def test_killed_outcome_gives_order_processing_killed_then_the_failure() -> None:
    """JS7 Order.isFailed: a Killed outcome outside Processed is a failure (when no cancel/suspend mark decides)."""
    state = one_job_state()
    add_order(state, "x", "W")
    run(state, "x")
    killed = Killed(outcome=failed_rc(137))
    assert pairs(process(state, "x", killed)) == [
        ("x", e.OrderProcessed(outcome=killed)),
        ("x", e.OrderProcessingKilled()),
        ("x", e.OrderDetachable()),
        ("x", e.OrderDetached()),
        ("x", e.OrderFailed(moved_to=(0,))),
    ]
