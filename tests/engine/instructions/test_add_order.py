"""AddOrder: OrderOrderAdded + OrderMoved; the added order runs on its own; problems fail the adding order."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import Disrupted, OtherReason
from stellwerk.model.workflow import WorkflowId
from tests.engine.harness import add_order, names, pairs, run, state_with, workflow

CHILD_W = WorkflowId(path="CHILD", version_id="v2")


def add_state(add: dict[str, Any], child_body: dict[str, Any] | None = None) -> EngineState:
    adding = workflow("W", {"instructions": [{"TYPE": "AddOrder", "workflowPath": "CHILD", **add}]})
    old_child = workflow("CHILD", {"instructions": []}, version="v1")
    child = workflow("CHILD", {"instructions": [], **(child_body or {})}, version="v2")
    return state_with(adding, old_child, child)


def test_add_order_to_the_newest_version_and_move_on() -> None:
    add = {"orderId": "'child-' ++ $js7OrderId", "arguments": {"x": "$x + 1"}, "deleteWhenTerminated": True}
    state = add_state(add, {"orderPreparation": {"parameters": {"x": {"type": "Number"}}}})
    add_order(state, "parent", "W", arguments={"x": 1})
    added = e.OrderOrderAdded(
        order_id="child-parent", workflow_id=CHILD_W, arguments={"x": 2}, delete_when_terminated=True
    )
    assert pairs(run(state, "parent")) == [
        ("parent", e.OrderStarted()),
        ("parent", added),
        ("parent", e.OrderMoved(to=(1,))),
        ("parent", e.OrderFinished()),
        ("child-parent", e.OrderStarted()),
        ("child-parent", e.OrderFinished()),
        ("child-parent", e.OrderDeleted()),
    ]
    assert "child-parent" not in state.orders


def test_added_order_inherits_the_plan_unless_given() -> None:
    state = add_state({"orderId": "'c1'"})
    add_order(state, "parent", "W", plan_id=("DailyPlan", "2024-05-01"))
    run(state, "parent")
    assert state.orders["c1"].plan_id == ("DailyPlan", "2024-05-01")
    state = add_state({"orderId": "'c2'", "planId": "['DailyPlan', '2024-05-02']"})
    add_order(state, "parent", "W")
    run(state, "parent")
    assert state.orders["c2"].plan_id == ("DailyPlan", "2024-05-02")
    state = add_state({"orderId": "'c3'", "planId": "[]"})
    add_order(state, "parent", "W", plan_id=("DailyPlan", "2024-05-01"))
    run(state, "parent")
    assert state.orders["c3"].plan_id is None


def _fails(state: EngineState) -> str:
    events = run(state, "parent")
    assert names(events) == ["OrderStarted", "OrderOutcomeAdded", "OrderFailed"]
    added = events[1].event
    assert isinstance(added, e.OrderOutcomeAdded) and isinstance(added.outcome, Disrupted)
    assert isinstance(state.orders["parent"].state, o.Failed)
    reason = added.outcome.reason
    return reason.problem if isinstance(reason, OtherReason) else ""


def test_problems_fail_the_adding_order() -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"orderId": "'a|b'"}, "reserved"),
        ({"orderId": "''"}, "empty"),
        ({"orderId": "'parent'"}, "exists already"),
        ({"orderId": "$nope"}, ""),
        ({"orderId": "'c'", "planId": "'bad'"}, "PlanId"),
    ]
    for add, message in cases:
        state = add_state(add)
        add_order(state, "parent", "W")
        assert message in _fails(state)


def test_unknown_workflow_fails_the_adding_order() -> None:
    state = state_with(
        workflow("W", {"instructions": [{"TYPE": "AddOrder", "orderId": "'c'", "workflowPath": "NONE"}]})
    )
    add_order(state, "parent", "W")
    assert "Unknown workflow" in _fails(state)


def test_arguments_are_checked_against_the_order_preparation() -> None:
    preparation = {
        "orderPreparation": {
            "parameters": {
                "required": {"type": "String"},
                "optional": {"type": "Number", "default": "1"},
                "computed": {"final": "'x'"},
            }
        }
    }
    cases: list[tuple[dict[str, str], str]] = [
        ({}, "Missing order argument 'required'"),
        ({"required": "1"}, "must be of type String"),
        ({"required": "'r'", "extra": "1"}, "Unexpected order argument 'extra'"),
        ({"required": "'r'", "computed": "'y'"}, "is final"),
    ]
    for arguments, message in cases:
        state = add_state({"orderId": "'c'", "arguments": arguments}, preparation)
        add_order(state, "parent", "W")
        assert message in _fails(state)
    state = add_state({"orderId": "'c'", "arguments": {"required": "'r'", "optional": "2"}}, preparation)
    add_order(state, "parent", "W")
    assert names(run(state, "parent"))[:3] == ["OrderStarted", "OrderOrderAdded", "OrderMoved"]
