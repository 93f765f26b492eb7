"""The log pages, on every database: a long log (thousands of chunks, stored through the repository the History
service writes with) opens at its tail in a small page, "Earlier" leads back block by block to its start, a
running log follows what comes after, the download is the whole log byte for byte, and the accounts and ids the
API's log readers refuse are refused here too."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from stellwerk.cockpit.api.orders_common import VIEW
from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import ControllerRole, HistoryState
from stellwerk.cockpit.db.repositories.controllers import ControllerNode, ControllerRepository
from stellwerk.cockpit.db.repositories.logs import LogRepository
from stellwerk.cockpit.db.repositories.order_history import OrderHistoryRepository, OrderStarted
from stellwerk.cockpit.db.repositories.task_history import TaskEnded, TaskHistoryRepository, TaskStarted
from stellwerk.cockpit.ui.logs import BLOCK_BYTES, LATER_CHUNKS
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import log_line
from tests.cockpit.backends import SQLITE_ONLY
from tests.cockpit.ui.test_session import Browser

pytestmark = SQLITE_ONLY

CHUNKS = 3000
T0 = 1_767_225_600_000
ORDER_ID = "#2026-01-01#T1-long"
QUOTED_ID = urllib.parse.quote(ORDER_ID, safe="")
STARTED_LINE = "2026-01-01 00:00:00.000+0000 OrderStarted 0\n"


def chunk_text(n: int) -> str:
    """A chunk of job output, with characters HTML must escape and one that UTF-8 writes in two bytes."""
    return "".join(f"line {n:05}.{i:02} <b>&amp; 'quoted' \"ü\"\n" for i in range(12))


WHOLE_OUTPUT = "".join(chunk_text(n) for n in range(CHUNKS))


class LongRun:
    history_id = 0
    task_id = 0


async def _long_run(cockpit: Cockpit) -> LongRun:
    """An order run of /f/wf whose running task wrote `CHUNKS` chunks after the order's first log entry."""
    run = LongRun()
    async with cockpit.database.session() as db:
        node = ControllerNode(controller_id="c", role=ControllerRole.STANDALONE, url="https://127.0.0.1:9")
        await ControllerRepository(db).register([node], 1)
        started = OrderStarted(
            controller_id="c", order_id=ORDER_ID, workflow_path="/f/wf", workflow_version_id="v1",
            start_time=T0, start_event_id=1, position="0",
        )  # fmt: skip
        run.history_id = await OrderHistoryRepository(db).add(started, T0)
        task = TaskStarted(
            controller_id="c", history_order_id=run.history_id, order_id=ORDER_ID, workflow_path="/f/wf",
            workflow_version_id="v1", job_name="chatty", position="0", agent_id="agentA",
            agent_url="https://agent", start_time=T0, start_event_id=2,
        )  # fmt: skip
        run.task_id = await TaskHistoryRepository(db).add(task, T0)
        logs = LogRepository(db)
        await logs.append(run.history_id, log_line("OrderStarted", ORDER_ID), T0)
        for n in range(CHUNKS):
            await logs.append(run.history_id, chunk_text(n), T0, run.task_id)
    return run


def _blocks(fragment: str) -> str:
    return "".join(
        html.unescape(text) for text in re.findall(r'<pre class="log-block"[^>]*>(.*?)</pre>', fragment, re.S)
    )


def _before(fragment: str) -> str | None:
    found = re.search(r'data-before="(\d+)"', fragment)
    return found[1] if found else None


def _download(browser: Browser, path: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(browser.cookies))
    try:
        with opener.open(f"{browser.url}{path}", timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _root(cockpit: RunningCockpit) -> Browser:
    browser = Browser(cockpit.url)
    assert browser.log_in("root", ADMIN_PASSWORD) == (303, "/ui/")
    return browser


def test_a_long_log_opens_at_its_tail_and_earlier_blocks_lead_back_to_its_start(
    cockpit: RunningCockpit,
) -> None:
    run = cockpit.call(_long_run)
    browser = _root(cockpit)
    status, first = browser.request(f"/ui/logs/task?controller=c&id={run.task_id}")
    assert status == 200 and "Log of job chatty" in first
    assert len(WHOLE_OUTPUT.encode()) > 20 * BLOCK_BYTES
    assert len(first.encode()) < 2 * BLOCK_BYTES  # the tail only (escaped), not the megabytes before it
    tail = _blocks(first)
    assert WHOLE_OUTPUT.endswith(tail) and len(tail.encode()) <= BLOCK_BYTES
    assert chunk_text(0) not in tail and "(start of the log)" not in first

    blocks = _back_to_the_start(browser, f"/ui/logs/task/earlier?controller=c&id={run.task_id}", first)
    assert "".join(blocks) == WHOLE_OUTPUT and blocks[-1] == tail
    assert len(blocks) > 20 and all(len(block.encode()) <= BLOCK_BYTES for block in blocks)


def _back_to_the_start(browser: Browser, earlier: str, page: str) -> list[str]:
    """The blocks of the page and those Earlier loads before them, up to the start of the log, in log order."""
    blocks, fragment = [_blocks(page)], page
    while (before := _before(fragment)) is not None:
        status, fragment = browser.request(f"{earlier}&before={before}")
        assert status == 200 and _blocks(fragment)
        blocks.insert(0, _blocks(fragment))
    assert "(start of the log)" in fragment
    return blocks


def test_the_download_is_the_whole_log_byte_for_byte(cockpit: RunningCockpit) -> None:
    run = cockpit.call(_long_run)
    browser = _root(cockpit)
    status, headers, body = _download(browser, f"/ui/logs/task/download?controller=c&id={run.task_id}")
    assert status == 200 and body == WHOLE_OUTPUT.encode()
    assert headers["content-type"].startswith("text/plain")
    assert (
        headers["content-disposition"]
        == f'attachment; filename="sos-2026-01-01-T1-long-{run.task_id}.task.log"'
    )
    status, headers, body = _download(browser, f"/ui/logs/order/download?controller=c&order={QUOTED_ID}")
    assert status == 200 and body == (STARTED_LINE + WHOLE_OUTPUT).encode()
    assert f"-{run.history_id}.order.log" in headers["content-disposition"]


def test_the_history_leads_to_the_log_of_a_run_and_its_jobs(cockpit: RunningCockpit) -> None:
    run = cockpit.call(_long_run)
    browser = _root(cockpit)
    history = browser.request("/ui/history?controller=c")[1]
    assert f'href="/ui/logs/order?controller=c&id={run.history_id}"' in history
    status, page = browser.request(f"/ui/logs/order?controller=c&id={run.history_id}")
    assert status == 200 and f"Log of order {ORDER_ID}" in page
    assert f'href="/ui/logs/task?controller=c&id={run.task_id}"' in page
    assert len(page.encode()) < 2 * BLOCK_BYTES
    whole = _back_to_the_start(browser, f"/ui/logs/order/earlier?controller=c&id={run.history_id}", page)
    assert "".join(whole) == STARTED_LINE + WHOLE_OUTPUT
    status, page = browser.request(
        f"/ui/logs/output?controller=c&id={run.history_id}"
    )  # its jobs' output alone
    assert status == 200 and f"Job output of order {ORDER_ID}" in page
    output = _back_to_the_start(browser, f"/ui/logs/output/earlier?controller=c&id={run.history_id}", page)
    assert "".join(output) == WHOLE_OUTPUT


async def _write(cockpit: Cockpit, run: LongRun, text: str) -> None:
    async with cockpit.database.session() as db:
        await LogRepository(db).append(run.history_id, text, T0, run.task_id)


async def _end(cockpit: Cockpit, run: LongRun) -> None:
    async with cockpit.database.session() as db:
        ended = TaskEnded(end_time=T0 + 1, severity=HistoryState.SUCCESSFUL, return_code=0)
        await TaskHistoryRepository(db).end(run.task_id, ended, T0 + 1)


def test_a_running_log_follows_what_comes_after_until_the_task_ends(cockpit: RunningCockpit) -> None:
    run = cockpit.call(_long_run)
    browser = _root(cockpit)
    page = browser.request(f"/ui/logs/task?controller=c&id={run.task_id}")[1]
    after = re.search(r'class="log-follow" hx-get="([^"]+)"', page)
    assert after and 'hx-trigger="every 2s"' in page
    status, nothing_new = browser.request(html.unescape(after[1]))
    assert (
        status == 200 and _blocks(nothing_new) == "" and html.unescape(after[1]) in html.unescape(nothing_new)
    )

    cockpit.call(lambda c: _write(c, run, "one more line\n"))
    new = browser.request(html.unescape(after[1]))[1]
    assert _blocks(new) == "one more line\n"
    following = re.search(r'class="log-follow" hx-get="([^"]+)"', new)
    assert following and following[1] != after[1]

    cockpit.call(lambda c: _write(c, run, "the last line\n"))
    cockpit.call(lambda c: _end(c, run))
    last = browser.request(html.unescape(following[1]))[1]
    assert _blocks(last) == "the last line\n" and "log-follow" not in last
    assert "log-follow" not in browser.request(f"/ui/logs/task?controller=c&id={run.task_id}")[1]


def test_accounts_without_the_folder_and_unknown_logs_are_refused(
    cockpit: RunningCockpit, account: Callable[..., Joc]
) -> None:
    run = cockpit.call(_long_run)
    account("outsider", permissions=(VIEW,), folders=("/other",))
    outsider = Browser(cockpit.url)
    assert outsider.log_in("outsider", "outsider-password") == (303, "/ui/")
    for path in (
        f"/ui/logs/task?controller=c&id={run.task_id}",
        f"/ui/logs/task/earlier?controller=c&id={run.task_id}&before=999999999",
        f"/ui/logs/task/later?controller=c&id={run.task_id}&after=0",
        f"/ui/logs/order?controller=c&id={run.history_id}",
        f"/ui/logs/order?controller=c&order={QUOTED_ID}",
    ):
        status, page = outsider.request(path)
        assert status == 403 and "line 0" not in page, path
    for path in (
        f"/ui/logs/task/download?controller=c&id={run.task_id}",
        f"/ui/logs/order/download?controller=c&id={run.history_id}",
    ):
        status, _, body = _download(outsider, path)
        assert status == 403 and b"line 0" not in body, path

    root = _root(cockpit)
    for path in (
        "/ui/logs/task?controller=c&id=999999999",
        "/ui/logs/order?controller=c&id=999999999",
        "/ui/logs/order?controller=c&order=no-such-order",
        f"/ui/logs/task?controller=other&id={run.task_id}",
        f"/ui/logs/nothing?controller=c&id={run.task_id}",
    ):
        assert root.request(path)[0] == 404, path
    status, _, _ = _download(root, "/ui/logs/task/download?controller=c&id=999999999")
    assert status == 404
    assert root.request("/ui/logs/task?controller=c&id=many")[0] == 400


def test_a_follower_far_behind_catches_up_a_batch_at_a_time(cockpit: RunningCockpit) -> None:
    run = cockpit.call(_long_run)
    browser = _root(cockpit)
    status, first = browser.request(f"/ui/logs/task/later?controller=c&id={run.task_id}&after=0")
    assert status == 200 and _blocks(first) == "".join(chunk_text(n) for n in range(LATER_CHUNKS))
    assert 'hx-trigger="load"' in first  # more is waiting: fetched at once, not in 2 s
    following = re.search(r'class="log-follow" hx-get="([^"]+)"', first)
    assert following
    second = browser.request(html.unescape(following[1]))[1]
    assert _blocks(second) == "".join(chunk_text(n) for n in range(LATER_CHUNKS, 2 * LATER_CHUNKS))
