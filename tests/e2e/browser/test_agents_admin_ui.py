"""The Agents and Administration views in a real browser over a running system: the Agent the Controller's
configuration names, shown coupled though not in the Cockpit's inventory; once stored, disabled and enabled again
from its toolbar with the live block following; an account added through
the form appearing in the list without a reload, then blocked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser.conftest import AGENT, CONTROLLER_ID, Pages, System, log_in

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def test_an_agent_is_disabled_and_enabled_from_the_agents_view(system: System, pages: Pages) -> None:
    page = pages.new()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, system.url)
    page.get_by_role("link", name="Agents", exact=True).click()
    expect(page.locator(f'li[data-unlisted-agent="{AGENT}"]')).to_contain_text("coupled")
    url = f"https://127.0.0.1:{system.installation.ports[AGENT]}"
    stored = {"agentId": AGENT, "agentName": AGENT, "url": url}
    system.joc.ok("/joc/api/agents/inventory/store", {"controllerId": CONTROLLER_ID, "agents": [stored]})
    agent = page.locator(f'article[data-agent="{AGENT}"]')  # the live update shows it stored
    expect(agent.locator("[data-agent-state]")).to_have_attribute("data-agent-state", "COUPLED")
    expect(
        agent.get_by_role("button", name="Reset")
    ).to_be_enabled()  # not pressed: other tests use the Agent
    try:
        agent.get_by_role("button", name="Disable").click()
        expect(page.locator("#notice")).to_contain_text(f"Disabled the Agent {AGENT}")
        expect(agent.locator("[data-disabled]")).to_be_visible()  # the live update shows it
        agent.get_by_role("button", name="Enable").click()
        expect(page.locator("#notice")).to_contain_text(f"Enabled the Agent {AGENT}")
        expect(agent.locator("[data-disabled]")).to_have_count(0)
    finally:
        system.joc.ok(
            "/joc/api/agents/inventory/enable", {"controllerId": CONTROLLER_ID, "agentIds": [AGENT]}
        )


def test_an_account_is_added_and_blocked_in_the_administration_view(system: System, pages: Pages) -> None:
    page = pages.new()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, system.url)
    page.get_by_role("link", name="Administration", exact=True).click()
    expect(page.locator("main h1")).to_have_text("Administration")
    page.get_by_label("Account name").fill("carla")
    page.get_by_label("Password").fill("carla-secret-1")
    page.get_by_role("button", name="Add account").click()
    expect(page.locator("#notice")).to_contain_text("Added the account carla")
    row = page.locator('tr[data-account="carla"]')
    expect(row).to_be_visible()
    row.get_by_role("button", name="Block").click()
    expect(page.locator("#notice")).to_contain_text("Blocked carla")
    expect(page.locator('tr[data-account="carla"][data-blocked]')).to_be_visible()
    expect(page.locator('li[data-blocked-name="carla"]')).to_be_visible()
