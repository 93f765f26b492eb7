"""If (js7-reference §3.1, §10 E3): the first true predicate chooses its branch in one collapsed OrderMoved;
none chooses else or the next instruction; evaluation problems are catchable Disrupted failures."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import Caught, HistoricOutcome, disrupted
from tests.engine.harness import (
    add_order,
    pairs,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)

A = "agentA"
JOBS = {
    name: shell_job(A)
    for name in ("probe", "fastPath", "slowPath", "one", "two", "three", "after", "cleanup")
}


def named(job_name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": job_name, "label": job_name}


def if_(*cases: tuple[str, str], else_job: str | None = None) -> dict[str, Any]:
    instruction: dict[str, Any] = {
        "TYPE": "If",
        "ifThens": [{"predicate": p, "then": {"instructions": [named(job)]}} for p, job in cases],
    }
    if else_job is not None:
        instruction["else"] = {"instructions": [named(else_job)]}
    return instruction


def state_of(*instructions: dict[str, Any], **body: Any) -> EngineState:
    return state_with(workflow("W", {"instructions": list(instructions), "jobs": JOBS, **body}))


def e3_state() -> EngineState:
    mode = {"parameters": {"mode": {"type": "String", "default": "'fast'"}}}
    branch = if_(("$returnCode == 3 && $mode == 'fast'", "fastPath"), else_job="slowPath")
    return state_of(named("probe"), branch, orderPreparation=mode)


def started(key: str) -> list[tuple[str, e.Event]]:
    return [
        (key, e.OrderAttachable(agent_path=A)),
        (key, e.OrderAttached(agent_path=A)),
        (key, e.OrderStarted()),
        (key, e.OrderProcessingStarted(subagent_id=A)),
    ]


def finished(key: str, to: int) -> list[tuple[str, e.Event]]:
    return [
        (key, e.OrderMoved(to=(to,))),
        (key, e.OrderDetachable()),
        (key, e.OrderDetached()),
        (key, e.OrderFinished()),
    ]


def test_e3_then_branch_with_the_parameter_default() -> None:
    state = e3_state()
    add_order(state, "ex3", "W")
    assert pairs(run(state, "ex3")) == started("ex3")
    assert pairs(process(state, "ex3", rc(3))) == [
        ("ex3", e.OrderProcessed(outcome=rc(3))),
        ("ex3", e.OrderMoved(to=(1, "then", 0))),
        ("ex3", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "ex3", rc(0))) == [
        ("ex3", e.OrderProcessed(outcome=rc(0))),
        *finished("ex3", 2),
    ]
    assert isinstance(state.orders["ex3"].state, o.Finished)


def test_e3_else_branch_with_the_argument_slow() -> None:
    state = e3_state()
    add_order(state, "ex3", "W", arguments={"mode": "slow"})
    run(state, "ex3")
    assert pairs(process(state, "ex3", rc(3))) == [
        ("ex3", e.OrderProcessed(outcome=rc(3))),
        ("ex3", e.OrderMoved(to=(1, "else", 0))),
        ("ex3", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "ex3", rc(0)))[1:] == finished("ex3", 2)


def test_several_if_thens_choose_the_first_true_predicate() -> None:
    cases = (("$n == 1", "one"), ("$n >= 2", "two"), ("$n >= 2", "three"))
    state = state_of(if_(*cases), named("after"))
    add_order(state, "x2", "W", arguments={"n": 2})
    add_order(state, "x1", "W", arguments={"n": 1})
    assert pairs(run(state, "x2")) == [("x2", e.OrderMoved(to=(0, "then+2", 0))), *started("x2")]
    assert pairs(run(state, "x1"))[0] == ("x1", e.OrderMoved(to=(0, "then", 0)))
    assert pairs(process(state, "x2", rc(0))) == [
        ("x2", e.OrderProcessed(outcome=rc(0))),
        ("x2", e.OrderMoved(to=(1,))),
        ("x2", e.OrderProcessingStarted(subagent_id=A)),
    ]


def test_third_if_then_is_then_plus_three() -> None:
    state = state_of(if_(("$n == 1", "one"), ("$n == 2", "two"), ("$n == 3", "three")))
    add_order(state, "x", "W", arguments={"n": 3})
    assert pairs(run(state, "x"))[0] == ("x", e.OrderMoved(to=(0, "then+3", 0)))


def test_no_else_skips_to_the_next_instruction_in_the_same_move() -> None:
    state = state_of(named("probe"), if_(("$returnCode == 9", "one")), named("after"))
    add_order(state, "x", "W")
    run(state, "x")
    assert pairs(process(state, "x", rc(0))) == [
        ("x", e.OrderProcessed(outcome=rc(0))),
        ("x", e.OrderMoved(to=(2,))),
        ("x", e.OrderProcessingStarted(subagent_id=A)),
    ]


def test_no_else_at_the_end_finishes() -> None:
    state = state_of(named("probe"), if_(("false", "one")))
    add_order(state, "x", "W")
    run(state, "x")
    assert pairs(process(state, "x", rc(0)))[1:] == finished("x", 2)


def test_leaving_a_then_block_collapses_into_one_move() -> None:
    nested = {
        "TYPE": "If",
        "ifThens": [{"predicate": "true", "then": {"instructions": [if_(("true", "one"))]}}],
    }
    state = state_of(nested, named("after"))
    add_order(state, "x", "W")
    assert pairs(run(state, "x"))[0] == ("x", e.OrderMoved(to=(0, "then", 0, "then", 0)))
    assert pairs(process(state, "x", rc(0)))[1] == ("x", e.OrderMoved(to=(1,)))


def test_undefined_variable_is_a_disrupted_failure() -> None:
    state = state_of(named("probe"), if_(("$nope == 1", "one")))
    add_order(state, "x", "W")
    run(state, "x")
    problem = disrupted("No such named value: nope")
    assert pairs(process(state, "x", rc(0))) == [
        ("x", e.OrderProcessed(outcome=rc(0))),
        ("x", e.OrderMoved(to=(1,))),
        ("x", e.OrderOutcomeAdded(outcome=problem)),
        ("x", e.OrderDetachable()),
        ("x", e.OrderDetached()),
        ("x", e.OrderFailed(moved_to=(1,))),
    ]


def test_undefined_variable_is_caught_by_an_enclosing_try() -> None:
    try_ = {
        "TYPE": "Try",
        "try": {"instructions": [named("probe"), if_(("$nope == 1", "one"))]},
        "catch": {"instructions": [named("cleanup")]},
    }
    state = state_of(try_)
    add_order(state, "x", "W")
    assert pairs(run(state, "x")) == [("x", e.OrderMoved(to=(0, "try+0", 0))), *started("x")]
    problem = disrupted("No such named value: nope")
    assert pairs(process(state, "x", rc(0))) == [
        ("x", e.OrderProcessed(outcome=rc(0))),
        ("x", e.OrderMoved(to=(0, "try+0", 1))),
        ("x", e.OrderOutcomeAdded(outcome=problem)),
        ("x", e.OrderCaught(moved_to=(0, "catch+0", 0))),
        ("x", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert state.orders["x"].historic_outcomes[-2:] == (
        HistoricOutcome((0, "try+0", 1), problem),
        HistoricOutcome((0, "catch+0", 0), Caught()),
    )
    assert pairs(process(state, "x", rc(0)))[1:] == finished("x", 1)


def test_non_boolean_predicate_is_a_disrupted_failure() -> None:
    state = state_of(named("probe"), if_(("'yes'", "one")))
    add_order(state, "x", "W")
    run(state, "x")
    events = pairs(process(state, "x", rc(0)))
    problem = disrupted("Expected a Boolean from ''yes'', got String: 'yes'")
    assert events[2:] == [
        ("x", e.OrderOutcomeAdded(outcome=problem)),
        ("x", e.OrderDetachable()),
        ("x", e.OrderDetached()),
        ("x", e.OrderFailed(moved_to=(1,))),
    ]


def test_predicate_sees_the_last_return_code_through_history() -> None:
    state = state_of(named("probe"), named("after"), if_(("$returnCode == 5", "one"), else_job="two"))
    add_order(state, "x", "W")
    run(state, "x")
    process(state, "x", rc(5))
    assert pairs(process(state, "x", rc(4)))[1] == ("x", e.OrderMoved(to=(2, "else", 0)))
