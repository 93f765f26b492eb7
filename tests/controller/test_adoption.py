"""Adopting an Agent's events: translation, duplicates after a reconnect, file orders. Pure."""

from __future__ import annotations

from msgspec.structs import replace

from stellwerk.controller.adoption import AgentStamped, adopt, translate
from stellwerk.engine.apply import apply_event, apply_events
from stellwerk.engine.clone import clone
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from stellwerk.model.items import FileWatch
from stellwerk.model.outcome import Succeeded
from tests.controller.support import shell_job, workflow

NOW = 1_714_543_200_000
W = workflow(
    "W", [{"TYPE": "Execute.Named", "jobName": "j"}], {"j": shell_job("agentA", "exit 0")}, versionId="v1"
)


def attaching_state() -> EngineState:
    state = EngineState(role="controller")
    state.add_workflow(W)
    for keyed in [
        e.KeyedEvent("o1", e.OrderAdded(workflow_id=W.id)),
        e.KeyedEvent("o1", e.OrderAttachable(agent_path="agentA")),
    ]:
        assert apply_event(state, keyed) is None
    return state


def agent_order(state: EngineState) -> o.Order:
    return replace(state.orders["o1"], attached_state=o.Attached(agent_path="agentA"))


def test_order_attached_to_agent_becomes_order_attached() -> None:
    state = attaching_state()
    keyed = e.KeyedEvent("o1", e.OrderAttachedToAgent(order=agent_order(state)))
    assert translate("agentA", keyed) == e.KeyedEvent("o1", e.OrderAttached(agent_path="agentA"))


def test_agent_bookkeeping_is_dropped_and_marks_are_not_repeated() -> None:
    assert (
        translate("agentA", e.KeyedEvent("", ie.JournalEventsReleased(user_id="c", until_event_id=5))) is None
    )
    dedicated = ie.AgentDedicated(agent_path="agentA", agent_run_id="r", controller_id="c")
    assert translate("agentA", e.KeyedEvent("", dedicated)) is None
    cancel = e.KeyedEvent("o1", e.OrderCancellationMarked(mode=o.FreshOrStarted()))
    assert translate("agentA", cancel) == e.KeyedEvent("o1", e.OrderCancellationMarkedOnAgent())
    assert translate("agentA", e.KeyedEvent("o1", e.OrderGoMarked(position=(0,)))) is None
    attached = translate("agentA", e.KeyedEvent("", ie.ItemAttachedToMe(item=W)))
    assert attached == e.KeyedEvent("agentA", ie.ItemAttached(key="Workflow:W~v1", delegate_id="agentA"))
    detached = e.KeyedEvent("o1", e.OrderDetached())
    assert translate("agentA", detached) is detached


def test_a_chunk_is_adopted_once_with_the_observed_event_id() -> None:
    state = attaching_state()
    chunk = [
        AgentStamped(10, e.KeyedEvent("o1", e.OrderAttachedToAgent(order=agent_order(state)))),
        AgentStamped(11, e.KeyedEvent("o1", e.OrderStarted())),
        AgentStamped(12, e.KeyedEvent("o1", e.OrderProcessingStarted(subagent_id="agentA"))),
        AgentStamped(13, None),  # an event this Controller does not know: observed, not adopted
    ]
    adoption = adopt(clone(state), "agentA", 0, chunk, NOW)
    assert [type(k.event).__name__ for k in adoption.events] == [
        "OrderAttached", "OrderStarted", "OrderProcessingStarted", "AgentEventsObserved",
    ]  # fmt: skip
    assert adoption.events[-1] == e.KeyedEvent("agentA", ie.AgentEventsObserved(until_event_id=13))
    assert adoption.problems == []
    reconnected = clone(state)
    adopt(reconnected, "agentA", 0, chunk[:2], NOW)
    again = adopt(reconnected, "agentA", 11, chunk, NOW)
    assert [type(k.event).__name__ for k in again.events] == ["OrderProcessingStarted", "AgentEventsObserved"]


def test_adopted_events_keep_the_agents_time_and_the_controllers_own_take_its_now() -> None:
    state = attaching_state()
    chunk = [
        AgentStamped(10, e.KeyedEvent("o1", e.OrderAttachedToAgent(order=agent_order(state))), 1_000),
        AgentStamped(11, e.KeyedEvent("o1", e.OrderStarted()), 1_002),
    ]
    committed: list[tuple[list[str], list[int | None]]] = []
    applying = clone(state)

    def commit(events: list[e.KeyedEvent], timestamps: list[int | None]) -> None:
        assert apply_events(applying, events) is None
        committed.append(([type(k.event).__name__ for k in events], timestamps))

    adopt(applying, "agentA", 0, chunk, NOW, commit)
    assert committed == [
        (["OrderAttached", "OrderStarted", "AgentEventsObserved"], [1_000, 1_002, None]),
    ]


def test_an_event_that_does_not_apply_is_reported_not_adopted() -> None:
    state = attaching_state()
    chunk = [AgentStamped(20, e.KeyedEvent("o1", e.OrderProcessed(outcome=Succeeded())))]
    adoption = adopt(clone(state), "agentA", 0, chunk, NOW)
    assert [type(k.event).__name__ for k in adoption.events] == ["AgentEventsObserved"]
    assert len(adoption.problems) == 1


def test_a_file_that_appears_and_vanishes_adds_and_marks_its_order() -> None:
    state = EngineState(role="controller")
    state.add_workflow(W)
    state.file_watches["fw"] = FileWatch(
        path="fw", workflow_path="W", agent_path="agentA", directory_expr="'/in'"
    )
    appeared = ie.ExternalOrderAppeared(external_order_name="a.csv", arguments={"file": "/in/a.csv"})
    vanished = ie.ExternalOrderVanished(external_order_name="a.csv")
    chunk = [AgentStamped(1, e.KeyedEvent("fw", appeared)), AgentStamped(2, e.KeyedEvent("fw", vanished))]
    scratch = clone(state)
    adoption = adopt(scratch, "agentA", 0, chunk, NOW)
    assert [(k.key, type(k.event).__name__) for k in adoption.events] == [
        ("fw", "ExternalOrderAppeared"),
        ("file:fw:a.csv", "OrderAdded"),
        ("fw", "ExternalOrderVanished"),
        ("file:fw:a.csv", "OrderExternalVanished"),
        ("agentA", "AgentEventsObserved"),
    ]
    order = scratch.orders["file:fw:a.csv"]
    assert order.arguments == {"file": "/in/a.csv"}
    assert order.external_order == o.ExternalOrder(order_watch_path="fw", name="a.csv", vanished=True)
    assert state.orders == {}, "the Controller's state is not touched before persisting"
