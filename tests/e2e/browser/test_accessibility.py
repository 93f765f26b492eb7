"""Every view passes an automatic accessibility audit (axe-core, in the real Chromium): no violation of impact
"moderate" or worse (labels, names, contrast, landmarks, heading order, ARIA use), logged in as root with an
order in place. Keyboard use is the browser's own: every control is a native link, button or form field."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.browser.conftest import CONTROLLER_ID, Pages, System, log_in, views

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

SEVERE = {"moderate", "serious", "critical"}


def test_every_view_passes_the_accessibility_audit(system: System, pages: Pages) -> None:
    added = system.joc.ok(
        "/joc/api/orders/add",
        {
            "controllerId": CONTROLLER_ID,
            "orders": [{"workflowPath": "/coordination/prompt", "orderName": "a11y"}],
        },
    )
    axe = Axe()
    found: dict[str, list[str]] = {}
    try:
        page = pages.new()
        page.goto(f"{system.url}/ui/login")
        found["login"] = _severe(axe, page)
        log_in(page, system.url)
        for name, url in views(f"{system.url}/ui", added["orderIds"][0]).items():
            page.goto(url)
            page.wait_for_timeout(300)  # the graph's layout and the first live update
            found[name] = _severe(axe, page)
    finally:
        system.joc.ok(
            "/joc/api/orders/cancel", {"controllerId": CONTROLLER_ID, "orderIds": added["orderIds"]}
        )
    failing = {name: problems for name, problems in found.items() if problems}
    assert not failing, f"accessibility violations: {failing}"


def _severe(axe: Axe, page: object) -> list[str]:
    results = axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {len(violation['nodes'])}× e.g. {violation['nodes'][0]['target']}"
        for violation in results.response["violations"]
        if violation["impact"] in SEVERE
    ]
