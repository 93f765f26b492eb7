"""AddOrder and AddOrders (js7-reference §1.2, §4.5): the exact OrderAdded, and every rejection."""

from __future__ import annotations

from typing import Any

import pytest

from stellwerk.engine.commands import execute_command
from stellwerk.engine.state import EngineState
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model.workflow import WorkflowId
from tests.engine.commands_helpers import (
    A,
    execute,
    fresh_order,
    job_step,
    rejected,
)
from tests.engine.harness import (
    T0,
    add_order,
    shell_job,
    state_with,
    workflow,
)

# AddOrder


def _declaring(parameters: dict[str, Any], allow_undeclared: bool = False) -> EngineState:
    preparation = {"parameters": parameters, "allowUndeclared": allow_undeclared}
    body = {"orderPreparation": preparation, "instructions": [job_step("a")], "jobs": {"a": shell_job(A)}}
    return state_with(workflow("W", body))


def test_add_order_emits_order_added_with_checked_arguments() -> None:
    state = _declaring({"mode": {"type": "String", "default": "'fast'"}, "n": {"type": "Number"}})
    events = execute_command(state, c.AddOrder(order=fresh_order("x", arguments={"n": 3}, priority=2)), T0)
    added = e.OrderAdded(workflow_id=WorkflowId(path="W", version_id="v1"), arguments={"n": 3}, priority=2)
    assert events == [e.KeyedEvent("x", added)]


def test_add_order_with_an_existing_id_is_ignored() -> None:
    state = _declaring({})
    add_order(state, "x", "W")
    assert execute_command(state, c.AddOrder(order=fresh_order("x")), T0) == []


@pytest.mark.parametrize(
    ("order_id", "message"),
    [
        ("", "The empty string is not an allowed value of the OrderId type"),
        ("a|b", "Invalid character or character combination in name of OrderId type: a|b"),
    ],
)
def test_add_order_rejects_bad_order_ids(order_id: str, message: str) -> None:
    assert rejected(_declaring({}), c.AddOrder(order=fresh_order(order_id))) == message


def test_add_order_rejects_an_unknown_workflow() -> None:
    assert rejected(_declaring({}), c.AddOrder(order=fresh_order("x", "NOPE"))) == "Unknown workflow 'NOPE'"


@pytest.mark.parametrize(
    ("parameters", "arguments", "message"),
    [
        ({}, {"x": 1}, "Workflow has no declaration for order argument: x"),
        ({"x": {"type": "String"}}, {}, "Required order argument 'x' of type String is missing"),
        ({"x": {"type": "String"}}, {"x": 1}, "Type of order argument 'x' does not match String"),
        ({"x": {"type": "Number"}}, {"x": "1"}, "Type of order argument 'x' does not match Number"),
        ({"x": {"type": "Boolean"}}, {"x": 1}, "Type of order argument 'x' does not match Boolean"),
        (
            {"x": {"type": {"TYPE": "List", "elementType": "Number"}}},
            {"x": [1, "two"]},
            "Type of order argument 'x[1]' does not match Number",
        ),
        (
            {"x": {"type": {"TYPE": "List", "elementType": "Number"}}},
            {"x": 1},
            "Type of order argument 'x' does not match List",
        ),
        (
            {"x": {"type": {"TYPE": "Object", "a": "String"}}},
            {"x": {"a": "s", "b": 1}},
            "Undeclared object fields in x: b",
        ),
        ({"x": {"type": {"TYPE": "Object", "a": "String"}}}, {"x": {}}, "Missing object fields in x: a"),
        (
            {"x": {"type": {"TYPE": "Object", "a": "String"}}},
            {"x": {"a": True}},
            "Type of order argument 'x.a' does not match String",
        ),
        (
            {"x": {"final": "'fixed'"}},
            {"x": "mine"},
            "Variable is final and cannot be overridden by the order: x",
        ),
    ],
)
def test_add_order_rejects_bad_arguments(
    parameters: dict[str, Any], arguments: dict[str, Any], message: str
) -> None:
    state = _declaring(parameters)
    assert rejected(state, c.AddOrder(order=fresh_order("x", arguments=arguments))) == message
    assert state.orders == {}


def test_add_order_accepts_well_typed_lists_objects_and_undeclared_when_allowed() -> None:
    parameters = {"hosts": {"type": {"TYPE": "List", "elementType": {"TYPE": "Object", "host": "String"}}}}
    state = _declaring(parameters, allow_undeclared=True)
    arguments = {"hosts": [{"host": "alpha"}], "extra": True}
    [keyed] = execute(state, c.AddOrder(order=fresh_order("x", arguments=arguments)))[:1]
    assert isinstance(keyed.event, e.OrderAdded)
    assert keyed.event.arguments == arguments


def test_impure_defaults_are_stored_at_add_time_and_pure_ones_are_not() -> None:
    parameters = {
        "added": {"type": "Number", "default": "$js7EpochMilli"},
        "mode": {"type": "String", "default": "'fast'"},
        "id": {"final": "$js7OrderId"},
    }
    events = execute_command(_declaring(parameters), c.AddOrder(order=fresh_order("x")), T0 + 5)
    assert not isinstance(events, Exception) and isinstance(events, list)
    added = events[0].event
    assert isinstance(added, e.OrderAdded)
    assert added.arguments == {"added": T0 + 5, "id": "x"}


def _labelled() -> EngineState:
    fork = {
        "TYPE": "Fork",
        "branches": [{"id": "a", "workflow": {"instructions": [job_step("a", "inFork")]}}],
    }
    then = {"instructions": [job_step("a", "inThen")]}
    instructions = [
        job_step("a", "first"),
        {"TYPE": "If", "ifThens": [{"predicate": "true", "then": then}]},
        fork,
    ]
    return state_with(workflow("W", {"instructions": instructions, "jobs": {"a": shell_job(A)}}))


def test_add_order_resolves_start_and_stop_labels() -> None:
    fresh = fresh_order("x", start_position="inThen", stop_positions=("first", (2,)))
    [keyed] = execute_command(_labelled(), c.AddOrder(order=fresh), T0)  # type: ignore[misc]
    assert isinstance(keyed.event, e.OrderAdded)
    assert keyed.event.start_position == (1, "then", 0)
    assert keyed.event.stop_positions == ((0,), (2,))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start_position": "nowhere"}, "Unknown label 'nowhere'"),
        ({"start_position": (7,)}, "Invalid position [7]"),
        ({"start_position": "inFork"}, "Unreachable order position [2, 'fork+a', 0]"),
        ({"stop_positions": ((1, "else", 0),)}, "Invalid position [1, 'else', 0]"),
        ({"inner_block": (5, "then")}, "Invalid innerBlock [5, 'then']"),
        ({"inner_block": (1, "then"), "start_position": (0,)}, "Unreachable order position [0]"),
    ],
)
def test_add_order_rejects_bad_positions(fields: dict[str, Any], message: str) -> None:
    assert rejected(_labelled(), c.AddOrder(order=fresh_order("x", **fields))) == message


def test_add_order_with_an_inner_block_starts_at_its_first_instruction() -> None:
    [keyed] = execute_command(_labelled(), c.AddOrder(order=fresh_order("x", inner_block=(1, "then"))), T0)  # type: ignore[misc]
    assert isinstance(keyed.event, e.OrderAdded)
    assert keyed.event.start_position == (1, "then", 0)
    assert keyed.event.inner_block == (1, "then")


def test_add_orders_is_atomic() -> None:
    state = _declaring({})
    command = c.AddOrders(orders=(fresh_order("a"), fresh_order("b|c")))
    assert (
        rejected(state, command) == "Invalid character or character combination in name of OrderId type: b|c"
    )
    assert state.orders == {}
    events = execute_command(
        state, c.AddOrders(orders=(fresh_order("a"), fresh_order("b"), fresh_order("a"))), T0
    )
    assert isinstance(events, list)
    assert [k.key for k in events] == ["a", "b"]
