"""The History view pages by cursor, newest first, filtered by outcome, on every database."""

from __future__ import annotations

import re

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import ControllerRole, HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.controllers import ControllerNode, ControllerRepository
from stellwerk.cockpit.db.repositories.order_history import OrderChanged, OrderHistoryRepository, OrderStarted
from stellwerk.cockpit.ui.history import PAGE_SIZE
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit
from tests.cockpit.ui.test_session import Browser

RUNS = PAGE_SIZE + 10
FAILED = OrderChanged(state=OrderStateText.FAILED, severity=HistoryState.FAILED, position="0", end_time=9)


async def _runs(cockpit: Cockpit) -> None:
    async with cockpit.database.session() as db:
        node = ControllerNode(controller_id="c", role=ControllerRole.STANDALONE, url="https://127.0.0.1:9")
        await ControllerRepository(db).register([node], 1)
        history = OrderHistoryRepository(db)
        for n in range(RUNS):
            started = OrderStarted(
                controller_id="c", order_id=f"run-{n:03}", workflow_path="/f/wf", workflow_version_id="v1",
                start_time=1_000 + n, start_event_id=1_000_000 + n, position="0",
            )  # fmt: skip
            history_id = await history.add(started, now=1_000 + n)
            if n % 10 == 0:
                await history.update(history_id, FAILED, now=2_000)


def _orders(page: str) -> list[str]:
    return re.findall(r"<td>(run-\d+)</td>", page)


def test_the_history_pages_from_the_newest_run_and_filters_by_outcome(cockpit: RunningCockpit) -> None:
    cockpit.call(_runs)
    browser = Browser(cockpit.url)
    assert browser.log_in("root", ADMIN_PASSWORD) == (303, "/ui/")
    status, first = browser.request("/ui/history?controller=c")
    assert status == 200 and _orders(first) == [
        f"run-{n:03}" for n in range(RUNS - 1, RUNS - 1 - PAGE_SIZE, -1)
    ]
    older = re.search(r'href="\?controller=c&state=&after=(\d+:\d+)" rel="next"', first)
    assert older
    status, second = browser.request(f"/ui/history?controller=c&after={older[1]}")
    assert status == 200 and _orders(second) == [f"run-{n:03}" for n in range(9, -1, -1)]
    assert 'rel="next"' not in second
    failed = _orders(browser.request("/ui/history?controller=c&state=FAILED")[1])
    assert failed == [f"run-{n:03}" for n in range(RUNS - 10, -1, -10)]
    assert browser.request("/ui/history?controller=c&after=nonsense")[0] == 400
