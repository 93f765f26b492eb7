"""The Daily Plan service's settings (section `dailyplan` of the settings table) and, from them, when it runs and
which dates a run plans and submits (pure).

Defaults as JOC's: plan in UTC, the plan day begins at 00:00, the service runs 30 minutes before the plan day
begins, plans 7 days (today and the 6 after) and submits 3 (today and the 2 after; 0 submits nothing)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from stellwerk.calendar.timeofday import seconds_of_day
from stellwerk.calendar.wallclock import resolve_zone
from stellwerk.model.problems import Problem

SECTION = "dailyplan"


class PlanSettings(msgspec.Struct, frozen=True, kw_only=True):
    time_zone: str = "Etc/UTC"
    period_begin: str = "00:00"
    start_time: str | None = None  # None: 30 minutes before period_begin
    days_ahead_plan: int = 7
    days_ahead_submit: int = 3

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def start_seconds(self) -> int:
        if self.start_time is not None:
            return seconds_of_day(self.start_time)
        return (seconds_of_day(self.period_begin) - 30 * 60) % (24 * 3600)


CALENDAR_PATH = "dailyPlan"  # the engine Calendar by which Cycles find an order's day


def daily_plan_calendar(settings: PlanSettings) -> dict[str, Any]:
    """The engine's `dailyPlan` Calendar item for these settings: an order's day (from the date in its id)
    begins at the plan period's begin."""
    return {
        "TYPE": "Calendar",
        "path": CALENDAR_PATH,
        "dateOffset": seconds_of_day(settings.period_begin),
        "orderIdPattern": "#([^#]+)#.*",
        "periodDatePattern": "yyyy-MM-dd",
    }


def plan_settings(stored: dict[str, Any]) -> PlanSettings | Problem:
    """The settings from the stored section (unknown names are left to other readers); a Problem names the field."""
    known = {name: stored[name] for name in PlanSettings.__struct_fields__ if name in stored}
    try:
        settings = msgspec.convert(known, PlanSettings)
    except msgspec.ValidationError as error:
        return Problem(f"{SECTION}: {error}")
    for name in ("period_begin", "start_time"):
        value = getattr(settings, name)
        if value is not None:
            try:
                seconds_of_day(value)
            except ValueError as error:
                return Problem(f"{SECTION}.{name}: {error}")
    if isinstance(resolve_zone(settings.time_zone), Problem):
        return Problem(f"{SECTION}.time_zone: unknown time zone {settings.time_zone!r}")
    if not 0 <= settings.days_ahead_submit <= settings.days_ahead_plan <= 366:
        return Problem(f"{SECTION}: 0 <= days_ahead_submit <= days_ahead_plan <= 366 is wanted")
    return settings


def plan_day(settings: PlanSettings, now_ms: int) -> date:
    """The plan date `now` belongs to (a plan day begins at `period_begin` in the settings' zone)."""
    local = datetime.fromtimestamp(now_ms / 1000, settings.zone)
    return (local - timedelta(seconds=seconds_of_day(settings.period_begin))).date()


def run_dates(settings: PlanSettings, now_ms: int) -> tuple[list[date], list[date]]:
    """The dates a run at `now` plans and those it submits."""
    today = plan_day(settings, now_ms)
    planned = [today + timedelta(days=n) for n in range(settings.days_ahead_plan)]
    return planned, planned[: settings.days_ahead_submit]


def next_run_ms(settings: PlanSettings, now_ms: int) -> int:
    """The next daily start of the service after `now` (at `start_time` in the settings' zone)."""
    zone = settings.zone
    local = datetime.fromtimestamp(now_ms / 1000, zone)
    seconds = settings.start_seconds
    for days in range(3):
        day = local.date() + timedelta(days=days)
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        start = midnight + timedelta(seconds=seconds)
        start_ms = int(start.timestamp() * 1000)
        if start_ms > now_ms:
            return start_ms
    raise AssertionError("a daily start lies within two days")
