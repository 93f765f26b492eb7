"""A long job log in a real browser: the History leads to the run's log, the job's log opens at its tail, the
"Earlier" button puts the blocks before it above, up to the start, and the download link names the file."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.cockpit.api.dailyplan.test_plan_orders import store
from tests.e2e.browser.conftest import CONTROLLER_ID, Pages, System, log_in

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

LINES = 40_000  # about 1.3 MB of output: some 20 blocks
CHATTY = {
    "instructions": [{"TYPE": "Execute.Named", "jobName": "count", "label": "count"}],
    "jobs": {
        "count": {
            "agentName": "agent",
            "executable": {
                "TYPE": "ShellScriptExecutable",
                "script": f"#!/bin/sh\nseq -f 'counted line %06g of the long log' 1 {LINES}\n",
            },
        }
    },
}

HTMX_PROCESSED_EARLIER = """() => {
    const button = document.querySelector('.log-earlier button');
    return button === null || button['htmx-internal-data'] !== undefined;
}"""


def _finished(system: System, order_id: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = system.joc.post("/joc/api/order/log", {"controllerId": CONTROLLER_ID, "orderId": order_id})
        if answer.status == 200 and answer.body["complete"]:
            return
        time.sleep(0.2)
    raise AssertionError(f"{order_id} did not finish within {seconds} s")


def test_a_long_log_opens_at_its_tail_and_earlier_blocks_come_above(system: System, pages: Pages) -> None:
    store(system.joc, "/logs/chatty", "WORKFLOW", CHATTY)
    system.joc.ok(
        "/joc/api/inventory/deployment/deploy",
        {
            "controllerIds": [CONTROLLER_ID],
            "store": {
                "draftConfigurations": [{"configuration": {"path": "/logs/chatty", "objectType": "WORKFLOW"}}]
            },
        },
    )
    order_id = system.joc.ok(
        "/joc/api/orders/add",
        {"controllerId": CONTROLLER_ID, "orders": [{"workflowPath": "/logs/chatty", "orderName": "chatty"}]},
    )["orderIds"][0]
    _finished(system, order_id)

    page = pages.new()
    log_in(page, system.url)
    page.goto(f"{system.url}/ui/history?controller={CONTROLLER_ID}")
    page.get_by_role("link", name=f"Log of {order_id}").click()
    expect(page.locator("main h1")).to_contain_text(f"Log of order {order_id}")
    page.locator("[data-task]").first.click()
    expect(page.locator("main h1")).to_contain_text("Log of job count")
    log = page.locator(".log-view")
    expect(log).to_contain_text(f"counted line {LINES:06} of the long log")
    expect(log).not_to_contain_text("counted line 000001 ")
    download = page.locator("[data-download]")
    expect(download).to_have_attribute("download", re.compile(r"^sos-[\w.-]+-chatty-\d+\.task\.log$"))
    blocks = page.locator(".log-block")
    expect(blocks).to_have_count(1)
    earlier = page.get_by_role("button", name="Earlier")
    for clicked in range(1, 100):
        # htmx wires a swapped-in button up a moment after it appears: a key pressed before is lost.
        page.wait_for_function(HTMX_PROCESSED_EARLIER)
        earlier.focus()
        page.keyboard.press("Enter")
        expect(blocks).to_have_count(clicked + 1)
        if page.locator(".log-start").count():
            break
    expect(page.locator(".log-start")).to_be_visible()
    expect(earlier).to_have_count(0)
    text = "".join(blocks.all_text_contents())
    assert text.splitlines() == [f"counted line {n:06} of the long log" for n in range(1, LINES + 1)]

    page.goto(f"{system.url}/ui/order?controller={CONTROLLER_ID}&id={quote(order_id, safe='')}")
    shown = page.locator("#output li")
    expect(shown.last).to_have_text(f"counted line {LINES:06} of the long log")
    first_shown = _numbers(shown.all_text_contents())[0]
    assert first_shown > 1  # the tail only
    page.locator("section", has=page.locator("#output")).get_by_role("button", name="Earlier").click()
    block = page.locator("section .log-block").first
    expect(block).to_be_visible()
    before = _numbers(block.inner_text().splitlines())
    assert before and first_shown - before[-1] in (1, 2)  # (2: a line cut between two chunks)


def _numbers(lines: list[str]) -> list[int]:
    """The numbers of the whole lines the job wrote."""
    return [
        int(found[1])
        for line in lines
        if (found := re.fullmatch(r"counted line (\d{6}) of the long log", line))
    ]
