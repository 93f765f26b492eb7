"""A workflow the Cockpit did not deploy shows the path of the inventory's workflow of that name (and `/name`
when the inventory has none), in the workflows and in the orders."""

from __future__ import annotations

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
