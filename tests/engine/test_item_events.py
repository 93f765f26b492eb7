"""Item, Agent and file-order events applied to the engine state."""

from __future__ import annotations

import msgspec

from stellwerk.engine.apply import apply_event
from stellwerk.engine.apply_items import all_item_keys
from stellwerk.engine.clone import clone
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model.codec import decode_keyed_event, encode_keyed_event
from stellwerk.model.items import FileWatch, GlobalBoard, LockItem
from tests.engine.harness import add_order, shell_job, workflow

W1 = workflow(
    "W", {"instructions": [{"TYPE": "Execute.Named", "jobName": "a"}], "jobs": {"a": shell_job()}}, "v1"
)
W2 = msgspec.structs.replace(W1, version_id="v2")


def _apply(state: EngineState, event: e.Event, key: str = "") -> str | None:
    problem = apply_event(state, e.KeyedEvent(key, event))
    return None if problem is None else problem.message


def test_items_are_added_changed_and_deleted() -> None:
    state = EngineState()
    assert _apply(state, ie.ItemAdded(item=LockItem(path="L1", limit=1))) is None
    assert _apply(state, ie.ItemAdded(item=LockItem(path="L1", limit=1))) == "Duplicate item Lock:L1"
    assert _apply(state, ie.ItemChanged(item=LockItem(path="L1", limit=3))) is None
    assert state.locks["L1"].limit == 3
    assert _apply(state, ie.ItemChanged(item=LockItem(path="L2"))) == "Unknown item Lock:L2"
    board = GlobalBoard(path="B", post_order_to_notice_key="'k'", expect_order_to_notice_key="'k'")
    assert _apply(state, ie.ItemAdded(item=board)) is None
    assert all_item_keys(state) == {"Lock:L1", "GlobalBoard:B"}
    assert _apply(state, ie.ItemDeleted(key="GlobalBoard:B")) is None
    assert _apply(state, ie.ItemDeleted(key="Lock:L1")) is None
    assert _apply(state, ie.ItemDeleted(key="Lock:L1")) == "Unknown item Lock:L1"
    assert all_item_keys(state) == set()


def test_workflow_versions_stay_while_orders_use_them() -> None:
    state = EngineState()
    assert _apply(state, ie.ItemAdded(item=W1)) is None
    add_order(state, "o", "W")
    assert _apply(state, ie.ItemAdded(item=W2)) is None
    assert state.latest_workflow["W"] == W2.id
    assert _apply(state, ie.ItemDeleted(key="Workflow:W~v1")) == "Workflow:W~v1 is in use by orders"
    assert _apply(state, ie.ItemDeleted(key="Workflow:W~v2")) is None
    assert state.latest_workflow["W"] == W1.id


def test_an_agent_takes_items_again_without_complaint() -> None:
    state = EngineState(role="agent")
    assert _apply(state, ie.ItemAttachedToMe(item=W1)) is None
    assert _apply(state, ie.ItemAttachedToMe(item=W1)) is None
    assert set(state.workflows) == {W1.id}


def test_agent_records_and_released_events() -> None:
    state = EngineState()
    dedicated = ie.AgentDedicated(agent_path="agentA", agent_run_id="run1", controller_id="c")
    assert _apply(state, dedicated, "agentA") is None
    assert _apply(state, ie.AgentEventsObserved(until_event_id=42), "agentA") is None
    assert _apply(state, ie.AgentCouplingFailed(problem="refused"), "agentA") is None
    record = state.agents["agentA"]
    assert (record.agent_run_id, record.observed_event_id, record.coupling_problem) == ("run1", 42, "refused")
    assert _apply(state, ie.AgentCoupled(), "agentA") is None
    assert state.agents["agentA"].coupling_problem is None
    assert _apply(state, ie.JournalEventsReleased(user_id="cockpit", until_event_id=7)) is None
    assert _apply(state, ie.JournalEventsReleased(user_id="cockpit", until_event_id=5)) is None
    assert state.released == {"cockpit": 7}


def test_file_orders_appear_vanish_and_may_appear_again() -> None:
    state = EngineState()
    watch = FileWatch(path="fw", workflow_path="W", agent_path="agentA", directory_expr="'/in'")
    assert _apply(state, ie.ItemAdded(item=watch)) is None
    appeared = ie.ExternalOrderAppeared(external_order_name="a.csv", arguments={"file": "/in/a.csv"})
    assert _apply(state, appeared, "fw") is None
    assert _apply(state, appeared, "fw") == "File order a.csv of fw exists already"
    vanished = ie.ExternalOrderVanished(external_order_name="a.csv")
    assert _apply(state, vanished, "fw") is None
    assert state.external_orders[("fw", "a.csv")].vanished
    assert _apply(state, appeared, "fw") is None
    assert (
        _apply(state, ie.ExternalOrderVanished(external_order_name="b.csv"), "fw")
        == "Unknown file order b.csv of fw"
    )


def test_non_order_events_round_trip_through_the_codec() -> None:
    for event in (
        ie.ItemAdded(item=W1),
        ie.ItemAttached(key="Workflow:W~v1", delegate_id="agentA"),
        ie.AgentEventsObserved(until_event_id=3),
        ie.ExternalOrderAppeared(external_order_name="x", arguments={"file": "/x"}),
    ):
        keyed = e.KeyedEvent("k", event)
        assert decode_keyed_event(encode_keyed_event(keyed)) == keyed


def test_a_clone_is_independent_of_its_original() -> None:
    state = EngineState()
    assert _apply(state, ie.ItemAdded(item=W1)) is None
    add_order(state, "o", "W")
    watch = FileWatch(path="fw", workflow_path="W", agent_path="agentA", directory_expr="'/in'")
    copy = clone(state)
    for event, key in (
        (ie.ItemAdded(item=LockItem(path="L1")), ""),
        (ie.ItemAdded(item=watch), ""),
        (ie.ExternalOrderAppeared(external_order_name="a", arguments={}), "fw"),
        (ie.AgentEventsObserved(until_event_id=9), "agentA"),
        (ie.JournalEventsReleased(user_id="u", until_event_id=1), ""),
        (ie.ItemAttached(key="Workflow:W~v1", delegate_id="agentA"), ""),
        (e.OrderCancelled(), "o"),
    ):
        assert _apply(copy, event, key) is None
    assert state.locks == {} and state.file_watches == {} and state.external_orders == {}
    assert state.agents == {} and state.released == {} and state.attached_items == {}
    assert not state.orders["o"].is_terminated
