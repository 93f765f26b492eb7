"""A turn without I/O: incoming events checked, derived events committed to the live state, the Agent's process
limit (the engine's, from the AgentRef lowered by the configured limit)."""

from __future__ import annotations

from typing import Any

from stellwerk.agent.restart import LOST_DUE_TO_RESTART, lost_process_events
from stellwerk.agent.turn import TurnResult, commit_turn, own_agent_ref, processes_running
from stellwerk.engine.apply import apply_event, apply_events
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
        attached = e.KeyedEvent(order_id, e.OrderAttachedToAgent(order=attached_order(order_id, flow)))
        assert apply_event(state, attached) is None
    return state


def names(events: list[e.KeyedEvent]) -> list[tuple[str, str]]:
    return [(k.key, type(k.event).__name__) for k in events]


def turn(state: EngineState, incoming: list[e.KeyedEvent], order_ids: list[str]) -> tuple[TurnResult, int]:
    transactions: list[list[e.KeyedEvent]] = []

    def commit(events: list[e.KeyedEvent]) -> None:
        assert apply_events(state, events) is None
        transactions.append(events)

    result = commit_turn(state, incoming, order_ids, NOW, commit)
    assert result.events == [keyed for transaction in transactions for keyed in transaction]
    return result, len(transactions)


def test_a_turn_commits_what_it_derives_to_the_live_state_order_by_order() -> None:
    state = state_with_orders("A", "B")
    result, transactions = turn(state, [], ["A", "B"])
    assert names(result.events) == [
        ("A", "OrderStarted"),
        ("A", "OrderProcessingStarted"),
        ("B", "OrderStarted"),
        ("B", "OrderProcessingStarted"),
    ]
    assert transactions == 4
    assert type(state.orders["A"].state).__name__ == "Processing"
    assert processes_running(state) == 2


def test_an_incoming_event_that_does_not_apply_is_dropped() -> None:
    state = state_with_orders("A")
    late = e.KeyedEvent("A", e.OrderProcessed(outcome=Succeeded()))
    result, _ = turn(state, [late], [])
    assert result.dropped == [late]
    assert result.events == []
    unknown_file = e.KeyedEvent("fw", ie.ExternalOrderVanished(external_order_name="a.csv"))
    assert turn(state, [unknown_file], [])[0].dropped == [unknown_file]


def test_the_agent_process_limit_holds_orders_ready_until_a_process_ends() -> None:
    state = state_with_orders("A", "B", "C")
    state.agent_refs[AGENT] = AgentRef(path=AGENT, process_limit=1)
    result, _ = turn(state, [], ["A", "B", "C"])
    assert [k.key for k in result.events if isinstance(k.event, e.OrderProcessingStarted)] == ["A"]
    assert type(state.orders["B"].state).__name__ == "Ready"
    ended = e.KeyedEvent("A", e.OrderProcessed(outcome=Succeeded()))
    result, _ = turn(state, [ended], [])
    assert [k.key for k in result.events if isinstance(k.event, e.OrderProcessingStarted)] == ["B"]


def test_the_configured_limit_lowers_the_agent_ref() -> None:
    state = EngineState(role="agent")
    assert own_agent_ref(state, AGENT, None) is None
    assert own_agent_ref(state, AGENT, 5) == AgentRef(path=AGENT, process_limit=5)
    state.agent_refs[AGENT] = AgentRef(path=AGENT, uri="https://a", process_limit=3)
    assert own_agent_ref(state, AGENT, 5) is None
    assert own_agent_ref(state, AGENT, 2) == AgentRef(path=AGENT, uri="https://a", process_limit=2)


def test_lost_processes_run_again_unless_the_job_is_not_restartable() -> None:
    for not_restartable, reason in ((False, ProcessLost), (True, OtherReason)):
        state = state_with_orders("A", isNotRestartable=not_restartable)
        turn(state, [], ["A"])
        lost = lost_process_events(state, LOST_DUE_TO_RESTART)
        assert len(lost) == 1
        event = lost[0].event
        assert isinstance(event, e.OrderProcessed) and isinstance(event.outcome, Disrupted)
        assert isinstance(event.outcome.reason, reason)
        after = names(turn(state, lost, [])[0].events)
        if not_restartable:
            assert after == [("A", "OrderProcessed"), ("A", "OrderDetachable")]
        else:
            assert after == [("A", "OrderProcessed"), ("A", "OrderMoved"), ("A", "OrderProcessingStarted")]


def test_several_processes_ending_in_one_turn_free_as_many_slots() -> None:
    state = state_with_orders("A", "B", "C", "D", "E")
    state.agent_refs[AGENT] = AgentRef(path=AGENT, process_limit=2)
    turn(state, [], ["A", "B", "C", "D", "E"])
    ended = [e.KeyedEvent(key, e.OrderProcessed(outcome=Succeeded())) for key in ("A", "B")]
    result, _ = turn(state, ended, [])
    assert [k.key for k in result.events if isinstance(k.event, e.OrderProcessingStarted)] == ["C", "D"]
    assert processes_running(state) == 2
