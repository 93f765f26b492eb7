"""The restart service against a real Controller: items the Controller lost (as after a reset) are sent again in
their deployed versions when the service runs (on demand here; also when a Cockpit becomes active), recorded in
the deployment history as the Cockpit's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.deployments import DeploymentRepository
from stellwerk.cockpit.services.restart import ACCOUNT
from tests.cockpit.api.cluster.test_joc_cluster import wait_until_active
from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit, serve_with_controller
from tests.cockpit.api.inventory.items import LOCK, workflow
from tests.cockpit.api.inventory.test_deployment import draft, item_keys
from tests.cockpit.api.inventory.test_redeploy import _lose
from tests.cockpit.api.joc import Joc
from tests.cockpit.backends import run
from tests.e2e.nodes import CONTROLLER, NodeProcess


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


def _controller_process(controller: ControllerNodes) -> NodeProcess:
    [node] = [node for node in controller.installation.nodes if node.role == CONTROLLER]
    return node


@pytest.fixture
def quick_restart_cockpit(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[RunningCockpit, ControllerNodes]]:
    yield from serve_with_controller(database_url, tmp_path, pending_deployment_period_ms=200)


def test_a_deployment_that_found_the_controller_away_is_delivered_when_it_is_back(
    quick_restart_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = quick_restart_cockpit
    joc = Joc(running.url)
    assert joc.login("root", ADMIN_PASSWORD).status == 200
    wait_until_active(joc)
    node = _controller_process(controller)
    run(node.stop)
    joc.ok("/joc/api/inventory/store", {"path": "/team/L2", "objectType": "LOCK", "configuration": LOCK})
    body = {"controllerIds": ["e2e"], "store": {"draftConfigurations": [draft("/team/L2", "LOCK")]}}
    joc.post("/joc/api/inventory/deployment/deploy", body)  # refused: the Controller is away

    async def pending(cockpit: Cockpit) -> list[str]:
        async with cockpit.database.session() as db:
            return [d.path for d in await DeploymentRepository(db).pending("e2e")]

    assert running.call(pending) == ["/team/L2"]
    run(node.start)
    deadline = time.monotonic() + 30
    # The service records the delivery in the transaction it commits after the Controller took the item.
    while "Lock:L2" not in item_keys(running, controller) or running.call(pending):
        assert time.monotonic() < deadline, "the pending deployment was not delivered and recorded"
        time.sleep(0.1)
    assert _accounts(running)[0] == ACCOUNT  # the newest row: delivered by the restart service
