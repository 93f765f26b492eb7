"""Deployment to a real Controller: the items arrive (a new workflow version per deployment), a bad workflow is
refused with its JSON path and nothing is deployed, revoke removes the items, permissions come first."""

from __future__ import annotations

from typing import Any

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.deployments import DeploymentRepository
from stellwerk.cockpit.services.dailyplan.settings import CALENDAR_PATH
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.inventory.conftest import login_as
from tests.cockpit.api.inventory.items import LOCK, workflow
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid

DEPLOY = "sos:products:controller:deployment:deploy"


def draft(path: str, object_type: str) -> dict[str, Any]:
    return {"configuration": {"path": path, "objectType": object_type}}


def item_keys(running: RunningCockpit, controller: ControllerNodes) -> list[str]:
    async def items(cockpit: Cockpit) -> list[Any]:
        return await cockpit.proxies.get(controller.controller_id).items()

    keys = []
    for item in running.call(items):
        name = item.get("path") or item.get("id")
        if (item["TYPE"], name) == ("Calendar", CALENDAR_PATH):
            continue  # the Daily Plan's own, sent whenever its service runs
        keys.append(
            f"{item['TYPE']}:{name}~{item['versionId']}" if "versionId" in item else f"{item['TYPE']}:{name}"
        )
    return sorted(keys)


def test_deploy_and_revoke_on_a_real_controller(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = Joc(running.url)
    joc.login("root", "admin-secret")
    joc.ok("/joc/api/inventory/store", {"path": "/team/L1", "objectType": "LOCK", "configuration": LOCK})
    joc.ok("/joc/api/inventory/store", {"path": "/team/hello", "objectType": "WORKFLOW", "configuration": workflow(lock="L1")})  # fmt: skip
    bad = workflow()
    bad["jobs"]["hello"]["executable"]["TYPE"] = "Teleport"
    joc.ok("/joc/api/inventory/store", {"path": "/team/bad", "objectType": "WORKFLOW", "configuration": bad})
    before = item_keys(running, controller)

    refused = joc.post("/joc/api/inventory/deployment/deploy", {"controllerIds": ["e2e"], "store": {"draftConfigurations": [draft("/team", "FOLDER")]}})  # fmt: skip
    assert (
        refused.status == 420
        and "WORKFLOW /team/bad: $.jobs.hello.executable.TYPE" in refused.error["message"]
    )
    assert item_keys(running, controller) == before

    outsider = login_as(running, "outsider", ("sos:products:joc:inventory:view",))
    body = {"controllerIds": ["e2e"], "store": {"draftConfigurations": [draft("/team/hello", "WORKFLOW"), draft("/team/L1", "LOCK")]}}  # fmt: skip
    assert outsider.post("/joc/api/inventory/deployment/deploy", body).status == 403
    fenced = login_as(running, "fenced", (DEPLOY,), ("/other",))
    assert fenced.post("/joc/api/inventory/deployment/deploy", body).status == 403
    assert item_keys(running, controller) == before

    answer = joc.ok("/joc/api/inventory/deployment/deploy", body)
    assert answer["ok"] is True
    first = [key for key in item_keys(running, controller) if key.startswith("Workflow:hello~")]
    assert "Lock:L1" in item_keys(running, controller) and len(first) == 1
    read = joc.ok("/joc/api/inventory/read/configuration", {"path": "/team/hello", "objectType": "WORKFLOW"})
    assert_valid("inventory/configurationObject-schema.json", read)
    assert read["deployed"] is True

    joc.ok("/joc/api/inventory/deployment/deploy", body)
    versions = [key for key in item_keys(running, controller) if key.startswith("Workflow:hello~")]
    assert len(versions) == 2 and first[0] in versions, "a new deployment is a new workflow version"

    revoke = {"controllerIds": ["e2e"], "deployConfigurations": [draft("/team/hello", "WORKFLOW"), draft("/team/L1", "LOCK")]}  # fmt: skip
    joc.ok("/joc/api/inventory/deployment/revoke", revoke)
    assert item_keys(running, controller) == before
    assert joc.ok("/joc/api/inventory/read/configuration", {"id": read["id"]})["deployed"] is False

    async def history(cockpit: Cockpit) -> list[tuple[str, str, str]]:
        async with cockpit.database.session() as db:
            rows = await DeploymentRepository(db).history(controller_id="e2e")
        return [(row.name, row.operation.value, row.state.value) for row in rows]

    assert ("hello", "DELETE", "DEPLOYED") in running.call(history)
