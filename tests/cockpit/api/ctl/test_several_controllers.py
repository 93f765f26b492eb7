"""One Cockpit managing two Controllers (`e2e` and `e2f`, each with its own Agent, real processes): a deployment
reaches both, an order added for one runs there only, listings and the history are scoped by controllerId, and an
account whose permissions hold for one Controller is refused the other."""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from stellwerk.cockpit.security.accounts import INTERNAL_SERVICE
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit, _register, serve_with_controller
from tests.cockpit.api.ctl.conftest import root
from tests.cockpit.api.inventory.items import workflow
from tests.cockpit.api.joc import Joc
from tests.cockpit.backends import run
from tests.e2e.nodes import CONTROLLER, NodeProcess

SECOND = "e2f"
SERVICE = {"identityServiceName": INTERNAL_SERVICE}


@pytest.fixture
def two_controllers(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[RunningCockpit, ControllerNodes, ControllerNodes]]:
    for running, first in serve_with_controller(database_url, tmp_path):
        installation = first.installation.sibling(tmp_path / "second", SECOND)
        try:
            nodes = [installation.node(name) for name in (*installation.agent_names, CONTROLLER)]
            run(partial(_start, nodes))
            url = installation.controller_url
            running.call(partial(_register, controller_id=SECOND, url=url))
            yield running, first, ControllerNodes(installation, SECOND, url)
        finally:
            installation.clean_up()


async def _start(nodes: list[NodeProcess]) -> None:
    for node in nodes:
        await node.start()


def _order_ids(joc: Joc, controller_id: str) -> set[str]:
    return {o["orderId"] for o in joc.ok("/joc/api/orders", {"controllerId": controller_id})["orders"]}


def _history_ids(joc: Joc, controller_id: str) -> set[str]:
    answer = joc.ok("/joc/api/orders/history", {"controllerId": controller_id})
    return {entry["orderId"] for entry in answer["history"]}


def _until(probe: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not probe():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.1)


def _account_for(joc: Joc, running: RunningCockpit, name: str, controller_id: str) -> Joc:
    """An account whose role grants viewing orders and Controllers for one Controller only."""
    role = f"{name}-role"
    joc.ok("/joc/api/iam/role/store", {**SERVICE, "roleName": role})
    permissions = [
        {"permissionPath": "sos:products:controller:view"},
        {"permissionPath": "sos:products:controller:orders:view"},
    ]
    body = {**SERVICE, "roleName": role, "controllerId": controller_id, "permissions": permissions}
    joc.ok("/joc/api/iam/permissions/store", body)
    password = f"{name}-secret-password"
    account = {**SERVICE, "accountName": name, "password": password, "roles": [role]}
    joc.ok("/joc/api/iam/account/store", account)
    client = Joc(running.url)
    assert client.login(name, password).status == 200
    return client


def test_one_cockpit_scopes_everything_by_controller(
    two_controllers: tuple[RunningCockpit, ControllerNodes, ControllerNodes],
) -> None:
    running, first, second = two_controllers
    joc = root(running)
    ids = joc.ok("/joc/api/controller/ids")
    assert {c["controllerId"] if isinstance(c, dict) else c for c in ids["controllerIds"]} >= {"e2e", SECOND}

    configuration = workflow(script="sleep 1")
    joc.ok("/joc/api/inventory/store", {"path": "/team/nap", "objectType": "WORKFLOW", "configuration": configuration})  # fmt: skip
    draft = {"configuration": {"path": "/team/nap", "objectType": "WORKFLOW"}}
    joc.ok(
        "/joc/api/inventory/deployment/deploy",
        {"controllerIds": ["e2e", SECOND], "store": {"draftConfigurations": [draft]}},
    )
    for controller in (first, second):
        items = running.call(lambda c, cid=controller.controller_id: c.proxies.get(cid).items())
        assert any(i["TYPE"] == "Workflow" and i["path"] == "nap" for i in items), controller.controller_id

    body = {"controllerId": SECOND, "orders": [{"workflowPath": "/team/nap", "orderName": "east"}]}
    [order_id] = joc.ok("/joc/api/orders/add", body)["orderIds"]
    _until(lambda: order_id in _order_ids(joc, SECOND), 20, f"{order_id} listed for {SECOND}")
    assert order_id not in _order_ids(joc, "e2e")
    assert joc.post("/joc/api/order", {"controllerId": "e2e", "orderId": order_id}).status != 200

    _until(lambda: order_id in _history_ids(joc, SECOND), 30, f"{order_id} in the history of {SECOND}")
    assert order_id not in _history_ids(joc, "e2e")

    only_first = _account_for(joc, running, "first-only", "e2e")
    assert only_first.post("/joc/api/orders", {"controllerId": "e2e"}).status == 200
    refused = only_first.post("/joc/api/orders", {"controllerId": SECOND})
    assert refused.status == 403
