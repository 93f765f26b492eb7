"""Obstacles: why an order does not move, in words."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.obstacles import Obstacle, instant, obstacles, typed_obstacles
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.items import AgentRef, LockItem, WorkflowPathControl
from tests.engine.harness import (
    T0,
    add_order,
    apply,
    failed_rc,
    process,
    run,
    shell_job,
    state_with,
    workflow,
)

A = "agentA"


def _job(name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": name}


def test_instants_print_as_utc() -> None:
    assert instant(1_795_251_600_000) == "2026-11-21T09:00:00Z"
    assert instant(1_795_251_600_250) == "2026-11-21T09:00:00.250Z"


def test_a_scheduled_order_waits_until_its_time() -> None:
    state = state_with(workflow("W", {"instructions": [{"TYPE": "Prompt", "question": "'?'"}]}))
    add_order(state, "a", "W", scheduled_for=1_795_251_600_000)
    assert obstacles(state, "a", T0) == ["waiting until 2026-11-21T09:00:00Z"]
    assert obstacles(state, "nope", T0) == ["unknown order nope"]


def test_prompting_suspended_and_failed_orders() -> None:
    state = state_with(
        workflow(
            "W",
            {"instructions": [{"TYPE": "Prompt", "question": "'?'"}, _job("a")], "jobs": {"a": shell_job(A)}},
        )
    )
    add_order(state, "q", "W")
    apply(state, "q", e.OrderStarted())
    apply(state, "q", e.OrderPrompted(question="Approve deployment?"))
    assert obstacles(state, "q", T0) == ["prompting: Approve deployment?"]
    add_order(state, "s", "W")
    apply(state, "s", e.OrderSuspended())
    assert obstacles(state, "s", T0) == ["suspended"]
    add_order(state, "f", "W", start_position=(1,))
    run(state, "f")
    process(state, "f", failed_rc(1))
    assert obstacles(state, "f", T0) == ["failed (Failed)"]


def test_waiting_for_a_lock_names_the_holder() -> None:
    lock = {"TYPE": "Lock", "demands": [{"lockPath": "L1"}], "lockedWorkflow": {"instructions": [_job("a")]}}
    state = state_with(
        workflow("W", {"instructions": [lock], "jobs": {"a": shell_job(A)}}), locks=(LockItem(path="L1"),)
    )
    add_order(state, "A", "W")
    add_order(state, "B", "W")
    run(state)
    assert obstacles(state, "B", T0) == ["waiting for lock L1 (held by A)"]
    assert obstacles(state, "A", T0) == ["processing a job"]


def test_expecting_a_notice_and_process_limit() -> None:
    state = state_with(workflow("W", {"instructions": [_job("a")], "jobs": {"a": shell_job(A)}}))
    add_order(state, "a", "W")
    add_order(state, "b", "W")
    run(state)
    assert obstacles(state, "b", T0) == ["job process limit reached (1)"]
    add_order(state, "x", "W")
    apply(state, "x", e.OrderStarted())
    apply(state, "x", e.OrderNoticesExpected(notice_ids=(("B", "2026-11-21"),)))
    assert obstacles(state, "x", T0) == ["expecting notice B/2026-11-21"]


def test_a_forked_parent_waits_for_its_children() -> None:
    fork = {
        "TYPE": "Fork",
        "branches": [
            {"id": "a", "workflow": {"instructions": [_job("a")]}},
            {"id": "b", "workflow": {"instructions": [_job("a")]}},
        ],
    }
    state = state_with(workflow("W", {"instructions": [fork], "jobs": {"a": shell_job(A, processLimit=2)}}))
    add_order(state, "P", "W")
    run(state)
    assert isinstance(state.orders["P"].state, o.Forked)
    assert obstacles(state, "P", T0) == ["waiting for children P|a, P|b"]


def test_typed_obstacles_name_the_process_limits_the_suspended_workflow_and_the_admission() -> None:
    one_at_a_time = workflow("W", {"instructions": [_job("a")], "jobs": {"a": shell_job(A, processLimit=1)}})
    state = state_with(one_at_a_time)
    for order_id in ("first", "second"):
        add_order(state, order_id, "W")
    run(state)
    assert isinstance(state.orders["first"].state, o.Processing)
    assert typed_obstacles(state, "first") == ()
    assert typed_obstacles(state, "second") == (Obstacle(type="JobProcessLimitReached"),)
    assert typed_obstacles(state, "nope") is None

    state.agent_refs[A] = AgentRef(path=A, process_limit=1)
    assert typed_obstacles(state, "second") == (
        Obstacle(type="JobProcessLimitReached"),
        Obstacle(type="AgentProcessLimitReached"),
    )
    state.workflow_path_controls["W"] = WorkflowPathControl(path="W", suspended=True)
    assert typed_obstacles(state, "second")[0] == Obstacle(type="WorkflowIsSuspended")

    add_order(state, "later", "W")
    apply(state, "later", e.OrderStarted())
    apply(state, "later", e.OrderWaitingForAdmission(until=1_795_251_600_000))
    assert Obstacle(type="WaitingForAdmission", until=1_795_251_600_000) in typed_obstacles(state, "later")
