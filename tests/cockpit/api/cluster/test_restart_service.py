"""The restart service against a real Controller: items the Controller lost (as after a reset) are sent again in
their deployed versions when the service runs (on demand here; also when a Cockpit becomes active), recorded in
the deployment history as the Cockpit's."""

from __future__ import annotations

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.deployments import DeploymentRepository
from stellwerk.cockpit.services.restart import ACCOUNT
from tests.cockpit.api.cluster.test_joc_cluster import wait_until_active
from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit
from tests.cockpit.api.inventory.items import LOCK, workflow
from tests.cockpit.api.inventory.test_deployment import draft, item_keys
from tests.cockpit.api.inventory.test_redeploy import _lose
from tests.cockpit.api.joc import Joc


def _accounts(running: RunningCockpit) -> list[str | None]:
    async def rows(cockpit: Cockpit) -> list[str | None]:
        async with cockpit.database.session() as db:
            found = await DeploymentRepository(db).history(controller_id="e2e")
        return [row.account for row in found]

    return running.call(rows)


def test_the_restart_service_sends_a_controller_the_deployed_items_it_lost(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = Joc(running.url)
    assert joc.login("root", ADMIN_PASSWORD).status == 200
    wait_until_active(joc)
    joc.ok("/joc/api/inventory/store", {"path": "/team/L1", "objectType": "LOCK", "configuration": LOCK})
    joc.ok("/joc/api/inventory/store", {"path": "/team/hello", "objectType": "WORKFLOW", "configuration": workflow(lock="L1")})  # fmt: skip
    body = {"controllerIds": ["e2e"], "store": {"draftConfigurations": [draft("/team", "FOLDER")]}}
    joc.ok("/joc/api/inventory/deployment/deploy", body)
    deployed = item_keys(running, controller)
    [hello] = [key for key in deployed if key.startswith("Workflow:hello~")]
    assert joc.ok("/joc/api/joc/cluster/run", {"type": "cluster"})["state"] == "COMPLETED"
    assert ACCOUNT not in _accounts(running), "nothing is sent when the Controller has everything"

    _lose(running, "Workflow:hello", "Lock:L1")
    assert hello not in item_keys(running, controller)
    assert joc.ok("/joc/api/joc/cluster/run", {"type": "cluster"})["state"] == "COMPLETED"
    keys = item_keys(running, controller)
    assert hello in keys and "Lock:L1" in keys
    assert _accounts(running).count(ACCOUNT) == 2
