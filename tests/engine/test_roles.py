"""The same order seen from a Controller and from its Agent: who derives which events (js7-reference §3.0, §6.3)."""

from __future__ import annotations

from msgspec.structs import replace

from stellwerk.engine.apply import apply_event
from stellwerk.engine.derive import derive
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from tests.engine.harness import T0, add_order, rc, shell_job, state_with, workflow

E1 = workflow(
    "W", {"instructions": [{"TYPE": "Execute.Named", "jobName": "hello"}], "jobs": {"hello": shell_job()}}
)


def _controller() -> EngineState:
    state = state_with(E1)
    state.role = "controller"
    return state


def _agent() -> EngineState:
    state = state_with(E1)
    state.role = "agent"
    return state


def _apply(state: EngineState, key: str, event: e.Event) -> None:
    assert apply_event(state, e.KeyedEvent(key, event)) is None


def test_e1_split_between_controller_and_agent() -> None:
    controller, agent = _controller(), _agent()
    add_order(controller, "ex1", "W")
    assert [k.event for k in derive(controller, ["ex1"], T0)] == [e.OrderAttachable(agent_path="agentA")]
    assert derive(controller, ["ex1"], T0) == []  # the hand-over is the shell's: AttachOrder to the Agent

    handed_over = replace(controller.orders["ex1"], attached_state=o.Attached(agent_path="agentA"))
    _apply(agent, "ex1", e.OrderAttachedToAgent(order=handed_over))
    _apply(controller, "ex1", e.OrderAttached(agent_path="agentA"))
    on_agent = [k.event for k in derive(agent, ["ex1"], T0)]
    assert on_agent == [e.OrderStarted(), e.OrderProcessingStarted(subagent_id="agentA")]
    assert derive(controller, ["ex1"], T0) == []  # attached: the Agent owns it

    processed = e.OrderProcessed(outcome=rc(0))
    _apply(agent, "ex1", processed)
    after = [k.event for k in derive(agent, ["ex1"], T0)]
    assert after == [e.OrderMoved(to=(1,)), e.OrderDetachable()]
    assert derive(agent, ["ex1"], T0) == []  # detaching: waits for the Controller's DetachOrder

    for event in [*on_agent, processed, *after]:  # the Controller adopts the Agent's events
        _apply(controller, "ex1", event)
    _apply(controller, "ex1", e.OrderDetached())
    _apply(agent, "ex1", e.OrderDetached())
    assert "ex1" not in agent.orders
    assert [k.event for k in derive(controller, ["ex1"], T0)] == [e.OrderFinished()]


def test_an_agent_refuses_an_order_that_is_not_attached_to_it() -> None:
    agent = _agent()
    add_order(agent, "x", "W")  # even an OrderAdded order: the Agent derives nothing for a detached order
    assert derive(agent, ["x"], T0) == []
    problem = apply_event(agent, e.KeyedEvent("y", e.OrderAttachedToAgent(order=agent.orders["x"])))
    assert problem is not None and "does not apply" in problem.message


def test_a_controller_refuses_an_order_attached_to_agent() -> None:
    controller = _controller()
    add_order(controller, "x", "W")
    attached = replace(controller.orders["x"], id="y", attached_state=o.Attached(agent_path="agentA"))
    problem = apply_event(controller, e.KeyedEvent("y", e.OrderAttachedToAgent(order=attached)))
    assert problem is not None
