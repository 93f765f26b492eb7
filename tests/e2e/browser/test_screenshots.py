"""Every view renders at 1280×800 and at 390 px wide without a console error; `make screenshots` keeps the
pictures in docs/screenshots (STELLWERK_SCREENSHOTS names the folder; without it they go to a temporary one)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import CONTROLLER_ID, Pages, System, log_in
from tests.e2e.browser.conftest import views as all_views

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", VIEWPORTS)
def test_every_view_renders_at_desktop_and_phone_width(
    system: System, browser: object, size: str, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("STELLWERK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    added = system.joc.ok(
        "/joc/api/orders/add",
        {
            "controllerId": CONTROLLER_ID,
            "orders": [
                {"workflowPath": "/coordination/prompt", "orderName": "asking"},
                {"workflowPath": "/basics/hello", "scheduledFor": "now + 3600", "orderName": "later"},
            ],
        },
    )
    prompting = added["orderIds"][0]
    greeted = system.joc.ok(  # finishes at once: its log shows a job's output
        "/joc/api/orders/add",
        {
            "controllerId": CONTROLLER_ID,
            "orders": [{"workflowPath": "/basics/hello", "orderName": "greeted"}],
        },
    )["orderIds"][0]
    pages = Pages(browser, VIEWPORTS[size])
    try:
        page = pages.new()
        page.goto(f"{system.url}/ui/login")
        page.screenshot(path=folder / f"login-{size}.png")
        log_in(page, system.url)
        views = all_views(f"{system.url}/ui", prompting, greeted)
        for name, url in views.items():
            page.goto(url)
            expect(page.locator("main h1")).to_be_visible()
            if name == "order":
                expect(page.locator("#timeline li").first).to_be_visible()
            if name == "log":
                expect(page.locator(".log-view")).to_contain_text("world")
            page.wait_for_timeout(300)  # the graph's layout and the first live update
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} is wider than the {size} viewport by {overflow} px"
            page.screenshot(path=folder / f"{name}-{size}.png", full_page=True)
    finally:
        pages.close()
        system.joc.ok(
            "/joc/api/orders/cancel", {"controllerId": CONTROLLER_ID, "orderIds": added["orderIds"]}
        )
    assert not pages.errors, f"errors in the browser's console: {pages.errors}"
