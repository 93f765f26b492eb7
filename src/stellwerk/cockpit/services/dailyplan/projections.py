"""JOC's Daily Plan projections (pure): by year, month and date, how many orders the released schedules would
start (`./calendar`) or which schedule periods start them (`./dates`), and whether the date is planned already."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Set
from datetime import date
from typing import Any

from stellwerk.calendar.calendars import CalendarLibrary
from stellwerk.calendar.schedules import Period, run_times
from stellwerk.cockpit.services.dailyplan.planning import NamedSchedule

Years = dict[str, dict[str, dict[str, dict[str, Any]]]]


def projected_years(
    schedules: Iterable[NamedSchedule],
    library: CalendarLibrary,
    first: date,
    last: date,
    planned_dates: Set[date],
    *,
    with_periods: bool,
) -> Years:
    """`years` of JOC's projections answer; schedules that cannot be projected are left out."""
    orders: defaultdict[date, int] = defaultdict(int)
    periods: defaultdict[date, list[dict[str, Any]]] = defaultdict(list)
    for named in schedules:
        runs = run_times(named.schedule, library, first, last)
        if not isinstance(runs, list):
            continue
        per_start = len(named.schedule.workflows) * max(len(named.schedule.order_parameterisations), 1)
        seen: set[tuple[date, Period]] = set()
        for run in runs:
            orders[run.date] += per_start
            if with_periods and (run.date, run.period) not in seen:
                seen.add((run.date, run.period))
                periods[run.date] += _period_items(named, run.period)
    years: Years = {}
    for day in sorted(orders):
        item: dict[str, Any] = {"planned": day in planned_dates}
        item |= {"periods": periods[day]} if with_periods else {"numOfOrders": orders[day]}
        month = years.setdefault(str(day.year), {}).setdefault(day.strftime("%Y-%m"), {})
        month[day.isoformat()] = item
    return years


def _period_items(named: NamedSchedule, period: Period) -> list[dict[str, Any]]:
    shown = {
        key: value
        for key, value in (
            ("singleStart", period.single_start),
            ("begin", period.begin if period.repeat else None),
            ("end", period.end if period.repeat else None),
            ("repeat", period.repeat),
            ("whenHoliday", period.when_holiday),
        )
        if value is not None
    }
    names = [p.order_name for p in named.schedule.order_parameterisations] or [None]
    return [
        {"schedule": named.path, "workflow": workflow, "period": shown}
        | ({"scheduleOrderName": name} if name else {})
        for workflow in named.schedule.workflows
        for name in names
    ]
