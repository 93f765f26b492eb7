"""The Daily Plan view with a real Controller: the month calendars show the schedules' projections and which
days are planned; the day's plan is generated, and its orders submitted, moved, cancelled and deleted from the
view, through the API's handlers; bad requests and an account that may only look change nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tests.cockpit.api.agents.conftest import account_on
from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit
from tests.cockpit.api.dailyplan.test_plan_on_controller import greeting
from tests.cockpit.api.dailyplan.test_plan_orders import release, store
from tests.cockpit.api.joc import Joc
from tests.cockpit.backends import SQLITE_ONLY
from tests.cockpit.ui.test_session import Browser

pytestmark = SQLITE_ONLY


def _plan_tonight(joc: Joc) -> str:
    """A schedule starting `greet` at 23:59:58 and 23:59:59 every day; today's date."""
    store(
        joc, "/cal/every-day", "WORKINGDAYSCALENDAR", {"includes": {"weekdays": [{"days": list(range(7))}]}}
    )
    periods = [{"singleStart": "23:59:58"}, {"singleStart": "23:59:59"}]
    schedule = {
        "workflowNames": ["greet"],
        "planOrderAutomatically": True,
        "calendars": [{"calendarName": "every-day", "timeZone": "Etc/UTC", "periods": periods}],
        "orderParameterisations": [{"variables": {"name": "Ada"}}],
    }
    store(joc, "/plans/tonight", "SCHEDULE", schedule)
    release(joc, ("/cal/every-day", "WORKINGDAYSCALENDAR"), ("/plans/tonight", "SCHEDULE"))
    return datetime.now(UTC).date().isoformat()


def _planned(joc: Joc, today: str) -> dict[str, dict[str, Any]]:
    answer = joc.ok("/joc/api/daily_plan/orders", {"dailyPlanDateFrom": today})
    return {item["orderId"]: item for item in answer["plannedOrderItems"]}


def _states(joc: Joc, today: str) -> dict[str, tuple[str, str]]:
    return {
        key: (item["state"]["_text"], item["plannedStartTime"]) for key, item in _planned(joc, today).items()
    }


def _post(browser: Browser, operation: str, *form: tuple[str, str]) -> tuple[int, str]:
    csrf = browser.cookie("stellwerk_csrf") or ""
    return browser.request(f"/ui/dailyplan/{operation}", [("csrf", csrf), *form])


def _day_cell(page: str, day: str) -> str:
    found = re.search(rf'<td class="[^"]*" data-day="{day}"[^>]*>', page)
    assert found, f"no calendar cell for {day}"
    return found.group(0)


def test_the_days_plan_is_generated_submitted_moved_cancelled_and_deleted_from_the_view(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = greeting(running, controller)
    today = _plan_tonight(joc)
    cid = controller.controller_id
    browser = Browser(running.url)
    assert browser.log_in("root", ADMIN_PASSWORD) == (303, "/ui/")

    status, page = browser.request(f"/ui/dailyplan?date={today}")
    assert status == 200 and 'hx-post="/ui/dailyplan/generate"' in page
    cell = _day_cell(page, today)
    assert 'data-projected="2"' in cell and "data-planned" not in cell
    assert page.count('<table class="month"') == 3

    status, answer = _post(browser, "generate", ("controller", cid), ("date", today))
    assert status == 200 and f"Generated the plan of {today}" in answer
    assert "data-planned" in _day_cell(browser.request(f"/ui/dailyplan?date={today}")[1], today)
    status, table = browser.request(f"/ui/dailyplan/table?date={today}")
    first, second = sorted(_planned(joc, today))
    assert status == 200 and table.count('data-state="PLANNED"') == 2 and f'value="{cid}|{first}"' in table

    status, answer = _post(browser, "submit", ("orders", f"{cid}|{first}"))
    assert status == 200 and f"Submitted {first}" in answer
    assert _planned(joc, today)[first]["state"]["_text"] == "SUBMITTED"
    status, answer = _post(browser, "modify", ("orders", f"{cid}|{second}"), ("start", f"{today} 23:59:30"))
    assert status == 200 and "Moved to" in answer, answer
    [moved] = [item for order_id, item in _planned(joc, today).items() if order_id != first]
    assert moved["plannedStartTime"].startswith(f"{today}T23:59:30") and moved["orderId"] in answer
    second = moved["orderId"]
    status, answer = _post(browser, "cancel", ("orders", f"{cid}|{first}"))
    assert status == 200 and f"Cancelled {first}" in answer
    assert _planned(joc, today)[first]["state"]["_text"] == "PLANNED"
    status, answer = _post(browser, "delete", ("orders", f"{cid}|{second}"))
    assert status == 200 and f"Deleted from the plan {second}" in answer
    assert list(_planned(joc, today)) == [first]


def test_bad_requests_and_a_viewer_change_nothing(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = greeting(running, controller)
    today = _plan_tonight(joc)
    cid = controller.controller_id
    joc.ok("/joc/api/daily_plan/orders/generate", {"controllerId": cid, "dailyPlanDates": [today]})
    before = _states(joc, today)
    browser = Browser(running.url)
    assert browser.log_in("root", ADMIN_PASSWORD) == (303, "/ui/")
    status, answer = _post(browser, "submit", ("orders", "no-separator"))
    assert status == 400 and "names no order" in answer
    status, answer = _post(browser, "submit")
    assert status == 400 and "Choose at least one planned order" in answer
    assert _post(browser, "launch", ("orders", f"{cid}|x"))[0] == 404
    status, answer = _post(
        browser, "modify", ("orders", f"{cid}|{next(iter(before))}"), ("start", "tomorrow-ish")
    )
    assert status == 400 and "scheduledFor" in answer, answer
    status, answer = _post(browser, "generate", ("controller", cid), ("date", "2026-13-45"))
    assert status == 400 and "dailyPlanDates" in answer, answer
    forged = browser.request("/ui/dailyplan/submit", [("csrf", "forged"), ("orders", f"{cid}|x")])
    assert forged[0] == 403

    viewer_api = account_on(running, "planviewer", ("sos:products:joc:dailyPlan:view",))
    assert viewer_api.login("planviewer", "planviewer-password").status == 200
    viewer = Browser(running.url)
    assert viewer.log_in("planviewer", "planviewer-password") == (303, "/ui/")
    status, page = viewer.request(f"/ui/dailyplan?date={today}")
    assert status == 200 and "/ui/dailyplan/generate" not in page and 'name="orders"' not in page
    assert _post(viewer, "generate", ("controller", cid), ("date", today))[0] == 403
    assert _post(viewer, "submit", ("orders", f"{cid}|{next(iter(before))}"))[0] == 403
    assert _states(joc, today) == before
