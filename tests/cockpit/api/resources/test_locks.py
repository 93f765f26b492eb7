"""`/joc/api/locks` and `/joc/api/lock` against a real Controller: the orders holding a lock and those queued
for it, JOC's permission and folder checks, and the answers valid by JOC's schemas."""

from __future__ import annotations

from collections.abc import Callable

from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import deploy, wait_for_state
from tests.cockpit.api.schema import assert_valid

LOCK = {"TYPE": "Lock", "path": "gate", "limit": 1}
GATED = {
    "TYPE": "Workflow",
    "path": "gated",
    "instructions": [
        {"TYPE": "Lock", "demands": [{"lockPath": "gate"}], "lockedWorkflow": {"instructions": [
            {"TYPE": "Prompt", "question": "'Go on?'"},
        ]}},
    ],
}  # fmt: skip
LOCKS_VIEW = "sos:products:controller:locks:view"


def add_order(joc: Joc, controller_id: str, name: str) -> str:
    orders = [{"workflowPath": "gated", "orderName": name}]
    added = joc.post("/joc/api/orders/add", {"controllerId": controller_id, "orders": orders})
    assert added.status == 200, added.body
    order_id: str = added.body["orderIds"][0]
    return order_id


def held_and_queued(controller_cockpit: tuple[RunningCockpit, ControllerNodes], root: Joc) -> tuple[str, str]:
    """Deploys the lock and its workflow; one order holds the lock, another waits for it. The order ids."""
    running, controller = controller_cockpit
    deploy(running, controller, LOCK, GATED)
    cid = controller.controller_id
    first = add_order(root, cid, "first")
    wait_for_state(root, cid, first, "PROMPTING")
    second = add_order(root, cid, "second")
    wait_for_state(root, cid, second, "WAITING")
    return first, second


def order_ids(rows: list[dict[str, object]]) -> list[object]:
    return [row["order"]["orderId"] for row in rows]  # type: ignore[index]


def test_a_lock_shows_the_order_holding_it_and_the_order_queued(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes], root: Joc
) -> None:
    holder, waiter = held_and_queued(controller_cockpit, root)
    cid = controller_cockpit[1].controller_id
    answer = root.post("/joc/api/locks", {"controllerId": cid})
    assert answer.status == 200, answer.body
    assert_valid("lock/locks-schema.json", answer.body)
    [entry] = answer.body["locks"]
    assert entry["lock"] == {"TYPE": "Lock", "path": "/gate", "limit": 1}
    assert (
        entry["acquiredLockCount"],
        entry["ordersHoldingLocksCount"],
        entry["ordersWaitingForLocksCount"],
    ) == (
        1,
        1,
        1,
    )
    [workflow] = entry["workflows"]
    assert workflow["path"] == "/gated"
    assert order_ids(workflow["ordersHoldingLocks"]) == [holder]
    assert workflow["ordersHoldingLocks"][0]["lock"] == {"id": "gate", "type": "EXCLUSIVE"}
    assert order_ids(workflow["ordersWaitingForLocks"]) == [waiter]

    one = root.post("/joc/api/lock", {"controllerId": cid, "lockPath": "/gate", "compact": True})
    assert one.status == 200, one.body
    assert_valid("lock/lock-schema.json", one.body)
    assert "workflows" not in one.body["lock"]
    assert one.body["lock"]["acquiredLockCount"] == 1


def test_locks_need_the_permission_and_the_folder(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
    root: Joc,
    controller_account: Callable[..., Joc],
) -> None:
    running, controller = controller_cockpit
    deploy(running, controller, LOCK)
    cid = controller.controller_id
    without = controller_account("no-locks", permissions=("sos:products:controller:orders:view",))
    assert without.post("/joc/api/locks", {"controllerId": cid}).status == 403
    elsewhere = controller_account("in-b", permissions=(LOCKS_VIEW,), folders=("/b",))
    assert elsewhere.post("/joc/api/locks", {"controllerId": cid}).body["locks"] == []
    assert elsewhere.post("/joc/api/lock", {"controllerId": cid, "lockPath": "/gate"}).status == 403
    unknown = root.post("/joc/api/lock", {"controllerId": cid, "lockPath": "/nothing"})
    assert (unknown.status, unknown.body["error"]["code"]) == (420, "JOC-404")
    assert unknown.body["error"]["message"].startswith("lockPath:")
    bad = root.post("/joc/api/locks", {"controllerId": cid, "limit": -2})
    assert bad.status == 420
    assert bad.body["error"]["message"].startswith("$.limit:")
