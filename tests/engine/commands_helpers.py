"""Helpers for command tests: execute a command, apply its events, derive what follows."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.apply import apply_events
from stellwerk.engine.commands import execute_command, touched_orders
from stellwerk.engine.derive import derive
from stellwerk.engine.state import EngineState
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.problems import Problem
from tests.engine.harness import (
    T0,
    add_order,
    apply,
    failed_rc,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)


def execute(state: EngineState, command: c.Command, now: int = T0) -> list[e.KeyedEvent]:
    """The command's events (applied) followed by the derived ones."""
    events = execute_command(state, command, now)
    assert not isinstance(events, Problem), events
    assert apply_events(state, events) is None
    return [*events, *derive(state, touched_orders(state, events), now)]


def rejected(state: EngineState, command: c.Command, now: int = T0) -> str:
    result = execute_command(state, command, now)
    assert isinstance(result, Problem), result
    return result.message


A = "agentA"


def job_step(name: str, label: str | None = None) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": name, "label": label or name}


def e2_state() -> EngineState:
    jobs = {"rcOne": shell_job(A), "rcTwo": shell_job(A)}
    return state_with(workflow("W", {"instructions": [job_step("rcOne"), job_step("rcTwo")], "jobs": jobs}))


def failed_e2_state() -> EngineState:
    state = e2_state()
    add_order(state, "ex2", "W")
    run(state)
    process(state, "ex2", rc(1))
    process(state, "ex2", failed_rc(2))
    assert isinstance(state.orders["ex2"].state, o.Failed)
    return state


def prompting_state(order_id: str = "q") -> EngineState:
    body = {"instructions": [{"TYPE": "Prompt", "question": "'Approve deployment?'"}, job_step("deploy")]}
    state = state_with(workflow("W", {**body, "jobs": {"deploy": shell_job(A)}}))
    add_order(state, order_id, "W")
    apply(state, order_id, e.OrderStarted())
    apply(state, order_id, e.OrderPrompted(question="Approve deployment?"))
    return state


def fresh_order(order_id: str, path: str = "W", **fields: Any) -> c.FreshOrder:
    return c.FreshOrder(id=order_id, workflow_path=path, **fields)
