"""Pure pieces of the order and workflow endpoints: positions in a workflow's JSON, the readable order log, the
orders a selection takes, and the FreshOrder of an added order."""

from __future__ import annotations

import json

import msgspec

from stellwerk.cockpit.db.enums import OrderStateText
from stellwerk.cockpit.db.repositories.folders import FolderFilter
from stellwerk.cockpit.services.order_log import log_entries
from stellwerk.cockpit.services.orders import OrderSelection, WorkflowRef, fresh_order, selected, selects
from stellwerk.cockpit.services.workflows import with_positions
from stellwerk.model import order as o
from stellwerk.model.workflow import WorkflowId


def test_every_instruction_gets_its_position_in_nested_blocks() -> None:
    job = {"TYPE": "Execute.Named", "jobName": "j"}
    instructions = [
        job,
        {
            "TYPE": "If",
            "predicate": "true",
            "then": {"instructions": [job]},
            "else": {"instructions": [job, job]},
        },
        {"TYPE": "Try", "try": {"instructions": [job]}, "catch": {"instructions": [job]}},
        {"TYPE": "Fork", "branches": [{"id": "a", "workflow": {"instructions": [job]}}]},
        {"TYPE": "Lock", "lockedWorkflow": {"instructions": [job]}},
        {"TYPE": "Options", "block": {"instructions": [job]}},
    ]
    shown = with_positions(instructions)
    assert [i["positionString"] for i in shown] == ["0", "1", "2", "3", "4", "5"]
    assert shown[1]["else"]["instructions"][1]["position"] == [1, "else", 1]
    assert shown[2]["catch"]["instructions"][0]["positionString"] == "2/catch+0:0"
    assert shown[3]["branches"][0]["workflow"]["instructions"][0]["position"] == [3, "fork+a", 0]
    assert shown[4]["lockedWorkflow"]["instructions"][0]["positionString"] == "4/lock:0"
    assert shown[5]["block"]["instructions"][0]["positionString"] == "5/options:0"
    assert "position" not in instructions[0], "the input is left as it was"


def test_the_order_log_keeps_what_the_joc_client_reads() -> None:
    def line(event: str) -> str:
        return json.dumps({"orderId": "A", "logEvent": event, "position": "0", "logLevel": "MAIN"})

    text = "\n".join(
        [
            line("OrderStarted"),
            line("OrderPrompted"),
            "not json",
            line("OrderSuspensionMarked"),
            line("OrderFinished"),
        ]
    )
    assert [e["logEvent"] for e in log_entries(text)] == [
        "OrderStarted",
        "OrderSuspendMarked",
        "OrderFinished",
    ]


def _order(order_id: str, workflow: str, state: o.OrderState, **more: object) -> o.Order:
    position = o.WorkflowPosition(workflow_id=WorkflowId(path=workflow, version_id="v1"), position=(0,))
    return msgspec.structs.replace(o.Order(id=order_id, workflow_position=position, state=state), **more)


def test_a_selection_takes_orders_by_id_workflow_folder_state_and_start() -> None:
    paths = {"wf": "/a/wf", "other": "/b/other"}
    orders = [
        _order("1", "wf", o.Processing()),
        _order("2", "wf", o.Fresh(), scheduled_for=5_000),
        _order("3", "other", o.Failed()),
    ]

    def ids(selection: OrderSelection, visible: str = "/") -> list[str]:
        return [order.id for order in selected(orders, selection, paths, lambda p: p.startswith(visible))]

    assert ids(OrderSelection()) == ["1", "2", "3"]
    assert ids(OrderSelection(order_ids=("3",))) == ["3"]
    assert ids(OrderSelection(workflows=(WorkflowRef(path="/a/wf"),))) == ["1", "2"]
    assert ids(OrderSelection(workflows=(WorkflowRef(path="/a/wf", version_id="v2"),))) == []
    assert ids(OrderSelection(folders=(FolderFilter(folder="/b"),))) == ["3"]
    assert ids(OrderSelection(folders=(FolderFilter(folder="/", recursive=False),))) == []
    assert ids(OrderSelection(states=(OrderStateText.RUNNING, OrderStateText.FAILED))) == ["1", "3"]
    assert ids(OrderSelection(scheduled_before=5_000)) == ["1", "3"]
    assert ids(OrderSelection(regex="^[12]$")) == ["1", "2"]
    assert ids(OrderSelection(), visible="/a") == ["1", "2"]
    assert selects(OrderSelection(order_ids=("1",)), orders[0], "/a/wf")


def test_the_fresh_order_of_an_added_order() -> None:
    fresh = fresh_order(
        "#2026-01-01#T00000000000-x", "wf", arguments={"n": 1}, scheduled_for=7, priority=2,
        force_admission=True, start_position="label", end_positions=["1/then:0", [3]], block_position=None,
    )  # fmt: skip
    assert fresh == {
        "id": "#2026-01-01#T00000000000-x", "workflowPath": "wf", "arguments": {"n": 1}, "scheduledFor": 7,
        "deleteWhenTerminated": True, "priority": 2, "forceAdmission": True, "startPosition": "label", "stopPositions": [[1, "then", 0], [3]],
    }  # fmt: skip
