"""The Cockpit in a real browser over a running system: logging in, the live Product Status panel, adding an
order and watching it without reloading, suspending and resuming, answering a prompt, the orders list patched
live, the Daily Plan, an account without permission that sees no controls and is refused by the server, and the
Controller tile following the Controller's process."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.cockpit.api.dailyplan.test_plan_orders import release, store
from tests.e2e.browser.conftest import CONTROLLER_ID, Pages, System, log_in
from tests.e2e.nodes import CONTROLLER

SERVICE = {"identityServiceName": "JOC"}

# aiohttp's session of the seeding step may be collected during a test: its unclosed-connection warning is not ours.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def _add_order(page: Any, system: System, workflow: str, start: str = "") -> str:
    """Adds an order through the form; the order's page is open after; returns its id."""
    page.goto(f"{system.url}/ui/orders/add?controller={CONTROLLER_ID}&workflow={quote(workflow)}")
    if start:
        page.fill("#scheduledFor", start)
    page.click("main form button[type=submit]")
    try:
        page.wait_for_url("**/ui/order?**")
    except Exception as error:
        raise AssertionError(page.locator("#notice").inner_text()) from error
    order_id: str = page.locator(".order-id").inner_text()
    page.evaluate("window.stillTheSamePage = true")
    return order_id


def _run(work: Coroutine[Any, Any, Any]) -> Any:
    """Runs a coroutine of the node helpers beside Playwright's sync API, which holds this thread's loop."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, work).result()


def _state(page: Any) -> Any:
    return page.locator("#order-state [data-order-state]")


def _not_reloaded(page: Any) -> None:
    assert page.evaluate("window.stillTheSamePage === true"), "the page was reloaded"


def test_login_shows_the_dashboard_with_every_instance_green(system: System, pages: Pages) -> None:
    page = pages.new()
    log_in(page, system.url)
    tiles = page.locator(".tile")
    expect(tiles.filter(has_text="Controller")).to_have_count(1)
    kinds = {tiles.nth(n).get_attribute("data-kind") for n in range(tiles.count())}
    assert kinds == {"Cockpit", "Database", "Controller", "Agent"}
    page.wait_for_function(
        "[...document.querySelectorAll('.tile, .line')].every(e => e.dataset.colour === 'green')"
    )
    expect(page.get_by_role("link", name="Orders", exact=True)).to_be_visible()


EDITED = """\
instructions:
  - TYPE: Execute.Named
    jobName: shout
    label: shout
jobs:
  shout:
    agentName: agent
    executable:
      TYPE: ShellScriptExecutable
      script: "#!/bin/sh\\necho made in the editor\\nsleep 3\\n"
"""


def test_a_workflow_written_in_the_editor_is_validated_deployed_and_runs(
    system: System, pages: Pages
) -> None:
    page = pages.new()
    log_in(page, system.url)
    page.get_by_role("link", name="Inventory", exact=True).click()
    page.get_by_role("link", name="Editor", exact=True).click()
    page.wait_for_url("**/ui/inventory")
    page.fill("#path", "/editor/shout")
    page.fill("#text", "instructions: [")
    expect(page.locator("#validation [data-valid]")).to_have_attribute("data-valid", "false")
    page.fill("#text", "instructions:\n  - TYPE: Execute.Named\n    jobName: missing\njobs: {}\n")
    expect(page.locator("#validation")).to_contain_text("missing")
    page.fill("#text", EDITED)
    expect(page.locator("#validation [data-valid]")).to_have_attribute("data-valid", "true")
    page.get_by_role("button", name="Store and deploy").click()
    expect(page.locator("#notice")).to_contain_text(f"Deployed /editor/shout to {CONTROLLER_ID}")
    _add_order(page, system, "/editor/shout")
    expect(page.locator("#output")).to_contain_text("made in the editor")


def test_an_added_order_changes_state_and_its_log_grows_without_reloading(
    system: System, pages: Pages
) -> None:
    page = pages.new()
    log_in(page, system.url)
    _add_order(page, system, "/basics/sleep")
    expect(page.locator("#output")).to_contain_text("going to sleep")
    expect(_state(page)).to_have_attribute("data-order-state", "WAITING")  # the Sleep instruction, 3 s
    expect(page.locator("#output")).to_contain_text("awake again", timeout=20_000)
    expect(page.locator("#timeline")).to_contain_text("OrderFinished")
    _not_reloaded(page)


def test_an_order_is_suspended_and_resumed(system: System, pages: Pages) -> None:
    page = pages.new()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, system.url)
    _add_order(page, system, "/basics/sleep", start="now + 3600")
    expect(_state(page)).to_have_attribute("data-order-state", "SCHEDULED")
    page.get_by_role("button", name="Suspend").click()
    expect(page.locator("#notice")).to_contain_text("Suspended")
    expect(_state(page)).to_have_attribute("data-order-state", "SUSPENDED")
    page.get_by_role("button", name="Resume").click()
    expect(_state(page)).to_have_attribute("data-order-state", "SCHEDULED")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#order-state")).to_contain_text("no longer on")
    _not_reloaded(page)


def test_a_prompt_is_answered(system: System, pages: Pages) -> None:
    page = pages.new()
    log_in(page, system.url)
    _add_order(page, system, "/coordination/prompt")
    expect(_state(page)).to_have_attribute("data-order-state", "PROMPTING")
    expect(page.locator(".question")).to_have_text("Deploy now?")
    page.get_by_role("button", name="Answer prompt").click()
    expect(page.locator("#output")).to_contain_text("deployed")
    _not_reloaded(page)


def test_the_orders_list_shows_a_new_order_without_reloading(system: System, pages: Pages) -> None:
    page = pages.new()
    log_in(page, system.url)
    page.goto(f"{system.url}/ui/orders?controller={CONTROLLER_ID}&state=PENDING")
    page.evaluate("window.stillTheSamePage = true")
    added = system.joc.ok(
        "/joc/api/orders/add",
        {
            "controllerId": CONTROLLER_ID,
            "orders": [{"workflowPath": "/basics/hello", "scheduledFor": "never"}],
        },
    )
    order_id = added["orderIds"][0]
    row = page.locator(f"tr[data-order='{order_id}']")
    expect(row).to_have_attribute("data-state", "PENDING")
    system.joc.ok("/joc/api/orders/cancel", {"controllerId": CONTROLLER_ID, "orderIds": [order_id]})
    expect(row).to_have_count(0)
    _not_reloaded(page)


def test_an_account_without_permission_sees_no_controls_and_is_refused(system: System, pages: Pages) -> None:
    joc = system.joc
    joc.ok("/joc/api/iam/role/store", {**SERVICE, "roleName": "watcher"})
    joc.ok(
        "/joc/api/iam/permissions/store",
        {
            **SERVICE, "roleName": "watcher", "controllerId": "",
            "permissions": [{"permissionPath": "sos:products:controller:view"}],
        },
    )  # fmt: skip
    joc.ok(
        "/joc/api/iam/account/store",
        {**SERVICE, "accountName": "watcher", "password": "watcher-pw", "roles": ["watcher"]},
    )
    added = joc.ok(
        "/joc/api/orders/add",
        {
            "controllerId": CONTROLLER_ID,
            "orders": [{"workflowPath": "/basics/hello", "scheduledFor": "never"}],
        },
    )
    order_id = added["orderIds"][0]
    page = pages.new()
    log_in(page, system.url, "watcher", "watcher-pw")
    expect(page.locator(".tile").first).to_be_visible()
    assert [page.locator("nav[aria-label=Views] a").all_inner_texts()] == [["Dashboard"]]
    assert page.locator("main button").count() == 0
    assert page.locator("details.menu").count() >= 1  # the tiles' menus offer links only
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "stellwerk_csrf")
    suspend = page.request.post(
        f"{system.url}/ui/orders/suspend",
        form={"controller": CONTROLLER_ID, "orderIds": order_id},
        headers={"X-CSRF-Token": csrf},
    )
    assert suspend.status == 403
    assert page.request.get(f"{system.url}/ui/orders?controller={CONTROLLER_ID}").status == 403
    without_csrf = page.request.post(
        f"{system.url}/ui/orders/suspend", form={"controller": CONTROLLER_ID, "orderIds": order_id}
    )
    assert without_csrf.status == 403
    watcher = type(joc)(system.url)
    assert watcher.login("watcher", "watcher-pw").status == 200
    refused = watcher.post("/joc/api/orders/suspend", {"controllerId": CONTROLLER_ID, "orderIds": [order_id]})
    assert refused.status == 403
    joc.ok("/joc/api/orders/cancel", {"controllerId": CONTROLLER_ID, "orderIds": [order_id]})


def test_the_daily_plan_shows_the_days_planned_orders_and_its_progress_and_submits_them(
    system: System, pages: Pages
) -> None:
    joc = system.joc
    every_day = {"includes": {"weekdays": [{"days": [0, 1, 2, 3, 4, 5, 6]}]}}
    store(joc, "/cal/every-day", "WORKINGDAYSCALENDAR", every_day)
    periods = [{"singleStart": "23:59:58"}, {"singleStart": "23:59:59"}]  # later today: planned, not run
    schedule = {
        "workflowNames": ["hello"],
        "planOrderAutomatically": False,
        "calendars": [{"calendarName": "every-day", "timeZone": "Etc/UTC", "periods": periods}],
    }
    store(joc, "/plans/tonight", "SCHEDULE", schedule)
    release(joc, ("/cal/every-day", "WORKINGDAYSCALENDAR"), ("/plans/tonight", "SCHEDULE"))
    today = datetime.now(UTC).date().isoformat()
    joc.ok("/joc/api/daily_plan/orders/generate", {
        "controllerId": CONTROLLER_ID, "dailyPlanDates": [today], "includeNonAutoPlannedOrders": True,
    })  # fmt: skip
    page = pages.new()
    log_in(page, system.url)
    expect(page.locator("#plan .progress-box")).to_have_attribute("data-total", "2")
    page.get_by_role("link", name="Daily Plan", exact=True).click()
    page.wait_for_url("**/ui/dailyplan")
    rows = page.locator("table.plan tbody tr[data-order]")
    expect(rows).to_have_count(2)
    assert {rows.nth(n).get_attribute("data-state") for n in range(2)} == {"PLANNED"}
    expect(page.locator("table.plan")).to_contain_text("/plans/tonight")
    expect(page.locator(f'table.month td[data-day="{today}"]')).to_have_attribute("data-planned", "")

    # Submitted and cancelled again from the view: the table reloads after each operation.
    first = rows.first
    first.get_by_role("checkbox").check()
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator("#notice")).to_contain_text("Submitted")
    expect(rows.first).to_have_attribute("data-state", "SUBMITTED")
    rows.first.get_by_role("checkbox").check()
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.locator("#notice")).to_contain_text("Cancelled")
    expect(rows.first).to_have_attribute("data-state", "PLANNED")


def test_the_controller_tile_turns_red_when_its_process_is_killed_and_green_when_it_returns(
    system: System, pages: Pages
) -> None:
    page = pages.new()
    log_in(page, system.url)
    page.evaluate("window.stillTheSamePage = true")
    controller_tile = page.locator(".tile[data-kind=Controller]")
    expect(controller_tile).to_have_attribute("data-colour", "green")
    controller = system.nodes[CONTROLLER]
    _run(controller.kill())
    expect(controller_tile).to_have_attribute("data-colour", "red", timeout=20_000)
    expect(page.locator(".tile[data-kind=Agent]")).not_to_have_attribute("data-colour", "green")
    _run(controller.start())
    expect(controller_tile).to_have_attribute("data-colour", "green", timeout=30_000)
    expect(page.locator(".tile[data-kind=Agent]")).to_have_attribute("data-colour", "green", timeout=30_000)
    _not_reloaded(page)
