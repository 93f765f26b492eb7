"""JOC calendar frequencies (inventory schema `calendar/frequencies`): which dates each kind yields.

Every kind answers `dates(first, last)`: the dates in [first, last] (both inclusive), narrowed further by the
kind's own `from`/`to`. Conventions, as in JOC:
- weekdays are numbered 0 = Sunday … 6 = Saturday;
- `monthdays.days` are days of the month (a 31 in a 30-day month yields nothing), `weeklyDays` the n-th
  weekday of the month ({day: 1, weekOfMonth: 2} = the second Monday);
- `ultimos` count from the month's end: day 1 is the last day, {day: 5, weekOfMonth: 1} the last Friday;
- `repetitions` step from their `from` date; monthly and yearly steps are counted from that anchor and clamp
  to the month's end (Jan 31 + 1 month = Feb 28 or 29; Feb 29 yearly = Feb 28 in common years);
- `holidays` are listed dates. Our extension: a `nationalCalendar` code such as "DE-BY" without `dates`
  yields that region's public holidays from the `holidays` package (`national_holidays`);
- `nonWorkingDayCalendars` names calendars whose dates are taken (resolved by the caller, see `calendars`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Annotated, Literal

import msgspec

from stellwerk.calendar.national_holidays import national_holiday_dates, region_problem
from stellwerk.calendar.wallclock import first_of_next_month, last_of_month
from stellwerk.model.problems import Problem

DayOfWeek = Annotated[int, msgspec.Meta(ge=0, le=6)]
DayOfMonth = Annotated[int, msgspec.Meta(ge=1, le=31)]
MonthNumber = Annotated[int, msgspec.Meta(ge=1, le=12)]
NamedDates = Callable[[str, date, date], frozenset[date]]
"""The dates of a named (non-working-day) calendar in [first, last]."""


class _Bounded(msgspec.Struct, frozen=True, kw_only=True):
    """A frequency narrowed by optional `from`/`to` dates of its own."""

    from_: date | None = msgspec.field(default=None, name="from")
    to: date | None = None

    def __post_init__(self) -> None:
        if self.from_ is not None and self.to is not None and self.from_ > self.to:
            raise ValueError(f"`from` {self.from_} is after `to` {self.to}")

    def window(self, first: date, last: date) -> tuple[date, date]:
        lo = first if self.from_ is None else max(first, self.from_)
        hi = last if self.to is None else min(last, self.to)
        return lo, hi


class WeekDays(_Bounded, frozen=True, kw_only=True):
    days: tuple[DayOfWeek, ...]

    def dates(self, first: date, last: date) -> Iterator[date]:
        lo, hi = self.window(first, last)
        for day in set(self.days):
            start = lo + timedelta(days=(day - joc_weekday(lo)) % 7)
            yield from _every(start, hi, 7)


class WeeklyDay(msgspec.Struct, frozen=True, rename="camel"):
    day: DayOfWeek
    week_of_month: Annotated[int, msgspec.Meta(ge=1, le=5)]


class MonthDays(_Bounded, frozen=True, kw_only=True, rename="camel"):
    """Days of the month counted from its start (`monthdays`) or, with `from_end`, from its end (`ultimos`)."""

    days: tuple[DayOfMonth, ...] = ()
    weekly_days: tuple[WeeklyDay, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.days and not self.weekly_days:
            raise ValueError("needs `days` or `weeklyDays`")

    def dates(self, first: date, last: date, *, from_end: bool = False) -> Iterator[date]:
        lo, hi = self.window(first, last)
        for month_start in months_touching(lo, hi):
            for day in self._days_of_month(month_start, from_end):
                if lo <= day <= hi:
                    yield day

    def _days_of_month(self, month_start: date, from_end: bool) -> Iterator[date]:
        month_end = last_of_month(month_start)
        for number in self.days:
            if number <= month_end.day:
                yield month_end - timedelta(days=number - 1) if from_end else month_start.replace(day=number)
        for weekly in self.weekly_days:
            found = _nth_last_weekday(month_end, weekly) if from_end else _nth_weekday(month_start, weekly)
            if found.month == month_start.month:
                yield found


class Repetition(msgspec.Struct, frozen=True, kw_only=True):
    repetition: Literal["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
    from_: date = msgspec.field(name="from")
    to: date | None = None
    step: Annotated[int, msgspec.Meta(ge=1)] = 1

    def __post_init__(self) -> None:
        if self.to is not None and self.from_ > self.to:
            raise ValueError(f"`from` {self.from_} is after `to` {self.to}")

    def dates(self, first: date, last: date) -> Iterator[date]:
        hi = last if self.to is None else min(last, self.to)
        if self.repetition in ("DAILY", "WEEKLY"):
            stride = self.step * (7 if self.repetition == "WEEKLY" else 1)
            lo = max(first, self.from_)
            yield from _every(lo + timedelta(days=-(lo - self.from_).days % stride), hi, stride)
            return
        months = self.step * (12 if self.repetition == "YEARLY" else 1)
        index = max(0, _months_between(self.from_, first) // months - 1)
        while (day := add_months(self.from_, index * months)) <= hi:
            if day >= first:
                yield day
            index += 1


class Months(_Bounded, frozen=True, kw_only=True):
    months: tuple[MonthNumber, ...]
    weekdays: tuple[WeekDays, ...] = ()
    monthdays: tuple[MonthDays, ...] = ()
    ultimos: tuple[MonthDays, ...] = ()
    repetitions: tuple[Repetition, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (self.weekdays or self.monthdays or self.ultimos or self.repetitions):
            raise ValueError("needs `weekdays`, `monthdays`, `ultimos` or `repetitions`")

    def dates(self, first: date, last: date) -> Iterator[date]:
        lo, hi = self.window(first, last)
        wanted = set(self.months)
        inner = Frequencies(
            weekdays=self.weekdays,
            monthdays=self.monthdays,
            ultimos=self.ultimos,
            repetitions=self.repetitions,
        )
        return (day for day in inner.resolve(lo, hi, no_names) if day.month in wanted)


class Holidays(msgspec.Struct, frozen=True, rename="camel"):
    dates: tuple[date, ...] = ()
    national_calendar: str | None = None

    def __post_init__(self) -> None:
        if not self.dates and not self.national_calendar:
            raise ValueError("needs `dates` or a `nationalCalendar` region code such as 'DE-BY'")
        if not self.dates and self.national_calendar:
            unknown = region_problem(self.national_calendar)
            if unknown is not None:
                raise ValueError(unknown.message)

    def dates_between(self, first: date, last: date) -> Iterator[date]:
        if self.dates:
            return (day for day in self.dates if first <= day <= last)
        assert self.national_calendar is not None
        found = national_holiday_dates(self.national_calendar, first, last)
        assert not isinstance(found, Problem), found  # the code was checked when parsed
        return iter(found)


class Frequencies(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    dates: tuple[date, ...] = ()
    weekdays: tuple[WeekDays, ...] = ()
    monthdays: tuple[MonthDays, ...] = ()
    ultimos: tuple[MonthDays, ...] = ()
    months: tuple[Months, ...] = ()
    holidays: tuple[Holidays, ...] = ()
    repetitions: tuple[Repetition, ...] = ()
    non_working_day_calendars: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return self == _EMPTY

    def resolve(self, first: date, last: date, named: NamedDates) -> set[date]:
        """All dates in [first, last] that any of the frequencies yields."""
        return set(self._each(first, last, named)) if first <= last else set()

    def _each(self, first: date, last: date, named: NamedDates) -> Iterator[date]:
        yield from (day for day in self.dates if first <= day <= last)
        for weekdays in self.weekdays:
            yield from weekdays.dates(first, last)
        for monthdays in self.monthdays:
            yield from monthdays.dates(first, last)
        for ultimos in self.ultimos:
            yield from ultimos.dates(first, last, from_end=True)
        for months in self.months:
            yield from months.dates(first, last)
        for holidays in self.holidays:
            yield from holidays.dates_between(first, last)
        for repetition in self.repetitions:
            yield from repetition.dates(first, last)
        for name in self.non_working_day_calendars:
            yield from named(name, first, last)


_EMPTY = Frequencies()


def joc_weekday(day: date) -> int:
    """0 = Sunday … 6 = Saturday, JOC's numbering."""
    return (day.weekday() + 1) % 7


def months_touching(first: date, last: date) -> Iterator[date]:
    """The first day of every month that overlaps [first, last]."""
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = first_of_next_month(month)


def _every(start: date, last: date, stride: int) -> Iterator[date]:
    count = (last - start).days // stride + 1 if start <= last else 0
    return (start + timedelta(days=i * stride) for i in range(count))


def _nth_weekday(month_start: date, weekly: WeeklyDay) -> date:
    first_match = month_start + timedelta(days=(weekly.day - joc_weekday(month_start)) % 7)
    return first_match + timedelta(weeks=weekly.week_of_month - 1)


def _nth_last_weekday(month_end: date, weekly: WeeklyDay) -> date:
    last_match = month_end - timedelta(days=(joc_weekday(month_end) - weekly.day) % 7)
    return last_match - timedelta(weeks=weekly.week_of_month - 1)


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def add_months(day: date, months: int) -> date:
    total = day.month - 1 + months
    month_start = date(day.year + total // 12, total % 12 + 1, 1)
    return month_start.replace(day=min(day.day, last_of_month(month_start).day))


def no_names(name: str, first: date, last: date) -> frozenset[date]:
    """For frequencies that may not name calendars."""
    return frozenset()
