"""The Inventory editor in a real browser: a workflow edited in the structured form, its graph drawn again from
the draft as it changes (and kept while the draft is invalid), a problem shown under the input it belongs to and
gone once fixed, then stored and deployed to the Controller; the form fits a phone's width and passes the
accessibility audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.browser.conftest import CONTROLLER_ID, Pages, System, log_in
from tests.e2e.browser.test_accessibility import SEVERE

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

DRAFT = """\
title: Made in the form
instructions:
  - TYPE: Execute.Named
    jobName: greet
  - TYPE: Execute.Named
    jobName: greet
jobs: {}
"""


def test_a_workflow_is_edited_in_the_form_previewed_checked_at_the_field_and_deployed(
    system: System, pages: Pages
) -> None:
    page = pages.new()
    log_in(page, system.url)
    page.goto(f"{system.url}/ui/inventory?type=WORKFLOW")
    graph = page.locator("[data-graph]")
    expect(graph).to_have_attribute("data-nodes", "1")  # a new workflow: just its end
    page.fill("#path", "/editor/formed")
    page.fill("#text", DRAFT)
    expect(page.locator("#validation")).to_contain_text(
        "Line 4: $.instructions[0].jobName: unknown job 'greet'"
    )
    expect(page.locator("[data-preview=error]")).to_contain_text("unknown job")
    expect(graph).to_have_attribute("data-nodes", "1")  # the last valid draft's graph stays
    page.get_by_role("button", name="Line 4").click()
    expect(page.locator("#text")).to_be_focused()
    selected = page.evaluate(
        "(t => t.value.slice(t.selectionStart, t.selectionEnd))(document.getElementById('text'))"
    )
    assert selected == "    jobName: greet"

    page.get_by_role("tab", name="Form").click()
    expect(page.get_by_role("tab", name="Form")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Title")).to_have_value("Made in the form")
    page.get_by_role("button", name="Add to jobs").click()
    page.fill("#f-jobs-0-name", "greet")
    page.fill("#f-jobs-0-agentName", "agent")
    page.fill("#f-jobs-0-script", "#!/bin/sh\necho made in the form\n")
    page.fill("#f-jobs-0-parallelism", "many")
    error = page.locator("#err-f-jobs-0-parallelism")
    expect(error).to_have_text("Expected int, got str")
    expect(page.locator("#f-jobs-0-parallelism")).to_have_attribute(
        "aria-describedby", "err-f-jobs-0-parallelism"
    )
    expect(graph).to_have_attribute("data-nodes", "1")

    page.fill("#f-jobs-0-parallelism", "2")
    expect(page.locator("#validation [data-valid]")).to_have_attribute("data-valid", "true")
    expect(error).to_have_text("")
    expect(page.locator("[data-preview=ok]")).to_be_visible()
    expect(graph).to_have_attribute("data-nodes", "3")  # two jobs and the end

    page.get_by_role("button", name="Store and deploy").click()
    expect(page.locator("#notice")).to_contain_text(f"Deployed /editor/formed to {CONTROLLER_ID}")
    wanted = {"path": "/editor/formed", "objectType": "WORKFLOW"}
    stored = system.joc.ok("/joc/api/inventory/read/configuration", wanted)["configuration"]
    job = stored["jobs"]["greet"]
    assert job["executable"]["script"] == "#!/bin/sh\necho made in the form\n", "line breaks as typed"
    assert (job["agentName"], job["parallelism"], stored["title"]) == ("agent", 2, "Made in the form")
    page.get_by_role("tab", name="JSON/YAML").click()
    expect(page.locator("#text")).to_contain_text("echo made in the form")
    page.goto(f"{system.url}/ui/workflow?controller={CONTROLLER_ID}&path=/editor/formed")
    expect(page.locator("[data-graph]")).to_have_attribute("data-nodes", "3")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_form_fits_the_width_and_passes_the_accessibility_audit(
    system: System, browser: object, width: int, tmp_path: Path
) -> None:
    pages = Pages(browser, {"width": width, "height": 800})
    try:
        page = pages.new()
        log_in(page, system.url)
        page.goto(f"{system.url}/ui/inventory?type=WORKFLOW&path=/basics/hello")
        page.get_by_role("tab", name="Form").click()
        page.get_by_role("button", name="Add to order parameters").click()
        expect(page.locator("#f-parameters-1-type")).to_be_visible()
        page.focus("#f-parameters-1-name")
        page.keyboard.type("who")  # a key at a time, as a keyboard user does
        expect(page.locator("#validation [data-valid]")).to_have_attribute("data-valid", "true")
        page.wait_for_timeout(300)  # the graph's layout
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the form is wider than {width} px by {overflow} px"
        page.screenshot(path=tmp_path / f"inventory-form-{width}.png", full_page=True)
        severe = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in SEVERE]
        assert not severe, severe
    finally:
        pages.close()
    assert not pages.errors, f"errors in the browser's console: {pages.errors}"
