"""The Resources view over a real Controller and Agent: a lock with its holder and its queue, a notice board
with its notice, a file order source; each part for an account that may view it, 403 for one that may view none,
and the navigation links it only where it opens."""

from __future__ import annotations

from typing import Any

from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit, _add_account
from tests.cockpit.backends import run
from tests.cockpit.ui.test_session import Browser
from tests.e2e.nodes import API, add_orders, deploy, orders, shell_job, until_async, workflow

CONTROLLER_VIEW = "sos:products:controller:view"
LOCKS_VIEW = "sos:products:controller:locks:view"
ORDERS_VIEW = "sos:products:controller:orders:view"


def _prepare(controller: ControllerNodes) -> None:
    locked = {"TYPE": "Lock", "demands": [{"lockPath": "serial"}], "lockedWorkflow": {"instructions": [
        {"TYPE": "Execute.Named", "jobName": "hold"}]}}  # fmt: skip
    items: list[dict[str, Any]] = [
        {"TYPE": "Lock", "path": "serial", "limit": 1},
        {"TYPE": "GlobalBoard", "path": "ready", "postOrderToNoticeKey": "'today'", "expectOrderToNoticeKey": "'today'"},
        workflow("W", [locked], {"hold": shell_job("agentA", "sleep 30")}),
        {"TYPE": "FileWatch", "path": "incoming", "workflowPath": "W", "agentPath": "agentA",
         "directoryExpr": "'incoming-files'", "pattern": "\\\\.csv$"},
    ]  # fmt: skip

    async def prepare() -> None:
        async with controller.client() as client:
            await deploy(client, *items)
            await client.post(f"{API}/command", {"TYPE": "PostNotice", "noticeId": ["ready", "today"]}, dict)
            await add_orders(client, "W", "first", "second")

            async def held() -> bool:
                found = await orders(client)
                return "first" in found and found["first"]["state"]["TYPE"] == "Processing"

            await until_async(held, 30, "the first order to hold the lock")

    run(prepare)


def test_locks_notices_and_file_order_sources(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    _prepare(controller)
    root = Browser(running.url)
    assert root.log_in("root", ADMIN_PASSWORD)[0] == 303
    status, html = root.request("/ui/resources?controller=e2e")
    assert status == 200, html
    locks = html.split('id="locks"')[1].split('id="boards"')[0]
    assert "serial" in locks and "first</a> (exclusive)" in locks and "id=second" in locks
    boards = html.split('id="boards"')[1].split('id="sources"')[0]
    assert "ready" in boards and "today" in boards
    assert "incoming" in html and "incoming-files" in html
    assert 'href="/ui/resources"' in root.request("/ui/")[1]

    running.call(
        lambda cockpit: _add_account(
            cockpit, "locksmith", "locksmith-password", (CONTROLLER_VIEW, LOCKS_VIEW), ()
        )
    )
    locksmith = Browser(running.url)
    assert locksmith.log_in("locksmith", "locksmith-password")[0] == 303
    status, html = locksmith.request("/ui/resources?controller=e2e")
    assert status == 200 and 'id="locks"' in html and 'id="boards"' not in html and 'id="sources"' not in html

    running.call(
        lambda cockpit: _add_account(
            cockpit, "watcher", "watcher-password", (CONTROLLER_VIEW, ORDERS_VIEW), ()
        )
    )
    watcher = Browser(running.url)
    assert watcher.log_in("watcher", "watcher-password")[0] == 303
    assert watcher.request("/ui/resources?controller=e2e")[0] == 403
    assert 'href="/ui/resources"' not in watcher.request("/ui/")[1]
