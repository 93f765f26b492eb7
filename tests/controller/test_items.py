"""UpdateItems: versions for workflows, changes of simple items, deletion refused while in use. Pure."""

from __future__ import annotations

from msgspec.structs import replace

from stellwerk.controller.items import AddOrChange, Delete, UpdateItems, update_items_events
from stellwerk.engine.apply import apply_event
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model.items import LockItem
from stellwerk.model.problems import Problem
from tests.controller.support import workflow

LOCKED = workflow(
    "W", [{"TYPE": "Lock", "demands": [{"lockPath": "L1"}], "lockedWorkflow": {"instructions": []}}]
)


def apply_all(state: EngineState, events: list[e.KeyedEvent] | Problem) -> list[e.KeyedEvent]:
    assert not isinstance(events, Problem), events
    for keyed in events:
        assert apply_event(state, keyed) is None
    return events


def test_a_workflow_without_version_gets_a_new_one() -> None:
    state = EngineState(role="controller")
    versions = iter(["v1", "v2"])
    update = UpdateItems(operations=(AddOrChange(item=LockItem(path="L1")), AddOrChange(item=LOCKED)))
    first = apply_all(state, update_items_events(state, update, lambda: next(versions)))
    assert [type(k.event).__name__ for k in first] == ["ItemAdded", "ItemAdded"]
    assert [str(w) for w in state.workflows] == ["W~v1"]
    second = apply_all(state, update_items_events(state, update, lambda: next(versions)))
    assert [k.event for k in second] == [ie.ItemAdded(item=replace(LOCKED, version_id="v2"))]
    assert state.latest_workflow["W"].version_id == "v2"


def test_a_changed_simple_item_and_an_unchanged_one() -> None:
    state = EngineState(role="controller")
    apply_all(
        state,
        update_items_events(state, UpdateItems(operations=(AddOrChange(item=LockItem(path="L1")),)), str),
    )
    same = update_items_events(state, UpdateItems(operations=(AddOrChange(item=LockItem(path="L1")),)), str)
    assert same == []
    changed = update_items_events(
        state, UpdateItems(operations=(AddOrChange(item=LockItem(path="L1", limit=3)),)), str
    )
    assert changed == [e.KeyedEvent("", ie.ItemChanged(item=LockItem(path="L1", limit=3)))]


def test_deleting_an_item_in_use_is_refused_and_nothing_is_deleted() -> None:
    state = EngineState(role="controller")
    update = UpdateItems(operations=(AddOrChange(item=LockItem(path="L1")), AddOrChange(item=LOCKED)))
    apply_all(state, update_items_events(state, update, lambda: "v1"))
    refused = update_items_events(state, UpdateItems(operations=(Delete(key="Lock:L1"),)), str)
    assert isinstance(refused, Problem) and "Workflow:W~v1" in refused.message
    both = UpdateItems(operations=(Delete(key="Workflow:W"), Delete(key="Lock:L1")))
    deleted = apply_all(state, update_items_events(state, both, str))
    assert [k.event for k in deleted] == [ie.ItemDeleted(key="Workflow:W~v1"), ie.ItemDeleted(key="Lock:L1")]
    unknown = update_items_events(state, UpdateItems(operations=(Delete(key="Lock:L1"),)), str)
    assert isinstance(unknown, Problem)
