"""Planning a turn without I/O: incoming events checked, derived events added, the Agent's process limit."""

from __future__ import annotations

from typing import Any

from stellwerk.agent.restart import LOST_DUE_TO_RESTART, lost_process_events
from stellwerk.agent.turn import agent_process_limit, limit_process_starts, plan_turn
from stellwerk.engine.apply import apply_event
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model.items import AgentRef
from stellwerk.model.outcome import Disrupted, OtherReason, ProcessLost, Succeeded
from tests.agent.helpers import AGENT, attached_order, one_job_workflow

NOW = 1_714_543_200_000


def state_with_orders(*order_ids: str, **job_fields: Any) -> EngineState:
    flow = one_job_workflow("exit 0", processLimit=9, **job_fields)
    state = EngineState(role="agent")
    assert apply_event(state, e.KeyedEvent("", ie.ItemAttachedToMe(item=flow))) is None
    for order_id in order_ids:
        assert (
            apply_event(
                state, e.KeyedEvent(order_id, e.OrderAttachedToAgent(order=attached_order(order_id, flow)))
            )
            is None
        )
    return state


def names(events: list[e.KeyedEvent]) -> list[tuple[str, str]]:
    return [(k.key, type(k.event).__name__) for k in events]


def test_a_turn_derives_from_the_incoming_events_without_changing_the_state() -> None:
    state = state_with_orders("A")
    plan = plan_turn(state, [], ["A"], NOW)
    assert names(plan.events) == [("A", "OrderStarted"), ("A", "OrderProcessingStarted")]
    assert type(state.orders["A"].state).__name__ == "Fresh"


def test_an_incoming_event_that_does_not_apply_is_dropped() -> None:
    state = state_with_orders("A")
    late = e.KeyedEvent("A", e.OrderProcessed(outcome=Succeeded()))
    plan = plan_turn(state, [late], [], NOW)
    assert plan.dropped == [late]


def test_process_starts_beyond_the_free_slots_are_held_back() -> None:
    state = state_with_orders("A", "B", "C")
    plan = plan_turn(state, [], ["A", "B", "C"], NOW, free_slots=1)
    assert [k.key for k in plan.events if isinstance(k.event, e.OrderProcessingStarted)] == ["A"]
    assert plan.held_back == ["B", "C"]
    started = e.KeyedEvent("X", e.OrderProcessingStarted())
    assert limit_process_starts([started], None) == ([started], [])


def test_the_smaller_process_limit_wins() -> None:
    state = EngineState(role="agent")
    assert agent_process_limit(state, AGENT, None) is None
    state.agent_refs[AGENT] = AgentRef(path=AGENT, process_limit=3)
    assert agent_process_limit(state, AGENT, 5) == 3
    assert agent_process_limit(state, AGENT, 2) == 2


def test_lost_processes_run_again_unless_the_job_is_not_restartable() -> None:
    for not_restartable, reason in ((False, ProcessLost), (True, OtherReason)):
        state = state_with_orders("A", isNotRestartable=not_restartable)
        plan = plan_turn(state, [], ["A"], NOW)
        for keyed in plan.events:
            assert apply_event(state, keyed) is None
        lost = lost_process_events(state, LOST_DUE_TO_RESTART)
        assert len(lost) == 1
        event = lost[0].event
        assert isinstance(event, e.OrderProcessed) and isinstance(event.outcome, Disrupted)
        assert isinstance(event.outcome.reason, reason)
        after = names(plan_turn(state, lost, [], NOW).events)
        if not_restartable:
            assert after == [("A", "OrderProcessed"), ("A", "OrderDetachable")]
        else:
            assert after == [("A", "OrderProcessed"), ("A", "OrderMoved"), ("A", "OrderProcessingStarted")]
