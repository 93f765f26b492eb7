"""Where an admission period occurs in local wall-clock time, one occurrence per day, week or month.

Each period type has a calendar unit (DailyPeriod: day; WeekdayPeriod: week from Monday; the monthly ones: month;
SpecificDatePeriod: none, it occurs once) and yields, per unit, the local start of its occurrence in that unit.
The arithmetic follows JS7's `AdmissionPeriodCalculator`:
- MonthlyDatePeriod: `secondOfMonth` after the 1st 00:00; past the end of a short month it falls on the month's
  last day at the same time of day (day 31 in February → Feb 28/29).
- MonthlyLastDatePeriod: `lastSecondOfMonth` (negative) before the 1st 00:00 of the next month; -86400 is the last
  day at 00:00, -3600 the last day at 23:00.
- MonthlyWeekdayPeriod: `secondOfWeeks` = (n-1)·week + weekday·day + secondOfDay (weekday 0 = Monday), so the
  2nd Tuesday 10:00 is (7 + 1)·86400 + 36000.
- MonthlyLastWeekdayPeriod: `secondOfWeeks` = -n·week + weekday·day + secondOfDay, so the last Friday 10:00 is
  -604800 + 4·86400 + 36000 and the second-last Friday subtracts another week.
Values outside JS7's valid ranges are not rejected here; they are computed arithmetically.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from stellwerk.calendar.wallclock import (
    DAY_MS,
    SECOND_MS,
    WEEK_MS,
    first_of_next_month,
    last_of_month,
    local_day_ms,
)
from stellwerk.model.admission import (
    AdmissionPeriod,
    DailyPeriod,
    MonthlyDatePeriod,
    MonthlyLastDatePeriod,
    MonthlyLastWeekdayPeriod,
    MonthlyWeekdayPeriod,
    SpecificDatePeriod,
    WeekdayPeriod,
)

_DAY_S = 86400
_WEEK_S = 7 * _DAY_S


def local_starts(period: AdmissionPeriod, first_day: date, last_day: date) -> Iterator[int]:
    """Local starts (ms) of the occurrences in every unit (day, week, month) touching [first_day, last_day]."""
    match period:
        case DailyPeriod():
            for day in _days(first_day, last_day, step=1):
                yield local_day_ms(day) + period.second_of_day * SECOND_MS
        case WeekdayPeriod():
            monday = first_day - timedelta(days=first_day.weekday())
            for day in _days(monday, last_day, step=7):
                yield local_day_ms(day) + period.second_of_week * SECOND_MS
        case SpecificDatePeriod():
            yield period.seconds_since_local_epoch * SECOND_MS
        case _:
            for first in _months(first_day, last_day):
                yield _monthly_start(period, first)


def _monthly_start(period: AdmissionPeriod, first: date) -> int:
    month_ms = local_day_ms(first)
    match period:
        case MonthlyDatePeriod():
            if period.second_of_month < _days_in_month(first) * _DAY_S:
                return month_ms + period.second_of_month * SECOND_MS
            return local_day_ms(last_of_month(first)) + period.second_of_month % _DAY_S * SECOND_MS
        case MonthlyLastDatePeriod():
            return local_day_ms(first_of_next_month(first)) + period.last_second_of_month * SECOND_MS
        case MonthlyWeekdayPeriod():
            return _nth_weekday_start(period.second_of_weeks, first)
        case MonthlyLastWeekdayPeriod():
            return _nth_last_weekday_start(period.second_of_weeks, first)
        case _:
            raise AssertionError(f"not a monthly period: {period!r}")


def _nth_weekday_start(second_of_weeks: int, first: date) -> int:
    weekday = second_of_weeks // _DAY_S % 7
    monday_before = local_day_ms(first) - first.weekday() * DAY_MS
    # The week containing the 1st only counts if the wanted weekday is not before the 1st.
    shift = WEEK_MS if first.weekday() > weekday else 0
    return monday_before + shift + second_of_weeks * SECOND_MS


def _nth_last_weekday_start(second_of_weeks: int, first: date) -> int:
    last = last_of_month(first)
    second_of_week = (second_of_weeks + 5 * _WEEK_S) % _WEEK_S
    weeks_back = _truncating_div(second_of_weeks + 1, _WEEK_S)  # 0 = last week, -1 = second-last …
    # The week containing the last day only counts if the wanted weekday is not after the last day.
    shift = 1 if last.weekday() < second_of_week // _DAY_S else 0
    monday_of_last_week = local_day_ms(last) - last.weekday() * DAY_MS
    return monday_of_last_week + (weeks_back - shift) * WEEK_MS + second_of_week * SECOND_MS


def _truncating_div(a: int, b: int) -> int:
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b >= 0) else -quotient


def _days_in_month(first: date) -> int:
    return last_of_month(first).day


def _days(start: date, last: date, step: int) -> Iterator[date]:
    day = start
    while day <= last:
        yield day
        day += timedelta(days=step)


def _months(first_day: date, last_day: date) -> Iterator[date]:
    month = first_day.replace(day=1)
    while month <= last_day:
        yield month
        month = first_of_next_month(month)
