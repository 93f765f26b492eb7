"""The Agent's process limit (js7-reference §1.3 step 8): AgentRef.processLimit caps the processes of all jobs of
the Agent; a waiting order stays Ready with the obstacle "agent process limit reached" and starts when a process
of the Agent ends."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.apply import apply_event
from stellwerk.engine.derive import derive, touched_by
from stellwerk.engine.obstacles import obstacles
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model.items import AgentRef
from tests.engine.harness import T0, add_order, rc, run, shell_job, state_with, workflow

A = "agentA"


def _job(name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": name}


def two_jobs_state(agent_limit: int | None) -> EngineState:
    jobs = {"a": shell_job(A, processLimit=10), "b": shell_job(A, processLimit=10)}
    state = state_with(
        workflow("WA", {"instructions": [_job("a")], "jobs": jobs}),
        workflow("WB", {"instructions": [_job("b")], "jobs": jobs}),
    )
    state.agent_refs[A] = AgentRef(path=A, process_limit=agent_limit)
    return state


def process(state: EngineState, order_id: str) -> list[e.KeyedEvent]:
    """OrderProcessed as the shell reports it, then the order and those it touches are derived."""
    keyed = e.KeyedEvent(order_id, e.OrderProcessed(outcome=rc(0)))
    before = state.orders[order_id]
    assert apply_event(state, keyed) is None
    return derive(state, [order_id, *touched_by(state, before, keyed)], T0)


def started(events: list[e.KeyedEvent]) -> list[str]:
    return [k.key for k in events if isinstance(k.event, e.OrderProcessingStarted)]


def test_the_agent_limit_caps_processes_of_all_jobs_together() -> None:
    state = two_jobs_state(agent_limit=2)
    for order_id, path in (("a1", "WA"), ("b1", "WB"), ("a2", "WA"), ("b2", "WB")):
        add_order(state, order_id, path)
    assert started(run(state)) == ["a1", "b1"]
    assert state.agent_processing[A] == {"a1", "b1"}
    assert obstacles(state, "a2", T0) == ["agent process limit reached (2)"]
    # A process of job b ends: the oldest waiting order of any job of the Agent takes the slot.
    assert started(process(state, "b1")) == ["a2"]
    assert started(process(state, "a1")) == ["b2"]
    assert state.agent_processing[A] == {"a2", "b2"}


def test_without_an_agent_limit_only_the_job_limits_count() -> None:
    state = two_jobs_state(agent_limit=None)
    for index in range(4):
        add_order(state, f"a{index}", "WA")
    assert started(run(state)) == ["a0", "a1", "a2", "a3"]
