"""The History view pages by cursor, newest first, over order runs or tasks, filtered by outcome, workflow,
order, job and day, on every database; a workflow outside the account's folders is refused."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import ControllerRole, HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.controllers import ControllerNode, ControllerRepository
from stellwerk.cockpit.db.repositories.order_history import OrderChanged, OrderHistoryRepository, OrderStarted
from stellwerk.cockpit.db.repositories.task_history import TaskEnded, TaskHistoryRepository, TaskStarted
from stellwerk.cockpit.ui.history import PAGE_SIZE
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit
from tests.cockpit.api.joc import Joc
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
            if n < 3:  # tasks of the first runs: jobs a and b, b failing with exit code 2
                await _tasks(db, history_id, n)


async def _tasks(db: AsyncSession, history_id: int, n: int) -> None:
    tasks = TaskHistoryRepository(db)
    for job, code in (("a", 0), ("b", 2)):
        started = TaskStarted(
            controller_id="c", history_order_id=history_id, order_id=f"run-{n:03}", workflow_path="/f/wf",
            workflow_version_id="v1", job_name=job, position="0", agent_id="agentA", agent_url="https://a",
            start_time=1_000 + n, start_event_id=2_000_000 + 10 * n + code,
        )  # fmt: skip
        task_id = await tasks.add(started, now=1_000 + n)
        severity = HistoryState.FAILED if code else HistoryState.SUCCESSFUL
        await tasks.end(
            task_id, TaskEnded(end_time=1_500 + n, severity=severity, return_code=code), now=1_500
        )


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
    older = re.search(r'href="\?([^"]*after=\d+%3A\d+)" rel="next"', first)
    assert older
    status, second = browser.request(f"/ui/history?{older[1].replace('&amp;', '&')}")
    assert status == 200 and _orders(second) == [f"run-{n:03}" for n in range(9, -1, -1)]
    assert 'rel="next"' not in second
    failed = _orders(browser.request("/ui/history?controller=c&state=FAILED")[1])
    assert failed == [f"run-{n:03}" for n in range(RUNS - 10, -1, -10)]
    assert browser.request("/ui/history?controller=c&after=nonsense")[0] == 400


def test_tasks_and_the_filters(cockpit: RunningCockpit, account: Callable[..., Joc]) -> None:
    cockpit.call(_runs)
    browser = Browser(cockpit.url)
    assert browser.log_in("root", ADMIN_PASSWORD) == (303, "/ui/")
    status, page = browser.request("/ui/history?controller=c&of=tasks")
    assert status == 200 and len(re.findall(r'data-task="\d+"', page)) == 6 and "<td>2</td>" in page
    failed = browser.request("/ui/history?controller=c&of=tasks&state=FAILED&job=b")[1]
    assert re.findall(r"<td>b</td><td>/f/wf</td><td>(run-\d+)</td>", failed) == [
        "run-002",
        "run-001",
        "run-000",
    ]
    assert "data-task" not in browser.request("/ui/history?controller=c&of=tasks&job=c")[1]
    one = browser.request("/ui/history?controller=c&of=tasks&order=run-001")[1]
    assert set(re.findall(r"<td>(run-\d+)</td>", one)) == {"run-001"}
    assert _orders(browser.request("/ui/history?controller=c&workflow=/f/wf&order=run-007")[1]) == ["run-007"]
    assert _orders(browser.request("/ui/history?controller=c&workflow=/other/wf")[1]) == []
    assert _orders(browser.request("/ui/history?controller=c&day=1970-01-02")[1]) == []
    assert len(_orders(browser.request("/ui/history?controller=c&day=1970-01-01")[1])) == PAGE_SIZE
    for bad in ("of=jobs", "day=yesterday", "workflow=relative/wf", "workflow=/f/../wf"):
        assert browser.request(f"/ui/history?controller=c&{bad}")[0] == 400, bad

    orders_view = ("sos:products:controller:view", "sos:products:controller:orders:view")
    account("outsider", permissions=orders_view, folders=("/elsewhere",))
    outsider = Browser(cockpit.url)
    assert outsider.log_in("outsider", "outsider-password") == (303, "/ui/")
    status, page = outsider.request("/ui/history?controller=c")
    assert status == 200 and _orders(page) == []  # the runs are outside its folders
    assert outsider.request("/ui/history?controller=c&workflow=/f/wf")[0] == 403
