"""The Daily Plan of issue #5 end to end, with a real Controller and Agent: a schedule on a working-day calendar;
the Daily Plan's run plans tomorrow's orders and submits them; they start at their planned times; the history
shows when each started against its plan, and `/metrics` counts their start lateness. A copy of a run order
is submitted and runs too.

The shortened clock: the Daily Plan's run gets the Cockpit with a clock one day behind (`Cockpit.clock` is
injectable), so that its "tomorrow" is the real today, and tomorrow's planned start, a time of day a few seconds
from now, is a real instant a few seconds away. Only the Daily Plan's idea of the date is shifted: the Controller
and the Agent start the orders by the real clock, and the history and the lateness are real times."""

from __future__ import annotations

import dataclasses
import re
import urllib.request
from datetime import UTC, date, datetime, timedelta
from typing import Any

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.services.dailyplan.service import DailyPlanService, RunReport
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.dailyplan.test_plan_on_controller import LEAD_SECONDS, greeting, hhmmss, wait_until
from tests.cockpit.api.dailyplan.test_plan_orders import release, store
from tests.cockpit.api.dailyplan.test_plan_service import plan_days

DAY_MS = 24 * 3600 * 1000
TOLERANCE_MS = 2000  # how late an order may start on a busy machine (the bench measures the real figure)


def js7_weekday(day: date) -> int:
    """JS7 calendars number the weekdays from Sunday = 0."""
    return day.isoweekday() % 7


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def item_list(running: RunningCockpit, controller_id: str) -> list[dict[str, Any]]:
    async def items(cockpit: Cockpit) -> list[dict[str, Any]]:
        return await cockpit.proxies.get(controller_id).items()

    return running.call(items)


def test_tomorrows_plan_is_submitted_and_starts_on_time(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = greeting(running, controller)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD_SECONDS)
    tomorrow = start.date()  # of the Daily Plan, whose clock is a day behind
    today, after_tomorrow = tomorrow - timedelta(days=1), tomorrow + timedelta(days=1)
    working_days = sorted({0, 1, 2, 3, 4, 5, 6} - {js7_weekday(today), js7_weekday(after_tomorrow)})
    store(joc, "/cal/working-days", "WORKINGDAYSCALENDAR", {"includes": {"weekdays": [{"days": working_days}]}})  # fmt: skip
    schedule = {
        "workflowNames": ["greet"],
        "planOrderAutomatically": True,
        "calendars": [
            {
                "calendarName": "working-days",
                "timeZone": "Etc/UTC",
                "periods": [{"singleStart": hhmmss(start)}],
            }
        ],
        "orderParameterisations": [
            {"orderName": name, "variables": {"name": name}} for name in ("ada", "bob")
        ],  # fmt: skip
    }
    store(joc, "/plans/tomorrow", "SCHEDULE", schedule)
    release(joc, ("/cal/working-days", "WORKINGDAYSCALENDAR"), ("/plans/tomorrow", "SCHEDULE"))
    running.call(plan_days(3, 3))
    cid = controller.controller_id

    def a_day_behind(cockpit: Cockpit) -> Any:
        behind = dataclasses.replace(cockpit, clock=lambda: cockpit.clock() - DAY_MS)
        return DailyPlanService(behind).run_once([cid])

    assert running.call(a_day_behind) == RunReport(planned=2, submitted=2)
    calendars = [item for item in item_list(running, cid) if item["TYPE"] == "Calendar"]
    assert [(c["path"], c.get("dateOffset", 0)) for c in calendars] == [("dailyPlan", 0)], (
        "for Cycles: the plan's day"
    )
    assert datetime.now(UTC) < start, f"planning took longer than {LEAD_SECONDS} s"

    def planned() -> list[dict[str, Any]]:
        body = {"dailyPlanDateFrom": today.isoformat(), "dailyPlanDateTo": after_tomorrow.isoformat()}
        return list(joc.ok("/joc/api/daily_plan/orders", body)["plannedOrderItems"])

    plan = planned()
    assert [item["orderId"][:13] for item in plan] == [f"#{tomorrow.isoformat()}#P"] * 2, "working days only"
    assert {item["state"]["_text"] for item in plan} == {"SUBMITTED"}
    assert {ms(item["plannedStartTime"]) for item in plan} == {int(start.timestamp() * 1000)}

    finished = wait_until(lambda: (items := planned()) and all(i["state"]["_text"] == "FINISHED" for i in items) and items)  # fmt: skip
    history = {entry["orderId"]: entry for entry in joc.ok("/joc/api/orders/history", {"controllerId": cid})["history"]}  # fmt: skip
    for item in finished:
        run = history[item["orderId"]]
        lateness = ms(run["startTime"]) - ms(run["plannedTime"])
        assert run["plannedTime"] == item["plannedStartTime"] and run["state"]["_text"] == "SUCCESSFUL"
        assert 0 <= lateness < TOLERANCE_MS, f"started {lateness} ms after its planned start"
        assert item["startTime"] == run["startTime"] and item["late"] is False

    text = metrics(running.url)
    series = "stellwerk_order_start_lateness_seconds"
    count = re.search(rf'{series}_count{{controller_id="{cid}",workflow="/greet"}} (\S+)', text)
    on_time = re.search(rf'{series}_bucket{{controller_id="{cid}",le="2.0",workflow="/greet"}} (\S+)', text)
    assert count is not None and float(count[1]) == 2.0, text
    assert on_time is not None and float(on_time[1]) == 2.0, text

    original = finished[0]["orderId"]
    copied = joc.ok("/joc/api/daily_plan/orders/copy", {"controllerId": cid, "orderIds": [original], "scheduledFor": "now"})  # fmt: skip
    copy_id = copied["orderIds"][original]
    assert copy_id.startswith(f"#{tomorrow.isoformat()}#P") and copy_id != original
    wait_until(lambda: [i["state"]["_text"] for i in planned() if i["orderId"] == copy_id] == ["FINISHED"])


def metrics(url: str) -> str:
    """The Cockpit's `/metrics` (Prometheus' text format, no login)."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        return str(response.read().decode())
