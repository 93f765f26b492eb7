"""The Daily Plan service: its settings (defaults as JOC's, precise errors), when it runs, which dates a run plans
and submits; a run on demand on a real Cockpit plans the coming days and, run again, nothing more."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.settings import SettingsRepository
from stellwerk.cockpit.services.dailyplan.service import DailyPlanService, RunReport
from stellwerk.cockpit.services.dailyplan.settings import (
    PlanSettings,
    daily_plan_calendar,
    next_run_ms,
    plan_day,
    plan_settings,
    run_dates,
)
from stellwerk.model.problems import Problem
from tests.cockpit.api.conftest import RunningCockpit
from tests.cockpit.api.dailyplan.test_plan_on_controller import wait_until
from tests.cockpit.api.dailyplan.test_plan_orders import CONTROLLER, release, store
from tests.cockpit.api.joc import Joc


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def test_defaults_are_joc_s() -> None:
    settings = plan_settings({})
    assert settings == PlanSettings()
    assert isinstance(settings, PlanSettings)
    assert (
        settings.time_zone,
        settings.period_begin,
        settings.days_ahead_plan,
        settings.days_ahead_submit,
    ) == (
        "Etc/UTC",
        "00:00",
        7,
        3,
    )
    assert settings.start_seconds == 23 * 3600 + 30 * 60


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ({"days_ahead_plan": "seven"}, "dailyplan: Expected `int`, got `str` - at `$.days_ahead_plan`"),
        ({"time_zone": "Mars/Olympus"}, "dailyplan.time_zone: unknown time zone 'Mars/Olympus'"),
        ({"period_begin": "25:00"}, "dailyplan.period_begin:"),
        ({"days_ahead_plan": 2, "days_ahead_submit": 3}, "days_ahead_submit <= days_ahead_plan"),
    ],
)
def test_bad_settings_are_problems_naming_the_field(stored: dict[str, Any], message: str) -> None:
    problem = plan_settings(stored)
    assert isinstance(problem, Problem) and message in problem.message


def test_when_it_runs_and_which_dates() -> None:
    settings = PlanSettings()
    assert next_run_ms(settings, ms("2026-06-01T10:00:00+00:00")) == ms("2026-06-01T23:30:00+00:00")
    assert next_run_ms(settings, ms("2026-06-01T23:30:00+00:00")) == ms("2026-06-02T23:30:00+00:00")
    berlin = PlanSettings(time_zone="Europe/Berlin", period_begin="06:00", start_time="05:00")
    assert next_run_ms(berlin, ms("2026-06-01T10:00:00+00:00")) == ms("2026-06-02T03:00:00+00:00")
    assert plan_day(berlin, ms("2026-06-02T03:30:00+00:00")) == date(2026, 6, 1)  # 05:30 local, before 06:00
    planned, submitted = run_dates(PlanSettings(days_ahead_plan=3, days_ahead_submit=1), ms("2026-06-01T12:00:00+00:00"))  # fmt: skip
    assert planned == [date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 3)]
    assert submitted == [date(2026, 6, 1)]
    assert run_dates(PlanSettings(days_ahead_submit=0), ms("2026-06-01T12:00:00+00:00"))[1] == []


def test_the_daily_plan_calendar_of_cycles_begins_the_day_at_the_plan_period() -> None:
    calendar = daily_plan_calendar(PlanSettings(time_zone="Europe/Berlin", period_begin="06:00"))
    assert calendar == {
        "TYPE": "Calendar",
        "path": "dailyPlan",
        "dateOffset": 6 * 3600,
        "orderIdPattern": "#([^#]+)#.*",
        "periodDatePattern": "yyyy-MM-dd",
    }


def plan_days(plan: int, submit: int) -> Callable[[Cockpit], Awaitable[None]]:
    """Sets how many days the Daily Plan's runs plan and submit (for `RunningCockpit.call`)."""

    async def configure(cockpit: Cockpit) -> None:
        async with cockpit.database.session() as db:
            settings = SettingsRepository(db)
            await settings.put("dailyplan", "days_ahead_plan", plan, cockpit.now())
            await settings.put("dailyplan", "days_ahead_submit", submit, cockpit.now())

    return configure


def test_a_run_on_demand_plans_the_coming_days_once(cockpit: RunningCockpit, joc: Joc) -> None:
    store(joc, "/cal/every-day", "WORKINGDAYSCALENDAR", {"includes": {"weekdays": [{"days": [0, 1, 2, 3, 4, 5, 6]}]}})  # fmt: skip
    schedule = {
        "workflowNames": ["greet"],
        "planOrderAutomatically": True,
        "calendars": [{"calendarName": "every-day", "periods": [{"singleStart": "12:00:00"}]}],
    }
    store(joc, "/plans/noon", "SCHEDULE", schedule)
    release(joc, ("/cal/every-day", "WORKINGDAYSCALENDAR"), ("/plans/noon", "SCHEDULE"))
    cockpit.call(plan_days(3, 0))
    first = cockpit.call(lambda c: DailyPlanService(c).run_once([CONTROLLER]))
    again = cockpit.call(lambda c: DailyPlanService(c).run_once([CONTROLLER]))
    assert first == RunReport(planned=3, submitted=0) and again == RunReport(planned=0, submitted=0)
    today = datetime.now(UTC).date().isoformat()
    answer = joc.ok(
        "/joc/api/daily_plan/orders", {"dailyPlanDateFrom": today, "dailyPlanDateTo": "2999-12-31"}
    )
    assert len({item["orderId"][1:11] for item in answer["plannedOrderItems"]}) == 3


def test_the_service_runs_at_start_and_then_at_the_configured_start_time(cockpit: RunningCockpit) -> None:
    async def started(c: Cockpit) -> DailyPlanService:
        service = DailyPlanService(c, recheck_seconds=0.1)
        service.start()
        return service

    service = cockpit.call(started)
    try:
        wait_until(lambda: service.runs == 1)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)

        async def start_time(c: Cockpit) -> None:
            async with c.database.session() as db:
                await SettingsRepository(db).put(
                    "dailyplan", "start_time", start.strftime("%H:%M:%S"), c.now()
                )

        cockpit.call(start_time)
        wait_until(lambda: service.runs == 2, seconds=10)
        assert datetime.now(UTC) >= start, "not before the start time"
        time.sleep(0.3)
        assert service.runs == 2, "once a day"
    finally:
        cockpit.call(lambda c: service.close())
