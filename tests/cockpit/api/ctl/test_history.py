"""The History service against a real Controller and Agent: orders run, their order and task rows and logs
appear, the EventId is stored with them and the events are released; a restarted History (a new service with
nothing in memory) resumes from the stored EventId without writing anything twice."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.event_ids import EventIdRepository
from stellwerk.cockpit.db.repositories.history_query import HistoryFilter
from stellwerk.cockpit.db.repositories.logs import LogRepository
from stellwerk.cockpit.db.repositories.order_history import OrderHistory, OrderHistoryRepository
from stellwerk.cockpit.db.repositories.task_history import TaskHistory, TaskHistoryRepository
from stellwerk.cockpit.services.history import CONSUMER
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.backends import run
from tests.e2e.nodes import add_orders, deploy, shell_job, workflow

Rows = tuple[list[OrderHistory], dict[int, list[TaskHistory]], dict[int, str], dict[int, str], int | None]


def _rows(running: RunningCockpit) -> Rows:
    async def rows(cockpit: Cockpit) -> Rows:
        async with cockpit.database.session() as db:
            orders = list(
                (await OrderHistoryRepository(db).search(HistoryFilter(), main_orders_only=False)).items
            )
            tasks = {o.history_id: await TaskHistoryRepository(db).of_order(o.history_id) for o in orders}
            logs = LogRepository(db)
            task_logs = {t.task_id: await logs.task_log(t.task_id) for ts in tasks.values() for t in ts}
            order_logs = {o.history_id: await logs.order_log(o.history_id) for o in orders}
            event_id = await EventIdRepository(db).load("e2e", CONSUMER)
        return orders, tasks, task_logs, order_logs, event_id

    return running.call(rows)


def _until(running: RunningCockpit, done: Any, what: str) -> Rows:
    deadline = time.monotonic() + 30
    while True:
        rows = _rows(running)
        if done(rows):
            return rows
        assert time.monotonic() < deadline, f"waited for {what}: {rows[0]}"
        time.sleep(0.1)


def test_history_writes_orders_tasks_and_logs_and_resumes_after_a_restart(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    jobs = {
        "hello": shell_job("agentA", "echo hello from $JS7_ORDER_ID\nexit 0"),
        "bad": shell_job("agentA", "exit 3"),
    }
    instructions = [{"TYPE": "Execute.Named", "jobName": "hello", "label": "greet"}]
    failing = [{"TYPE": "Execute.Named", "jobName": "bad"}]

    async def deploy_and_add(*order_ids: str) -> None:
        async with controller.client() as client:
            await deploy(client, workflow("greet", instructions, jobs), workflow("fail", failing, jobs))
            await add_orders(client, "greet", *order_ids)

    run(lambda: deploy_and_add("o1", "o2"))
    rows = _until(running, lambda r: sum(o.end_time is not None for o in r[0]) == 2, "two finished orders")
    orders, tasks, task_logs, order_logs, event_id = rows
    assert {o.order_id for o in orders} == {"o1", "o2"}
    for order in orders:
        assert (order.state, order.severity, order.workflow_path) == (
            OrderStateText.FINISHED,
            HistoryState.SUCCESSFUL,
            "/greet",
        )
        [task] = tasks[order.history_id]
        assert (task.job_name, task.agent_id, task.return_code, task.severity, task.label) == (
            "hello",
            "agentA",
            0,
            HistoryState.SUCCESSFUL,
            "greet",
        )
        assert task.agent_url.startswith("https://127.0.0.1:")
        assert f"hello from {order.order_id}" in task_logs[task.task_id]
        assert '"logEvent": "OrderFinished"' in order_logs[order.history_id]
    assert event_id is not None and event_id > 0
    assert _controller_event_id_after_a_while(running) == _controller_event_id_after_a_while(running), (
        "an idle Controller journals nothing: the History does not release the record of its own release"
    )

    # A History with nothing in memory, as after a Cockpit restart: it resumes from the stored EventId.
    async def restart(cockpit: Cockpit) -> None:
        proxy = cockpit.proxies.get("e2e")
        cockpit.proxies.register("e2e", proxy.urls)
        await asyncio.sleep(0)

    running.call(restart)

    async def add_failing() -> None:
        async with controller.client() as client:
            await add_orders(client, "fail", "o3")

    run(add_failing)
    rows = _until(
        running, lambda r: any(o.order_id == "o3" and o.severity == HistoryState.FAILED for o in r[0]), "o3"
    )
    orders, tasks, _, order_logs, later_event_id = rows
    assert sorted(o.order_id for o in orders) == ["o1", "o2", "o3"], "nothing written twice"
    [o3] = [o for o in orders if o.order_id == "o3"]
    [task] = tasks[o3.history_id]
    assert (task.return_code, task.severity) == (3, HistoryState.FAILED)
    assert o3.state == OrderStateText.FAILED and o3.end_time is None, "a failed order may still be resumed"
    assert later_event_id is not None and event_id is not None and later_event_id > event_id


def _controller_event_id_after_a_while(running: RunningCockpit) -> int:
    async def event_id(cockpit: Cockpit) -> int:
        await asyncio.sleep(0.5)
        overview = await cockpit.proxies.get("e2e").overview()
        return int(overview["eventId"])

    return running.call(event_id)
