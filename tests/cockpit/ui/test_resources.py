"""The Resources view over a real Controller: a lock with its holder and queue linking to the orders, a notice
board whose notice is posted and deleted through the view's forms (with the CSRF token), a plannable board's
notices by plan, a file order source; an account without the permission does not get the view."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit, _add_account
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import deploy
from tests.cockpit.api.resources.test_boards import BOARD
from tests.cockpit.api.resources.test_locks import held_and_queued
from tests.cockpit.backends import run
from tests.cockpit.ui.test_session import Browser
from tests.e2e.nodes import API

PLANNED_BOARD = {
    "TYPE": "PlannableBoard",
    "path": "daily",
    "postOrderToNoticeKey": "'close'",
    "expectOrderToNoticeKey": "'close'",
}
CLOSING = {
    "TYPE": "Workflow",
    "path": "closing",
    "instructions": [{"TYPE": "ExpectNotices", "boardPaths": "'daily'"}],
}
SOURCE = {
    "TYPE": "FileWatch", "path": "incoming", "workflowPath": "gated", "agentPath": "agentA",
    "directoryExpr": "'/srv/incoming'", "pattern": "\\.csv$",
}  # fmt: skip


def test_the_resources_view_shows_locks_boards_and_sources_and_posts_notices(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    root = Joc(running.url)
    assert root.login("root", ADMIN_PASSWORD).status == 200
    holder, waiter = held_and_queued(controller_cockpit, root)
    deploy(running, controller, BOARD, SOURCE)
    browser = Browser(running.url)
    assert browser.log_in("root", ADMIN_PASSWORD)[0] == 303

    status, html = browser.request("/ui/resources")
    assert status == 200, html
    assert 'href="/ui/resources"' in html, "the navigation leads to the view"
    assert 'data-lock="/gate"' in html
    assert f'href="/ui/order?controller=e2e&amp;id={quote(holder)}"' in html
    assert f'href="/ui/order?controller=e2e&amp;id={quote(waiter)}"' in html
    assert 'data-board="/month"' in html and "No notices." in html
    assert 'data-source="/incoming"' in html and "/srv/incoming" in html and "<td>/gated</td>" in html

    deploy(running, controller, PLANNED_BOARD, CLOSING)
    for day in ("2026-11-24", "2026-11-23"):
        order = {"id": f"#{day}#P0-closing", "workflowPath": "closing", "planId": ["DailyPlan", day]}
        run(lambda order=order: _command(controller, {"TYPE": "AddOrders", "orders": [order]}))
    html = _until_html(browser, "2026-11-24")
    plans = re.findall(r'data-plan="([^"]+)"', html)
    assert plans == ["2026-11-23", "2026-11-24"], "the plannable board's notices by plan, in plan order"
    assert re.search(r"<td>2026-11-23</td>\s*<td>close</td>", html), "the plan, then the key of its notice"

    csrf = browser.cookie("stellwerk_csrf") or ""
    form = {"csrf": csrf, "controller": "e2e", "board": "/month", "notice": "2026-02"}
    status, answer = browser.request("/ui/notices/post", form)
    assert status == 200 and "Posted the notice 2026-02" in answer, answer
    assert 'data-notice="2026-02" data-state="POSTED"' in browser.request("/ui/resources")[1]
    assert browser.request("/ui/notices/delete", {**form, "csrf": "forged"})[0] == 403
    status, answer = browser.request("/ui/notices/delete", form)
    assert status == 200 and "Deleted the notice 2026-02" in answer, answer
    assert 'data-notice="2026-02"' not in browser.request("/ui/resources")[1]
    assert browser.request("/ui/notices/post", {**form, "notice": " "})[0] == 400

    running.call(
        lambda c: _add_account(c, "orders-only", "pw-orders", ("sos:products:controller:orders:view",), ())
    )
    other = Browser(running.url)
    assert other.log_in("orders-only", "pw-orders")[0] == 303
    assert 'href="/ui/resources"' not in other.request("/ui/")[1]


async def _command(controller: ControllerNodes, command: dict[str, object]) -> None:
    async with controller.client() as client:
        await client.post(f"{API}/command", command, dict)


def _until_html(browser: Browser, text: str) -> str:
    deadline = time.monotonic() + 20
    while True:
        html = browser.request("/ui/resources")[1]
        if text in html or time.monotonic() > deadline:
            return html
        time.sleep(0.2)
