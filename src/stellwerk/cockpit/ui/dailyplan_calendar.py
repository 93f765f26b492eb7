"""The Daily Plan's month calendars: the shown month and the coming ones, each day with the number of orders the
released schedules start on it (JOC's projections) and whether its plan has been generated. Pure, but for the
one call of the API's projections handler."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from stellwerk.cockpit.api import dailyplan as dailyplan_api
from stellwerk.cockpit.api.dailyplan_models import ProjectionsRequest
from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.ui.web import body_of

MONTHS_SHOWN = 3


@dataclass(frozen=True)
class Day:
    day: date
    projected: int  # orders the schedules start on it
    planned: bool  # its plan has been generated


@dataclass(frozen=True)
class Month:
    first: date
    weeks: list[list[Day | None]]  # Monday first; None outside the month

    @property
    def title(self) -> str:
        return self.first.strftime("%B %Y")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(first: date, count: int) -> date:
    index = first.year * 12 + first.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months(first: date, count: int, projections: dict[str, Any]) -> list[Month]:
    """`count` months from the month of `first`; `projections` is the `years` of JOC's projections answer."""
    by_day = {
        day: item for year in projections.values() for month in year.values() for day, item in month.items()
    }
    shown = []
    for offset in range(count):
        start = add_months(month_start(first), offset)
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(start.year, start.month)
        cells = [[_day(day, by_day) if day.month == start.month else None for day in week] for week in weeks]
        shown.append(Month(start, cells))
    return shown


def _day(day: date, by_day: dict[str, Any]) -> Day:
    item = by_day.get(day.isoformat(), {})
    return Day(day, int(item.get("numOfOrders", 0)), bool(item.get("planned", False)))


async def projected_months(cockpit: Cockpit, caller: Caller, shown: date) -> list[Month]:
    """The month of `shown` and the next ones, from the API's projections handler (its permission)."""
    first = month_start(shown)
    last = add_months(first, MONTHS_SHOWN) - timedelta(days=1)
    wanted = body_of(ProjectionsRequest, {"dateFrom": first.isoformat(), "dateTo": last.isoformat()})
    answer = await dailyplan_api.projections_calendar(wanted, caller, cockpit)
    return months(first, MONTHS_SHOWN, answer["years"])
