"""UpdateItems: versions for workflows, changes of simple items, deletion refused while in use. Pure."""

from __future__ import annotations

from msgspec.structs import replace

from stellwerk.controller.items import AddOrChange, Delete, UpdateItems, update_items_events
from stellwerk.engine.apply import apply_event
from stellwerk.engine.commands import execute_command
from stellwerk.engine.state import EngineState
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model.items import LockItem
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import WorkflowId
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


def test_controls_are_made_by_commands_and_go_with_their_workflow() -> None:
    state = EngineState(role="controller")
    plain = workflow("P", [{"TYPE": "Prompt", "question": "'?'"}])
    add = UpdateItems(operations=(AddOrChange(item=plain),))
    apply_all(state, update_items_events(state, add, lambda: "v1"))
    apply_all(state, update_items_events(state, add, lambda: "v2"))
    apply_all(state, execute_command(state, c.ControlWorkflowPath(workflow_path="P", suspend=True), 0))
    v1 = WorkflowId(path="P", version_id="v1")
    apply_all(state, execute_command(state, c.ControlWorkflow(workflow_id=v1, add_breakpoints=((0,),)), 0))
    control = state.workflow_path_controls["P"]
    refused = update_items_events(state, UpdateItems(operations=(AddOrChange(item=control),)), str)
    assert refused == Problem(
        "WorkflowPathControl:P is made by the ControlWorkflowPath and ControlWorkflow commands, not by UpdateItems"
    )
    assert isinstance(
        update_items_events(state, UpdateItems(operations=(Delete(key="WorkflowControl:P~v1"),)), str),
        Problem,
    )
    one = apply_all(
        state, update_items_events(state, UpdateItems(operations=(Delete(key="Workflow:P~v1"),)), str)
    )
    assert [k.event for k in one] == [
        ie.ItemDeleted(key="Workflow:P~v1"),
        ie.ItemDeleted(key="WorkflowControl:P~v1"),
    ]
    assert "P" in state.workflow_path_controls, "a version of P remains"
    last = apply_all(
        state, update_items_events(state, UpdateItems(operations=(Delete(key="Workflow:P"),)), str)
    )
    assert [k.event for k in last] == [
        ie.ItemDeleted(key="Workflow:P~v2"),
        ie.ItemDeleted(key="WorkflowPathControl:P"),
    ]
    assert state.workflow_path_controls == {} and state.workflow_controls == {}
