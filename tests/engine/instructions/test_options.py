"""Options (js7-reference §3.1, §3.3, §10 E15): stopOnFailure stops a failing order where it failed, the
operator resumes it; the nearest enclosing Options that sets stopOnFailure decides, before any catch (JS7
OrderEventSource.fail/isStopOnFailure and js7-tests StopOnFailureTest)."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.instructions import LockDemand
from stellwerk.model.outcome import Failed
from tests.engine.commands_helpers import execute
from tests.engine.harness import (
    add_order,
    failed_rc,
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
JOBS = {name: shell_job(A) for name in ("fragile", "next", "first", "cleanup")}
FAIL = {"TYPE": "Fail", "message": "'TEST-FAILURE'"}
TEST_FAILURE = Failed(message="TEST-FAILURE")


def named(job_name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": job_name, "label": job_name}


def options(*block: dict[str, Any], stop_on_failure: bool | None = True) -> dict[str, Any]:
    instruction: dict[str, Any] = {"TYPE": "Options", "block": {"instructions": list(block)}}
    if stop_on_failure is not None:
        instruction["stopOnFailure"] = stop_on_failure
    return instruction


def lock(path: str, *block: dict[str, Any]) -> dict[str, Any]:
    return {"TYPE": "Lock", "demands": [{"lockPath": path}], "lockedWorkflow": {"instructions": list(block)}}


def state_of(*instructions: dict[str, Any], locks: tuple[str, ...] = ()) -> EngineState:
    return state_with(
        workflow("W", {"instructions": list(instructions), "jobs": JOBS}),
        locks=tuple(lock_item(path) for path in locks),
    )


def test_e15_stop_on_failure_then_resume_as_succeeded() -> None:
    state = state_of(options(named("fragile")), named("next"))
    add_order(state, "s", "W")
    # §10 E15 leaves out the first move; the engine (like JS7, see StopOnFailureTest) enters the block with
    # an OrderMoved of its own, as Try does in E4.
    assert pairs(run(state, "s")) == [
        ("s", e.OrderMoved(to=(0, "options", 0))),
        ("s", e.OrderAttachable(agent_path=A)),
        ("s", e.OrderAttached(agent_path=A)),
        ("s", e.OrderStarted()),
        ("s", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "s", failed_rc(1))) == [
        ("s", e.OrderProcessed(outcome=failed_rc(1))),
        ("s", e.OrderDetachable()),
        ("s", e.OrderDetached()),
        ("s", e.OrderStopped()),
    ]
    assert isinstance(state.orders["s"].state, o.Stopped)
    assert state.orders["s"].position == (0, "options", 0)
    assert pairs(execute(state, c.ResumeOrder(order_id="s", as_succeeded=True))) == [
        ("s", e.OrderResumed(as_succeeded=True)),
        ("s", e.OrderAttachable(agent_path=A)),
        ("s", e.OrderAttached(agent_path=A)),
        ("s", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "s", rc(0))) == [
        ("s", e.OrderProcessed(outcome=rc(0))),
        ("s", e.OrderMoved(to=(1,))),
        ("s", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "s", rc(0))) == [
        ("s", e.OrderProcessed(outcome=rc(0))),
        ("s", e.OrderMoved(to=(2,))),
        ("s", e.OrderDetachable()),
        ("s", e.OrderDetached()),
        ("s", e.OrderFinished()),
    ]


def test_fail_at_the_controller_stops_and_resumes_after_it() -> None:
    """JS7 StopOnFailureTest "Fail at Controller"."""
    state = state_of(options(FAIL))
    add_order(state, "s", "W")
    assert pairs(run(state, "s")) == [
        ("s", e.OrderMoved(to=(0, "options", 0))),
        ("s", e.OrderStarted()),
        ("s", e.OrderOutcomeAdded(outcome=TEST_FAILURE)),
        ("s", e.OrderStopped()),
    ]
    resume = c.ResumeOrder(order_id="s", as_succeeded=True, position=(0, "options", 1))
    assert pairs(execute(state, resume)) == [
        ("s", e.OrderResumed(position=(0, "options", 1), as_succeeded=True)),
        ("s", e.OrderMoved(to=(1,))),
        ("s", e.OrderFinished()),
    ]


def test_stop_on_failure_applies_before_a_try_inside_the_block() -> None:
    """JS7 checks stopOnFailure (isStopOnFailure over all enclosing positions) before failAndLeave looks for a
    catch, and js7-reference §3.3 lists it first: the catch is not entered."""
    try_ = {
        "TYPE": "Try",
        "try": {"instructions": [named("fragile")]},
        "catch": {"instructions": [named("cleanup")]},
    }
    state = state_of(options(try_))
    add_order(state, "s", "W")
    assert pairs(run(state, "s"))[0] == ("s", e.OrderMoved(to=(0, "options", 0, "try+0", 0)))
    assert pairs(process(state, "s", failed_rc(1))) == [
        ("s", e.OrderProcessed(outcome=failed_rc(1))),
        ("s", e.OrderDetachable()),
        ("s", e.OrderDetached()),
        ("s", e.OrderStopped()),
    ]
    assert state.orders["s"].position == (0, "options", 0, "try+0", 0)


def test_a_try_outside_the_options_block_does_not_catch_either() -> None:
    try_ = {
        "TYPE": "Try",
        "try": {"instructions": [options(FAIL)]},
        "catch": {"instructions": [named("cleanup")]},
    }
    state = state_of(try_)
    add_order(state, "s", "W")
    assert pairs(run(state, "s")) == [
        ("s", e.OrderMoved(to=(0, "try+0", 0))),
        ("s", e.OrderMoved(to=(0, "try+0", 0, "options", 0))),
        ("s", e.OrderStarted()),
        ("s", e.OrderOutcomeAdded(outcome=TEST_FAILURE)),
        ("s", e.OrderStopped()),
    ]


def test_nested_options_switching_stop_on_failure_off_again() -> None:
    """JS7 StopOnFailureTest "Two nested Options instructions": the inner false decides; each Options is entered
    with its own OrderMoved."""
    state = state_of(options(options(FAIL, stop_on_failure=False)))
    add_order(state, "s", "W")
    inner = (0, "options", 0, "options", 0)
    assert pairs(run(state, "s")) == [
        ("s", e.OrderMoved(to=(0, "options", 0))),
        ("s", e.OrderMoved(to=inner)),
        ("s", e.OrderStarted()),
        ("s", e.OrderOutcomeAdded(outcome=TEST_FAILURE)),
        ("s", e.OrderFailed(moved_to=inner)),
    ]


def test_nested_options_switching_stop_on_failure_on() -> None:
    state = state_of(options(options(FAIL), stop_on_failure=False))
    add_order(state, "s", "W")
    assert pairs(run(state, "s"))[-1] == ("s", e.OrderStopped())


def test_options_without_stop_on_failure_leave_the_decision_to_the_enclosing_one() -> None:
    state = state_of(options(options(FAIL, stop_on_failure=None)))
    add_order(state, "s", "W")
    assert pairs(run(state, "s"))[-1] == ("s", e.OrderStopped())


def test_without_stop_on_failure_the_order_fails() -> None:
    state = state_of(options(named("fragile"), stop_on_failure=False))
    add_order(state, "s", "W")
    run(state, "s")
    assert pairs(process(state, "s", failed_rc(1)))[-1] == ("s", e.OrderFailed(moved_to=(0, "options", 0)))


def test_stopped_order_keeps_its_locks_until_it_leaves_them() -> None:
    """JS7 StopOnFailureTest "Fail in two nested Lock instructions"."""
    block = lock("A", named("first"), lock("B", named("fragile")))
    state = state_of(options(block), locks=("A", "B"))
    add_order(state, "s", "W")
    run(state, "s")
    process(state, "s", rc(0))
    assert pairs(process(state, "s", failed_rc(1))) == [
        ("s", e.OrderProcessed(outcome=failed_rc(1))),
        ("s", e.OrderDetachable()),
        ("s", e.OrderDetached()),
        ("s", e.OrderStopped()),
    ]
    stopped_at = (0, "options", 0, "lock", 1, "lock", 0)
    assert state.orders["s"].position == stopped_at
    assert state.lock_state("A").holders == {"s": None} and state.lock_state("B").holders == {"s": None}
    behind = (0, "options", 0, "lock", 1, "lock", 1)
    assert pairs(execute(state, c.ResumeOrder(order_id="s", as_succeeded=True, position=behind))) == [
        ("s", e.OrderResumed(position=behind, as_succeeded=True)),
        ("s", e.OrderLocksReleased(lock_paths=("B",))),
        ("s", e.OrderLocksReleased(lock_paths=("A",))),
        ("s", e.OrderMoved(to=(1,))),
        ("s", e.OrderFinished()),
    ]


def test_cancelling_a_stopped_order_releases_its_lock() -> None:
    """JS7 StopOnFailureTest "Cancel a stopped locking Order"."""
    state = state_of(options(lock("A", named("fragile"))), locks=("A",))
    add_order(state, "s", "W")
    assert pairs(run(state, "s"))[:3] == [
        ("s", e.OrderMoved(to=(0, "options", 0))),
        ("s", e.OrderStarted()),
        ("s", e.OrderLocksAcquired(demands=(LockDemand(lock_path="A"),))),
    ]
    process(state, "s", failed_rc(1))
    assert pairs(execute(state, c.CancelOrders(order_ids=("s",)))) == [
        ("s", e.OrderLocksReleased(lock_paths=("A",))),
        ("s", e.OrderCancelled()),
    ]
    assert state.lock_state("A").holders == {}
