"""Helpers of the order API tests: workflows deployed straight to the Controller (engine JSON), waiting for an
order's JOC state through the API, and the audit entries the Cockpit wrote."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.audit import AuditFilter, AuditRecord, AuditRepository
from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit, _add_account
from tests.cockpit.api.joc import Joc
from tests.e2e.nodes import shell_job, workflow

POLL_STEP = 0.05
AGENT = "agentA"

GREET = workflow(
    "greet",
    [{"TYPE": "Execute.Named", "jobName": "hello"}],
    {"hello": shell_job(AGENT, "echo hello")},
    orderPreparation={"parameters": {"name": {"type": "String"}}},
)
SLEEPER = workflow(
    "sleeper", [{"TYPE": "Execute.Named", "jobName": "nap"}], {"nap": shell_job(AGENT, "sleep 60")}
)
ASKER = workflow(
    "asker",
    [{"TYPE": "Prompt", "question": "'Go on?'"}, {"TYPE": "Execute.Named", "jobName": "hello"}],
    {"hello": shell_job(AGENT, "echo hello")},
)


def deploy(running: RunningCockpit, controller: ControllerNodes, *items: dict[str, Any]) -> None:
    """Puts the items on the Controller directly (as a deployment would)."""

    async def put(cockpit: Cockpit) -> Any:
        operations = [{"TYPE": "AddOrChange", "item": item} for item in items]
        proxy = cockpit.proxies.get(controller.controller_id)
        return await proxy.update_items({"TYPE": "UpdateItems", "operations": operations})

    running.call(put)


def order_state(joc: Joc, controller_id: str, order_id: str) -> str | None:
    answer = joc.post("/joc/api/order", {"controllerId": controller_id, "orderId": order_id})
    return answer.body["state"]["_text"] if answer.status == 200 else None


def wait_for_state(joc: Joc, controller_id: str, order_id: str, wanted: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    state = None
    while time.monotonic() < deadline:
        state = order_state(joc, controller_id, order_id)
        if state == wanted:
            return
        time.sleep(POLL_STEP)
    raise AssertionError(f"{order_id} stayed {state}, not {wanted}, for {seconds} s")


@pytest.fixture
def audit_entries(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> Callable[[], list[AuditRecord]]:
    running, _ = controller_cockpit

    async def read(cockpit: Cockpit) -> list[AuditRecord]:
        async with cockpit.database.session() as db:
            return await AuditRepository(db).search(AuditFilter())

    return lambda: running.call(read)


@pytest.fixture
def root(controller_cockpit: tuple[RunningCockpit, ControllerNodes]) -> Joc:
    """A client of the Cockpit with the Controller, logged in as root."""
    client = Joc(controller_cockpit[0].url)
    assert client.login("root", ADMIN_PASSWORD).status == 200
    return client


@pytest.fixture
def controller_account(controller_cockpit: tuple[RunningCockpit, ControllerNodes]) -> Callable[..., Joc]:
    """`controller_account(name, permissions=(...), folders=(...))`: as the `account` fixture, on the Cockpit
    with the Controller."""
    running, _ = controller_cockpit

    def make(name: str, permissions: tuple[str, ...] = (), folders: tuple[str, ...] = ()) -> Joc:
        password = f"{name}-password"
        running.call(lambda c: _add_account(c, name, password, permissions, folders))
        client = Joc(running.url)
        assert client.login(name, password).status == 200
        return client

    return make
