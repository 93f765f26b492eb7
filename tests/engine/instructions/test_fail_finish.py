"""Fail and Finish (js7-reference §3.1, §10 E11): uncatchable and catchable failures, messages, finishing with an
outcome, releasing locks first, and Finish in a fork branch ending only that branch."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.engine.step import Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.instructions import LockDemand
from stellwerk.model.order import ForkedChild
from stellwerk.model.outcome import Failed, Succeeded
from stellwerk.runner.jobenv import JobInput, job_input
from tests.engine.harness import (
    add_order,
    lock_item,
    pairs,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)

A = "agentA"
CLEANUP = shell_job(
    A, executable={"TYPE": "ShellScriptExecutable", "script": "echo rc=$RC\n", "env": {"RC": "$returnCode"}}
)
JOBS = {"cleanup": CLEANUP, "never": shell_job(A), "work": shell_job(A), "after": shell_job(A)}


def named(job_name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": job_name, "label": job_name}


def state_of(*instructions: dict[str, Any], locks: tuple[str, ...] = ()) -> EngineState:
    return state_with(
        workflow("W", {"instructions": list(instructions), "jobs": JOBS}),
        locks=tuple(lock_item(path) for path in locks),
    )


def e11_state(uncatchable: bool) -> EngineState:
    fail = {
        "TYPE": "Fail",
        "message": "'fatal'",
        "namedValues": {"returnCode": 7},
        "uncatchable": uncatchable,
    }
    try_ = {"TYPE": "Try", "try": {"instructions": [fail]}, "catch": {"instructions": [named("cleanup")]}}
    return state_of(try_)


def fatal(uncatchable: bool) -> Failed:
    return Failed(message="fatal", named_values={"returnCode": 7}, uncatchable=uncatchable)


def test_e11_uncatchable_fail_skips_the_catch() -> None:
    state = e11_state(uncatchable=True)
    add_order(state, "f", "W")
    assert pairs(run(state, "f")) == [
        ("f", e.OrderMoved(to=(0, "try+0", 0))),
        ("f", e.OrderStarted()),
        ("f", e.OrderOutcomeAdded(outcome=fatal(True))),
        ("f", e.OrderFailed(moved_to=(0, "try+0", 0))),
    ]
    assert isinstance(state.orders["f"].state, o.Failed)


def test_e11_catchable_fail_is_caught_and_the_catch_sees_its_return_code() -> None:
    state = e11_state(uncatchable=False)
    add_order(state, "f", "W")
    assert pairs(run(state, "f")) == [
        ("f", e.OrderMoved(to=(0, "try+0", 0))),
        ("f", e.OrderStarted()),
        ("f", e.OrderOutcomeAdded(outcome=fatal(False))),
        ("f", e.OrderCaught(moved_to=(0, "catch+0", 0))),
        ("f", e.OrderAttachable(agent_path=A)),
        ("f", e.OrderAttached(agent_path=A)),
        ("f", e.OrderProcessingStarted(subagent_id=A)),
    ]
    # $returnCode looks through the Caught outcome to the Fail's namedValues: the job prints rc=7.
    order = state.orders["f"]
    workflow_ = state.workflow_of(order)
    cleanup = i.ExecuteNamed(job_name="cleanup")
    given = job_input(Step(state, order, workflow_, 0), workflow_.jobs["cleanup"], cleanup)
    assert isinstance(given, JobInput), given
    assert given.env["RC"] == "7"
    assert pairs(process(state, "f", rc(0))) == [
        ("f", e.OrderProcessed(outcome=rc(0))),
        ("f", e.OrderMoved(to=(1,))),
        ("f", e.OrderDetachable()),
        ("f", e.OrderDetached()),
        ("f", e.OrderFinished()),
    ]


def test_return_code_of_a_caught_fail_is_seen_by_a_predicate_in_the_catch() -> None:
    fail = {"TYPE": "Fail", "namedValues": {"returnCode": 7}}
    check = {
        "TYPE": "If",
        "ifThens": [{"predicate": "$returnCode == 7", "then": {"instructions": [named("work")]}}],
    }
    state = state_of({"TYPE": "Try", "try": {"instructions": [fail]}, "catch": {"instructions": [check]}})
    add_order(state, "f", "W")
    events = pairs(run(state, "f"))
    assert events[3:5] == [
        ("f", e.OrderCaught(moved_to=(0, "catch+0", 0))),
        ("f", e.OrderMoved(to=(0, "catch+0", 0, "then", 0))),
    ]


def test_e11_unsuccessful_finish_finishes_with_the_failed_outcome() -> None:
    outcome = {"TYPE": "Failed", "message": "nothing to do", "namedValues": {"returnCode": 1}}
    state = state_of({"TYPE": "Finish", "outcome": outcome}, named("never"))
    add_order(state, "g", "W")
    expected = Failed(message="nothing to do", named_values={"returnCode": 1})
    assert pairs(run(state, "g")) == [("g", e.OrderStarted()), ("g", e.OrderFinished(outcome=expected))]
    assert state.orders["g"].state == o.Finished(outcome=expected)
    assert state.orders["g"].is_terminated


def test_finish_after_a_job_detaches_first() -> None:
    state = state_of(named("work"), {"TYPE": "Finish"}, named("never"))
    add_order(state, "g", "W")
    run(state, "g")
    assert pairs(process(state, "g", rc(0))) == [
        ("g", e.OrderProcessed(outcome=rc(0))),
        ("g", e.OrderMoved(to=(1,))),
        ("g", e.OrderDetachable()),
        ("g", e.OrderDetached()),
        ("g", e.OrderFinished()),
    ]


def test_fail_message_is_an_expression() -> None:
    fail = {"TYPE": "Fail", "message": "'step ' ++ $step ++ ' failed'", "namedValues": {"returnCode": 3}}
    state = state_of(fail)
    add_order(state, "f", "W", arguments={"step": "load"})
    expected = Failed(message="step load failed", named_values={"returnCode": 3})
    assert pairs(run(state, "f")) == [
        ("f", e.OrderStarted()),
        ("f", e.OrderOutcomeAdded(outcome=expected)),
        ("f", e.OrderFailed(moved_to=(0,))),
    ]


def test_fail_without_message() -> None:
    state = state_of({"TYPE": "Fail"})
    add_order(state, "f", "W")
    assert pairs(run(state, "f"))[1:] == [
        ("f", e.OrderOutcomeAdded(outcome=Failed())),
        ("f", e.OrderFailed(moved_to=(0,))),
    ]


def test_finish_inside_a_lock_releases_it_first() -> None:
    lock = {"TYPE": "Lock", "demands": [{"lockPath": "L"}], "lockedWorkflow": {"instructions": [
        named("work"), {"TYPE": "Finish"}, named("never"),
    ]}}  # fmt: skip
    state = state_of(lock, named("after"), locks=("L",))
    add_order(state, "g", "W")
    assert pairs(run(state, "g"))[:2] == [
        ("g", e.OrderStarted()),
        ("g", e.OrderLocksAcquired(demands=(LockDemand(lock_path="L"),))),
    ]
    assert pairs(process(state, "g", rc(0))) == [
        ("g", e.OrderProcessed(outcome=rc(0))),
        ("g", e.OrderMoved(to=(0, "lock", 1))),
        ("g", e.OrderDetachable()),
        ("g", e.OrderDetached()),
        ("g", e.OrderLocksReleased(lock_paths=("L",))),
        ("g", e.OrderFinished()),
    ]
    assert state.lock_state("L").holders == {}


def test_finish_in_a_fork_branch_ends_only_the_branch() -> None:
    fork = {
        "TYPE": "Fork",
        "branches": [
            {"id": "a", "workflow": {"instructions": [{"TYPE": "Finish"}, named("never")]}},
            {"id": "b", "workflow": {"instructions": [named("work")]}},
        ],
    }
    state = state_of(fork, named("after"))
    add_order(state, "p", "W")
    children = (ForkedChild(order_id="p|a", branch_id="a"), ForkedChild(order_id="p|b", branch_id="b"))
    assert pairs(run(state, "p")) == [
        ("p", e.OrderStarted()),
        ("p", e.OrderForked(children=children)),
        ("p|a", e.OrderMoved(to=(0, "fork+a", 2))),
        ("p|b", e.OrderAttachable(agent_path=A)),
        ("p|b", e.OrderAttached(agent_path=A)),
        ("p|b", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert not state.orders["p|a"].is_terminated
    events = pairs(process(state, "p|b", rc(0)))
    assert events[:5] == [
        ("p|b", e.OrderProcessed(outcome=rc(0))),
        ("p|b", e.OrderMoved(to=(0, "fork+b", 1))),
        ("p|b", e.OrderDetachable()),
        ("p|b", e.OrderDetached()),
        ("p", e.OrderJoined(outcome=Succeeded())),
    ]
    assert events[5] == ("p", e.OrderMoved(to=(1,)))
    assert "p|a" not in state.orders


def test_unsuccessful_finish_in_a_fork_branch_fails_the_child() -> None:
    finish = {"TYPE": "Finish", "outcome": {"TYPE": "Failed", "message": "no"}}
    fork = {
        "TYPE": "Fork",
        "joinIfFailed": True,
        "branches": [{"id": "a", "workflow": {"instructions": [finish]}}],
    }
    state = state_of(fork)
    add_order(state, "p", "W")
    events = pairs(run(state, "p"))
    assert events[2:4] == [
        ("p|a", e.OrderOutcomeAdded(outcome=Failed(message="no"))),
        ("p|a", e.OrderFailedInFork(moved_to=(0, "fork+a", 0))),
    ]
    assert events[4:] == [
        ("p", e.OrderJoined(outcome=Failed(message="p|a Failed(no)"))),
        ("p", e.OrderFailed(moved_to=(0,))),
    ]
