"""Helpers of the order API tests: workflows deployed straight to the Controller (engine JSON), waiting for an
order's JOC state through the API, and the audit entries the Cockpit wrote."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.audit import AuditFilter, AuditRecord, AuditRepository
from stellwerk.cockpit.db.repositories.logs import LogRepository
from stellwerk.cockpit.db.repositories.order_history import OrderChanged, OrderHistoryRepository, OrderStarted
from stellwerk.cockpit.db.repositories.task_history import TaskEnded, TaskHistoryRepository, TaskStarted
from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit, _add_account
from tests.cockpit.api.joc import Joc
from tests.e2e.nodes import shell_job, workflow

POLL_STEP = 0.05
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
AGENT = "agentA"

GREET = workflow(
    "greet",
    [{"TYPE": "Execute.Named", "jobName": "hello", "label": "hello"}],
    {"hello": shell_job(AGENT, "echo hello")},
    orderPreparation={"parameters": {"name": {"type": "String"}}},
)
SLEEPER = workflow(
    "sleeper",
    [{"TYPE": "Execute.Named", "jobName": "nap", "label": "nap"}],
    {"nap": shell_job(AGENT, "sleep 60")},
)
ASKER = workflow(
    "asker",
    [
        {"TYPE": "Prompt", "question": "'Go on?'"},
        {"TYPE": "Execute.Named", "jobName": "hello", "label": "hello"},
    ],
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


def log_line(event: str, order_id: str, **more: object) -> str:
    entry = {"controllerDatetime": "2026-01-01 00:00:00.000+0000", "orderId": order_id, "logLevel": "MAIN"}
    return json.dumps({**entry, "logEvent": event, "position": "0", **more}) + "\n"


class HistoryIds:
    """The history ids and task ids `fill_history` made."""

    ok = 0
    failed = 0
    running = 0
    running_task = 0
    ended_task = 0


async def fill_history(cockpit: Cockpit, controller_id: str) -> HistoryIds:
    """Three order runs as the History service writes them: /a/ok finished, /a/bad failed, /b/run running;
    each with a task, its output and an order log (with an entry the JOC client cannot read)."""
    ids = HistoryIds()
    async with cockpit.database.session() as db:
        orders, tasks, logs = OrderHistoryRepository(db), TaskHistoryRepository(db), LogRepository(db)
        for offset, (order_id, path) in enumerate(
            [
                ("#2026-01-01#T1-ok", "/a/ok"),
                ("#2026-01-01#T2-bad", "/a/bad"),
                ("#2026-01-01#T3-run", "/b/run"),
            ]
        ):
            started = OrderStarted(
                controller_id=controller_id, order_id=order_id, workflow_path=path, workflow_version_id="v1",
                start_time=T0 + offset * 60_000, start_event_id=offset + 1, position="0",
                arguments=json.dumps({"name": "you"}),
            )  # fmt: skip
            history_id = await orders.add(started, T0)
            task = TaskStarted(
                controller_id=controller_id, history_order_id=history_id, order_id=order_id, workflow_path=path,
                workflow_version_id="v1", job_name="job", position="0", agent_id="agentA",
                agent_url="https://agent", start_time=T0 + offset * 60_000, start_event_id=offset + 1,
            )  # fmt: skip
            task_id = await tasks.add(task, T0)
            await logs.append(history_id, "hello\n", T0, task_id)
            await logs.append(history_id, log_line("OrderStarted", order_id), T0)
            await logs.append(history_id, log_line("OrderPrompted", order_id), T0)
            await logs.append(history_id, log_line("OrderLocksAcquired", order_id), T0)
            if offset < 2:
                severity = HistoryState.SUCCESSFUL if offset == 0 else HistoryState.FAILED
                end = T0 + offset * 60_000 + 1000
                ended = TaskEnded(end_time=end, severity=severity, return_code=offset)
                await tasks.end(task_id, ended, T0)
                state = OrderStateText.FINISHED if offset == 0 else OrderStateText.FAILED
                await orders.update(
                    history_id, OrderChanged(state=state, severity=severity, end_time=end), T0
                )
                await logs.append(history_id, log_line("OrderFinished", order_id), T0)
                ids.ended_task = task_id
            if offset == 0:
                ids.ok = history_id
            elif offset == 1:
                ids.failed = history_id
            else:
                ids.running, ids.running_task = history_id, task_id
    return ids
