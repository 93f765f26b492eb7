"""Orders through the JOC API on a real Controller and Agent: added with arguments and followed to FINISHED,
refused arguments, suspend, resume, cancel with kill, answering a prompt, the overview; every change audited;
permissions checked before anything changes."""

from __future__ import annotations

from collections.abc import Callable

from stellwerk.cockpit.db.repositories.audit import AuditRecord
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import ASKER, GREET, SLEEPER, deploy, wait_for_state
from tests.cockpit.api.schema import assert_valid

CID = "e2e"


def add(joc: Joc, workflow: str, audit: dict[str, str] | None = None, **order: object) -> list[str]:
    body: dict[str, object] = {"controllerId": CID, "orders": [{"workflowPath": f"/{workflow}", **order}]}
    if audit is not None:
        body["auditLog"] = audit
    answer = joc.ok("/joc/api/orders/add", body)
    assert_valid("order/orderIds-schema.json", answer)
    ids: list[str] = answer["orderIds"]
    return ids


def order_ids(joc: Joc, **filters: object) -> list[str]:
    answer = joc.ok("/joc/api/orders", {"controllerId": CID, **filters})
    return [order["orderId"] for order in answer["orders"]]


def test_orders_run_are_suspended_resumed_cancelled_and_confirmed(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
    root: Joc,
    audit_entries: Callable[[], list[AuditRecord]],
) -> None:
    running, controller = controller_cockpit
    joc = root
    deploy(running, controller, GREET, SLEEPER, ASKER)

    [greeted] = add(joc, "greet", orderName="hi", arguments={"name": "you"}, audit={"comment": "try"})
    assert greeted.startswith("#") and "#T" in greeted and greeted.endswith("-hi")
    wait_for_state(joc, CID, greeted, "FINISHED")
    assert greeted in order_ids(joc, states=["FINISHED"])
    assert greeted not in order_ids(joc, states=["RUNNING", "FAILED"])
    assert any(e.request == "./orders/add" and e.comment == "try" for e in audit_entries())

    refused = joc.post("/joc/api/orders/add", {"controllerId": CID, "orders": [{"workflowPath": "/greet"}]})
    assert refused.status == 420
    assert refused.error["code"] == "JOC-400"
    assert "$.orders[0]" in refused.error["message"] and "name" in refused.error["message"]
    assert order_ids(joc) == [greeted], "a refused order is not added"

    [sleeper] = add(joc, "sleeper")
    wait_for_state(joc, CID, sleeper, "RUNNING")
    assert order_ids(joc, states=["RUNNING"]) == [sleeper]
    suspend = {"controllerId": CID, "orderIds": [sleeper], "kill": True}
    assert_valid("common/ok-schema.json", joc.ok("/joc/api/orders/suspend", suspend))
    wait_for_state(joc, CID, sleeper, "SUSPENDED")
    joc.ok("/joc/api/orders/resume", {"controllerId": CID, "orderIds": [sleeper]})
    wait_for_state(joc, CID, sleeper, "RUNNING")
    joc.ok(
        "/joc/api/orders/cancel", {"controllerId": CID, "workflowIds": [{"path": "/sleeper"}], "kill": True}
    )
    wait_for_state(joc, CID, sleeper, "CANCELLED")

    [asker] = add(joc, "asker")
    wait_for_state(joc, CID, asker, "PROMPTING")
    order = joc.ok("/joc/api/order", {"controllerId": CID, "orderId": asker})
    assert order["question"] == "Go on?"
    assert order["workflowId"]["path"] == "/asker"
    snapshot = joc.ok("/joc/api/orders/overview/snapshot", {"controllerId": CID})
    assert_valid("order/snapshot-schema.json", snapshot)
    assert snapshot["orders"]["prompting"] == 1
    assert snapshot["orders"]["terminated"] == 2
    joc.ok("/joc/api/orders/confirm", {"controllerId": CID, "states": ["PROMPTING"]})
    wait_for_state(joc, CID, asker, "FINISHED")

    requests = [entry.request for entry in audit_entries()]
    for request in ("./orders/suspend", "./orders/resume", "./orders/cancel", "./orders/confirm"):
        assert request in requests
    removed = {"controllerId": CID, "orderIds": [greeted, asker]}
    joc.ok("/joc/api/orders/remove_when_terminated", removed)
    assert greeted not in order_ids(joc)


def test_permissions_are_checked_before_anything_changes(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
    root: Joc,
    controller_account: Callable[..., Joc],
    audit_entries: Callable[[], list[AuditRecord]],
) -> None:
    running, controller = controller_cockpit
    joc = root
    deploy(running, controller, SLEEPER)
    viewer = controller_account("viewer", permissions=("sos:products:controller:orders:view",))
    body = {"controllerId": CID, "orders": [{"workflowPath": "/sleeper"}]}
    assert viewer.post("/joc/api/orders/add", body).status == 403
    assert viewer.ok("/joc/api/orders", {"controllerId": CID})["orders"] == []

    [sleeper] = add(joc, "sleeper")
    before = len(audit_entries())
    for path in ("cancel", "suspend", "resume", "confirm", "remove_when_terminated"):
        refused = viewer.post(f"/joc/api/orders/{path}", {"controllerId": CID, "orderIds": [sleeper]})
        assert refused.status == 403, path
    elsewhere = controller_account(
        "elsewhere",
        permissions=("sos:products:controller:orders",),
        folders=("/other",),
    )
    assert (
        elsewhere.post("/joc/api/orders/cancel", {"controllerId": CID, "orderIds": [sleeper]}).status == 403
    )
    assert elsewhere.post("/joc/api/orders/add", body).status == 403
    assert elsewhere.ok("/joc/api/orders", {"controllerId": CID})["orders"] == []
    assert len(audit_entries()) == before
    wait_for_state(joc, CID, sleeper, "RUNNING")
    assert Joc(running.url).post("/joc/api/orders", {"controllerId": CID}).status == 401
    joc.ok("/joc/api/orders/cancel", {"controllerId": CID, "orderIds": [sleeper], "kill": True})
    wait_for_state(joc, CID, sleeper, "CANCELLED")
