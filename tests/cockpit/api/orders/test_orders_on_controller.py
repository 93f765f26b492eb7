"""Orders through the JOC API on a real Controller and Agent: added with arguments and followed to FINISHED,
refused arguments, suspend, resume, cancel with kill, answering a prompt, the overview; every change audited;
permissions checked before anything changes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import js7
from js7.model.configuration.auth_configuration import AuthConfiguration, BasicAuth
from js7.model.configuration.http_configuration import HTTPConfiguration
from js7.model.public.client.filter.get_order_filter import GetOrderFilter
from js7.model.public.client.filter.order_history_filter import OrderHistoryFilter
from js7.model.public.client.filter.resume_order_filter import ResumeOrderFilter
from js7.model.public.client.filter.suspend_order_filter import SuspendOrderFilter
from js7.model.public.client.filter.tasks_filter import TasksFilter
from js7.model.public.client.input.add_order import Order as AddOrder

from stellwerk.cockpit.db.repositories.audit import AuditRecord
from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import ASKER, GREET, SLEEPER, deploy, fill_history, wait_for_state
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
    assert_valid("order/orders_v-schema.json", answer)
    return [order["orderId"] for order in answer["orders"]]


def wait_until_ended(joc: Joc, order_id: str, severity: str, seconds: float = 30.0) -> None:
    """Until the order has left the Controller and its run is in the history with the severity."""
    deadline = time.monotonic() + seconds
    entry = None
    while time.monotonic() < deadline:
        history = joc.ok("/joc/api/orders/history", {"controllerId": CID, "orderId": order_id})["history"]
        entry = history[0]["state"]["_text"] if history else None
        if entry == severity and order_id not in order_ids(joc):
            return
        time.sleep(0.05)
    raise AssertionError(f"{order_id}: history {entry}, not {severity} and gone, after {seconds} s")


def check_the_life_of_orders(joc: Joc, audit_entries: Callable[[], list[AuditRecord]]) -> None:

    [greeted] = add(joc, "greet", orderName="hi", arguments={"name": "you"}, audit={"comment": "try"})
    assert greeted.startswith("#") and "#T" in greeted and greeted.endswith("-hi")
    wait_until_ended(joc, greeted, "SUCCESSFUL")
    assert any(e.request == "./orders/add" and e.comment == "try" for e in audit_entries())

    refused = joc.post("/joc/api/orders/add", {"controllerId": CID, "orders": [{"workflowPath": "/greet"}]})
    assert refused.status == 420
    assert refused.error["code"] == "JOC-400"
    assert "$.orders[0]" in refused.error["message"] and "name" in refused.error["message"]
    assert order_ids(joc, workflowIds=[{"path": "/greet"}]) == [], "a refused order is not added"

    [later] = add(joc, "greet", arguments={"name": "later"}, scheduledFor="now + 3600")
    wait_for_state(joc, CID, later, "SCHEDULED")
    assert order_ids(joc, states=["SCHEDULED"]) == [later]
    joc.ok("/joc/api/orders/continue", {"controllerId": CID, "orderIds": [later]})
    wait_until_ended(joc, later, "SUCCESSFUL")

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
    wait_until_ended(joc, sleeper, "FAILED")  # JOC lists a cancelled order as failed

    [asker] = add(joc, "asker")
    wait_for_state(joc, CID, asker, "PROMPTING")
    order = joc.ok("/joc/api/order", {"controllerId": CID, "orderId": asker})
    assert_valid("order/order_v-schema.json", order)
    assert order["question"] == "Go on?"
    assert order["workflowId"]["path"] == "/asker"
    check_workflows(joc)
    snapshot = joc.ok("/joc/api/orders/overview/snapshot", {"controllerId": CID})
    assert_valid("order/snapshot-schema.json", snapshot)
    assert snapshot["orders"]["prompting"] == 1
    assert snapshot["orders"]["terminated"] == 0, "orders added through the Cockpit go when they end"
    joc.ok("/joc/api/orders/confirm", {"controllerId": CID, "states": ["PROMPTING"]})
    wait_until_ended(joc, asker, "SUCCESSFUL")

    requests = [entry.request for entry in audit_entries()]
    for request in ("./orders/suspend", "./orders/resume", "./orders/cancel", "./orders/confirm"):
        assert request in requests
    assert not {greeted, later, sleeper, asker} & set(order_ids(joc))


def check_workflows(joc: Joc) -> None:
    """The deployed workflows, one with its positions, order counts; skipping a label the workflow lacks is refused."""
    workflows = joc.ok("/joc/api/workflows", {"controllerId": CID, "compact": True})
    assert_valid("workflow/workflows-schema.json", workflows)
    assert {w["path"] for w in workflows["workflows"]} == {"/greet", "/sleeper", "/asker"}
    answer = joc.ok("/joc/api/workflow", {"controllerId": CID, "workflowId": {"path": "/asker"}})
    assert_valid("workflow/workflow-schema.json", answer)
    one = answer["workflow"]
    assert [i["positionString"] for i in one["instructions"]] == ["0", "1"]
    unknown = joc.post("/joc/api/workflow", {"controllerId": CID, "workflowId": {"path": "/nope"}})
    assert unknown.status == 420 and unknown.error["code"] == "JOC-404"
    wanted = {"controllerId": CID, "workflowIds": [{"path": "/asker"}, {"path": "/greet"}]}
    counts = joc.ok("/joc/api/workflows/order_count", wanted)
    assert_valid("workflow/workflowsOrderCount-schema.json", counts)
    assert [c["numOfOrders"]["prompting"] for c in counts["workflows"]] == [1, 0]
    assert counts["workflows"][1]["numOfOrders"]["terminated"] == 0  # ended orders have gone
    skip = joc.post(
        "/joc/api/workflow/skip", {"controllerId": CID, "workflowPath": "/asker", "labels": ["a"]}
    )
    assert skip.status == 420 and skip.error["message"] == "Unknown label 'a' in workflow 'asker'"


def check_permissions_before_changes(
    url: str, joc: Joc, controller_account: Callable[..., Joc], audit_entries: Callable[[], list[AuditRecord]]
) -> None:
    viewer = controller_account("viewer", permissions=("sos:products:controller:orders:view",))
    body = {"controllerId": CID, "orders": [{"workflowPath": "/sleeper"}]}
    existing = order_ids(joc)
    assert viewer.post("/joc/api/orders/add", body).status == 403
    assert order_ids(viewer) == existing, "nothing added"

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
    everything = joc.post("/joc/api/orders/cancel", {"controllerId": CID, "orderIds": []})
    assert everything.status == 420 and "orderIds" in everything.error["message"]
    assert len(audit_entries()) == before
    wait_for_state(joc, CID, sleeper, "RUNNING")
    assert Joc(url).post("/joc/api/orders", {"controllerId": CID}).status == 401
    joc.ok("/joc/api/orders/cancel", {"controllerId": CID, "orderIds": [sleeper], "kill": True})
    wait_until_ended(joc, sleeper, "FAILED")  # JOC lists a cancelled order as failed


def check_workflow_controls_of_the_client(workflows: Any, joc: Joc) -> None:
    """The client suspends and resumes a workflow, skips and stops its job by label, and undoes that."""

    def shown() -> dict[str, Any]:
        answer = joc.ok("/joc/api/workflow", {"controllerId": CID, "workflowId": {"path": "/asker"}})
        return answer["workflow"]  # type: ignore[no-any-return]

    assert workflows.suspend_workflows(CID, ["/asker"])
    assert shown()["suspended"] is True
    assert workflows.resume_workflow(CID, ["/asker"])
    assert workflows.skip_job_instructions(CID, "/asker", ["hello"])
    assert workflows.stop_job_instructions(CID, "/asker", ["hello"])
    controlled = shown()
    assert (controlled["suspended"], controlled["numOfSkippedInstructions"]) == (False, 1)
    assert controlled["numOfStoppedInstructions"] == 1
    assert workflows.unskip_job_instructions(CID, "/asker", ["hello"])
    assert workflows.unstop_job_instructions(CID, "/asker", ["hello"])
    assert (shown()["numOfSkippedInstructions"], shown()["numOfStoppedInstructions"]) == (0, 0)


def check_the_joc_client(url: str, running: RunningCockpit) -> None:
    """The published JOC client, unchanged, against the Cockpit."""
    port = int(url.rsplit(":", 1)[1])
    client = js7.Client(
        http_config=HTTPConfiguration(host="127.0.0.1", port=port),
        auth_config=AuthConfiguration(basic_auth=BasicAuth(username="root", password=ADMIN_PASSWORD)),
    )
    try:
        drive_the_joc_client(client, url, running)
    finally:
        client.logout()
        client._ctx.http_service.close()  # the client keeps its connection open otherwise


def drive_the_joc_client(client: js7.Client, url: str, running: RunningCockpit) -> None:
    operate, manage = client.order.operate, client.order.manage
    [added] = operate.add_orders(
        CID, [AddOrder(workflow_path="/greet", order_name="client", arguments={"name": "x"})]
    )
    assert added.endswith("-client")
    joc = Joc(url)
    joc.login("root", ADMIN_PASSWORD)
    wait_until_ended(joc, added, "SUCCESSFUL")
    assert manage.get_orders(CID, GetOrderFilter(states=["FAILED"])) == []

    [sleeper] = operate.add_orders(CID, [AddOrder(workflow_path="/sleeper", order_name="nap")])
    wait_for_state(joc, CID, sleeper, "RUNNING")
    assert operate.suspend_orders(CID, SuspendOrderFilter(order_ids=[sleeper], kill=True))
    wait_for_state(joc, CID, sleeper, "SUSPENDED")
    assert operate.resume_orders(CID, ResumeOrderFilter(order_ids=[sleeper], variables={"again": True}))
    wait_for_state(joc, CID, sleeper, "RUNNING")
    assert "/sleeper" in {order.workflow_path for order in manage.get_orders(CID, GetOrderFilter())}
    assert operate.remove_terminated_orders(CID, order_ids=[sleeper])
    assert operate.cancel_orders(CID, order_ids=[sleeper], kill=True)
    wait_until_ended(joc, sleeper, "FAILED")  # JOC lists a cancelled order as failed

    graph = client.workflow.manage.get_workflow(CID, "/asker")
    assert [i["position_string"] for i in graph["instructions"]] == ["0", "1"]
    check_workflow_controls_of_the_client(client.workflow.operate, joc)

    ids = running.call(lambda c: fill_history(c, CID))
    # The History service writes the runs of the orders above too: look at the rows of early 2026 only.
    inserted = OrderHistoryFilter(date_to="2026-01-02T00:00:00Z")
    history = manage.get_orders_history(CID, inserted)
    assert [item["history_id"] for item in history] == [ids.running, ids.failed, ids.ok]
    overview = manage.get_orders_overview(
        CID, date_from="2026-01-01T00:00:00Z", date_to="2026-01-02T00:00:00Z"
    )
    assert overview == (1, 1)
    events = [entry["log_event"] for entry in manage.get_order_log(CID, ids.ok)]
    assert events == ["OrderStarted", "OrderLockAcquired", "OrderFinished"]
    tasks = client.task.manage.get_task_history_info(CID, TasksFilter())
    assert {task["task_id"] for task in tasks} >= {ids.running_task, ids.ended_task}
    assert client.task.manage.get_task_log(CID, ids.running_task) == "hello\n"


def test_orders_through_the_api_and_the_joc_client(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
    root: Joc,
    controller_account: Callable[..., Joc],
    audit_entries: Callable[[], list[AuditRecord]],
) -> None:
    """One Controller for all checks (it costs seconds to start)."""
    running, controller = controller_cockpit
    deploy(running, controller, GREET, SLEEPER, ASKER)
    check_the_life_of_orders(root, audit_entries)
    check_permissions_before_changes(running.url, root, controller_account, audit_entries)
    check_the_joc_client(running.url, running)
