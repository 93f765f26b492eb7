"""Command decisions without I/O: events and answers from the state alone."""

from __future__ import annotations

from stellwerk.agent.commands import CommandContext, decide, decide_batch, mark_event
from stellwerk.engine.apply import apply_event
from stellwerk.engine.state import EngineState
from stellwerk.model import agent_commands as ac
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from tests.agent.helpers import AGENT, attached_order, one_job_workflow

CONTEXT = CommandContext(agent_path=AGENT, new_run_id="run-1", last_event_id=100, oldest_event_id=10)
DEDICATE = ac.DedicateAgentDirector(agent_path=AGENT, controller_id="C")


def dedicated_state() -> EngineState:
    state = EngineState(role="agent")
    dedicated = ie.AgentDedicated(agent_path=AGENT, agent_run_id="run-1", controller_id="C")
    assert apply_event(state, e.KeyedEvent("", dedicated)) is None
    return state


def test_a_first_dedication_journals_agent_dedicated_and_a_repeated_one_nothing() -> None:
    first = decide(EngineState(role="agent"), DEDICATE, CONTEXT)
    assert first.events == [
        e.KeyedEvent("", ie.AgentDedicated(agent_path=AGENT, agent_run_id="run-1", controller_id="C"))
    ]
    again = decide(dedicated_state(), DEDICATE, CONTEXT._replace(new_run_id="run-2"))
    assert again == (first.events[:0], ac.Dedicated(agent_run_id="run-1", agent_event_id=100))
    other = decide(dedicated_state(), ac.DedicateAgentDirector(agent_path=AGENT, controller_id="D"), CONTEXT)
    assert isinstance(other.response, ac.Rejected)
    wrong_agent = decide(
        EngineState(role="agent"), ac.DedicateAgentDirector(agent_path="B", controller_id="C"), CONTEXT
    )
    assert isinstance(wrong_agent.response, ac.Rejected)


def test_coupling_needs_the_run_id_and_kept_events() -> None:
    state = dedicated_state()
    ok = decide(state, ac.CoupleController(agent_path=AGENT, agent_run_id="run-1", event_id=10), CONTEXT)
    assert ok.response == ac.Coupled(order_ids=())
    torn = decide(state, ac.CoupleController(agent_path=AGENT, agent_run_id="run-1", event_id=9), CONTEXT)
    assert isinstance(torn.response, ac.Rejected) and torn.response.message.startswith("Torn")
    other_run = decide(state, ac.CoupleController(agent_path=AGENT, agent_run_id="x", event_id=50), CONTEXT)
    assert isinstance(other_run.response, ac.Rejected)


def test_a_reset_is_accepted_for_our_run_when_forced_or_when_nobody_holds_the_agent() -> None:
    state = dedicated_state()
    assert decide(state, ac.Reset(agent_run_id="run-1"), CONTEXT) == ([], ac.Accepted())
    assert decide(state, ac.Reset(), CONTEXT) == ([], ac.Accepted())  # forced: whoever holds it
    assert decide(EngineState(role="agent"), ac.Reset(agent_run_id="run-0"), CONTEXT) == ([], ac.Accepted())
    other_run = decide(state, ac.Reset(agent_run_id="run-0"), CONTEXT)
    assert isinstance(other_run.response, ac.Rejected) and "run id" in other_run.response.message


def test_a_batch_sees_its_earlier_commands_and_a_refusal_changes_nothing() -> None:
    flow = one_job_workflow("exit 0")
    commands = (
        DEDICATE,
        ac.AttachItem(item=flow),
        ac.AttachOrder(order=attached_order("A", flow)),
        ac.AttachOrder(order=attached_order("A", flow)),
        ac.DetachOrder(order_id="A"),
        ac.DetachOrder(order_id="unknown"),
    )
    state = EngineState(role="agent")
    decision = decide_batch(state, commands, CONTEXT)
    assert [type(k.event).__name__ for k in decision.events] == [
        "AgentDedicated",
        "ItemAttachedToMe",
        "OrderAttachedToAgent",
    ]
    assert [type(r).__name__ for r in decision.responses] == [
        "Dedicated",
        "Accepted",
        "Accepted",
        "Accepted",
        "Rejected",
        "Accepted",
    ]
    assert decision.touched_orders == ["A"]
    assert state.orders == {} and state.agents == {}  # planned on a scratch copy


def test_nothing_but_dedication_before_dedication() -> None:
    decision = decide(EngineState(role="agent"), ac.DetachOrder(order_id="A"), CONTEXT)
    assert decision.response == ac.Rejected(message="Agent is not dedicated to a Controller")
    assert decide(EngineState(role="agent"), ac.NoOperation(), CONTEXT).response == ac.Accepted()


def test_an_item_attached_as_it_is_is_not_journaled_again() -> None:
    flow = one_job_workflow("exit 0")
    state = dedicated_state()
    assert apply_event(state, e.KeyedEvent("", ie.ItemAttachedToMe(item=flow))) is None
    assert decide(state, ac.AttachItem(item=flow), CONTEXT).events == []
    changed = one_job_workflow("exit 1")
    assert len(decide(state, ac.AttachItem(item=changed), CONTEXT).events) == 1


def test_marks_become_their_events_and_a_repeated_mark_is_ignored() -> None:
    kill = o.Cancelling(mode=o.FreshOrStarted(kill=o.Kill()))
    assert mark_event(kill) == e.OrderCancellationMarked(mode=kill.mode)
    assert mark_event(o.Suspending()) == e.OrderSuspensionMarked(mode=o.SuspensionMode())
    assert mark_event(o.Resuming(position=(1,))) == e.OrderResumptionMarked(position=(1,))
    assert mark_event(o.Go(position=(0,))) == e.OrderGoMarked(position=(0,))
    flow = one_job_workflow("exit 0")
    state = dedicated_state()
    apply_event(state, e.KeyedEvent("", ie.ItemAttachedToMe(item=flow)))
    apply_event(state, e.KeyedEvent("A", e.OrderAttachedToAgent(order=attached_order("A", flow, mark=kill))))
    assert decide(state, ac.MarkOrder(order_id="A", mark=kill), CONTEXT).events == []
    unknown = decide(state, ac.MarkOrder(order_id="B", mark=kill), CONTEXT)
    assert isinstance(unknown.response, ac.Rejected)


def test_release_events_journals_the_release_point_once() -> None:
    state = dedicated_state()
    released = decide(state, ac.ReleaseEvents(until_event_id=50), CONTEXT)
    assert released.events == [e.KeyedEvent("", ie.JournalEventsReleased(user_id="C", until_event_id=50))]
    apply_event(state, released.events[0])
    assert decide(state, ac.ReleaseEvents(until_event_id=40), CONTEXT).events == []
    beyond = decide(state, ac.ReleaseEvents(until_event_id=101), CONTEXT)
    assert isinstance(beyond.response, ac.Rejected)
