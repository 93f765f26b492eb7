"""ResetAgent on the Controller (js7-reference §6.1 step 8): every order at the Agent is disrupted, detached and
fails uncatchably (a catch does not catch it); items are detached; the Agent record is reset."""

from __future__ import annotations

from msgspec.structs import replace

from stellwerk.engine.agent_reset import AGENT_RESET
from stellwerk.engine.apply import apply_event
from stellwerk.engine.derive import derive
from stellwerk.engine.state import EngineState
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from tests.engine.commands_helpers import execute, rejected
from tests.engine.harness import T0, add_order, shell_job, state_with, workflow

JOB = {"TYPE": "Execute.Named", "jobName": "j"}
PLAIN = workflow("W", {"instructions": [JOB], "jobs": {"j": shell_job()}})
CAUGHT = workflow(
    "T",
    {
        "instructions": [{"TYPE": "Try", "try": {"instructions": [JOB]}, "catch": {"instructions": []}}],
        "jobs": {"j": shell_job()},
    },
)


def _apply(state: EngineState, key: str, event: e.Event) -> None:
    assert apply_event(state, e.KeyedEvent(key, event)) is None, event


def _controller_with_agent() -> EngineState:
    state = state_with(PLAIN, CAUGHT)
    state.role = "controller"
    _apply(state, "agentA", ie.AgentDedicated(agent_path="agentA", agent_run_id="run-1", controller_id="C"))
    _apply(state, "agentA", ie.ItemAttached(key="Workflow:W~1", delegate_id="agentA"))
    return state


def _at_agent(state: EngineState, order_id: str, workflow_path: str, *, processing: bool) -> None:
    add_order(state, order_id, workflow_path)
    events = derive(state, [order_id], T0)
    assert events[-1].event == e.OrderAttachable(agent_path="agentA")
    _apply(state, order_id, e.OrderAttached(agent_path="agentA"))
    if processing:
        _apply(state, order_id, e.OrderStarted())
        _apply(state, order_id, e.OrderProcessingStarted(subagent_id="agentA"))


def test_a_processing_order_is_disrupted_detached_and_fails() -> None:
    state = _controller_with_agent()
    _at_agent(state, "running", "W", processing=True)
    events = execute(state, c.ResetAgent(agent_path="agentA"))
    assert events == [
        e.KeyedEvent("agentA", ie.AgentResetStarted()),
        e.KeyedEvent("agentA", ie.ItemDetached(key="Workflow:W~1", delegate_id="agentA")),
        e.KeyedEvent("running", e.OrderProcessed(outcome=AGENT_RESET)),
        e.KeyedEvent("running", e.OrderDetached()),
        e.KeyedEvent("running", e.OrderFailed(moved_to=(0,))),
    ]
    order = state.orders["running"]
    assert isinstance(order.state, o.Failed) and order.is_detached
    assert state.agents["agentA"].resetting
    assert not state.attached_items.get("agentA")
    assert not state.agent_processing.get("agentA")


def test_a_catch_does_not_catch_the_reset_and_a_waiting_order_fails_too() -> None:
    state = _controller_with_agent()
    _at_agent(state, "caught", "T", processing=True)
    _at_agent(state, "waiting", "W", processing=False)
    events = execute(state, c.ResetAgent(agent_path="agentA", force=True))
    by_order = {key: [k.event for k in events if k.key == key] for key in ("caught", "waiting")}
    # Not OrderCaught into the catch block: the order fails where the job was.
    assert by_order["caught"][-1] == e.OrderFailed(moved_to=(0, "try+0", 0))
    assert by_order["waiting"] == [
        e.OrderOutcomeAdded(outcome=AGENT_RESET),
        e.OrderDetached(),
        e.OrderFailed(moved_to=(0,)),
    ]
    assert isinstance(state.orders["caught"].state, o.Failed)
    assert events[0] == e.KeyedEvent("agentA", ie.AgentResetStarted(force=True))


def test_orders_elsewhere_are_untouched_and_a_second_reset_is_refused() -> None:
    state = _controller_with_agent()
    add_order(state, "home", "W")
    events = execute(state, c.ResetAgent(agent_path="agentA"))
    assert all(k.key != "home" for k in events if not isinstance(k.event, e.OrderAttachable))
    assert "being reset already" in rejected(state, c.ResetAgent(agent_path="agentA"))


def test_an_unknown_agent_is_refused() -> None:
    assert "Unknown Agent 'nobody'" in rejected(_controller_with_agent(), c.ResetAgent(agent_path="nobody"))


def test_agent_reset_gives_a_fresh_record() -> None:
    state = _controller_with_agent()
    execute(state, c.ResetAgent(agent_path="agentA"))
    _apply(state, "agentA", ie.AgentReset())
    assert state.agents["agentA"] == replace(state.agents["agentA"], agent_run_id="", resetting=False)
    assert state.agents["agentA"].agent_run_id == ""
