"""A workflow the Cockpit did not deploy shows the path of the inventory's workflow of that name (and `/name`
when the inventory has none), in the workflows and in the orders."""

from __future__ import annotations

import time

from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.inventory.items import workflow
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import GREET, SLEEPER, deploy
from tests.cockpit.api.schema import assert_valid


def test_workflows_deployed_elsewhere_show_their_inventory_path(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = Joc(running.url)
    joc.login("root", "admin-secret")
    joc.ok("/joc/api/inventory/store", {"path": "/team/greet", "objectType": "WORKFLOW", "configuration": workflow()})  # fmt: skip
    deploy(running, controller, GREET, SLEEPER)

    workflows = joc.ok("/joc/api/workflows", {"controllerId": "e2e", "compact": True})
    assert_valid("workflow/workflows-schema.json", workflows)
    assert sorted(w["path"] for w in workflows["workflows"]) == ["/sleeper", "/team/greet"]
    read = joc.ok("/joc/api/workflow", {"controllerId": "e2e", "workflowId": {"path": "/team/greet"}})
    assert read["workflow"]["path"] == "/team/greet"

    added = joc.ok(
        "/joc/api/orders/add",
        {"controllerId": "e2e", "orders": [{"workflowPath": "/team/greet", "arguments": {"name": "you"}}]},
    )
    history = _ended_history(joc, added["orderIds"][0])
    assert [h["workflow"] for h in history] == ["/team/greet"]
    in_folder = {"controllerId": "e2e", "folders": [{"folder": "/team", "recursive": False}]}
    assert [h["orderId"] for h in joc.ok("/joc/api/orders/history", in_folder)["history"]] == added[
        "orderIds"
    ]
    tasks = joc.ok("/joc/api/tasks/history", {"controllerId": "e2e", "orderId": added["orderIds"][0]})
    assert [t["workflow"] for t in tasks["history"]] == ["/team/greet"]


def _ended_history(joc: Joc, order_id: str) -> list[dict[str, object]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        history: list[dict[str, object]] = joc.ok(
            "/joc/api/orders/history", {"controllerId": "e2e", "orderId": order_id}
        )["history"]
        if history and history[0].get("endTime") is not None:
            return history
        time.sleep(0.05)
    raise AssertionError(f"{order_id} has not ended in the history")
