"""File orders: the order a file brings, and the mark when it vanishes. Pure."""

from __future__ import annotations

from stellwerk.controller.file_orders import default_order_id, file_order_events
from stellwerk.engine.apply import apply_event
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model.items import FileWatch
from stellwerk.model.order import ExternalOrder
from tests.controller.support import workflow

NOW = 1_714_543_200_000


def watched_state() -> EngineState:
    state = EngineState(role="controller")
    state.add_workflow(workflow("W", [], versionId="v1"))
    state.file_watches["fw"] = FileWatch(
        path="fw", workflow_path="W", agent_path="agentA", directory_expr="'/in'"
    )
    return state


def test_an_appeared_file_adds_an_order_once() -> None:
    state = watched_state()
    appeared = e.KeyedEvent(
        "fw", ie.ExternalOrderAppeared(external_order_name="a", arguments={"file": "/in/a"})
    )
    [added] = file_order_events(state, appeared, NOW)
    assert added.key == default_order_id("fw", "a") == "file:fw:a"
    assert isinstance(added.event, e.OrderAdded)
    assert added.event.external_order == ExternalOrder(order_watch_path="fw", name="a")
    assert added.event.delete_when_terminated
    assert apply_event(state, added) is None
    assert file_order_events(state, appeared, NOW) == [], "the order exists already"
    named = e.KeyedEvent("fw", ie.ExternalOrderAppeared(external_order_name="b", order_id="custom"))
    assert [k.key for k in file_order_events(state, named, NOW)] == ["custom"]


def test_a_file_of_an_unknown_watch_or_workflow_adds_nothing() -> None:
    state = watched_state()
    appeared = ie.ExternalOrderAppeared(external_order_name="a")
    assert file_order_events(state, e.KeyedEvent("other", appeared), NOW) == []
    del state.latest_workflow["W"]
    assert file_order_events(state, e.KeyedEvent("fw", appeared), NOW) == []


def test_a_vanished_file_marks_its_order_once() -> None:
    state = watched_state()
    appeared = e.KeyedEvent("fw", ie.ExternalOrderAppeared(external_order_name="a"))
    for keyed in [appeared, *file_order_events(state, appeared, NOW)]:
        assert apply_event(state, keyed) is None
    vanished = e.KeyedEvent("fw", ie.ExternalOrderVanished(external_order_name="a"))
    assert apply_event(state, vanished) is None
    [marked] = file_order_events(state, vanished, NOW)
    assert marked == e.KeyedEvent("file:fw:a", e.OrderExternalVanished())
    assert apply_event(state, marked) is None
    assert file_order_events(state, vanished, NOW) == []
