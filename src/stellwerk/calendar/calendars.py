"""JOC working-day and non-working-day calendars (inventory schema `calendar/calendar`) and their dates.

A calendar's dates are its `includes` minus its `excludes`, kept within its own `from`/`to`. Calendars refer to
non-working-day calendars by name (`nonWorkingDayCalendars` in a frequency), so dates are resolved through a
`CalendarLibrary` that knows every calendar by name, refuses cycles and remembers what it computed.

Schedules restrict a working-day calendar further (`restrict`), and take out the days of their
non-working-day calendars with `whenHoliday` (see `schedules`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

import msgspec

from stellwerk.calendar.frequencies import Frequencies, NamedDates
from stellwerk.calendar.inventory_json import decode_inventory
from stellwerk.model.problems import Problem

CalendarType = Literal["WORKINGDAYSCALENDAR", "NONWORKINGDAYSCALENDAR"]


class Calendar(msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True):
    includes: Frequencies
    excludes: Frequencies = Frequencies()
    type: CalendarType = "WORKINGDAYSCALENDAR"
    from_: date | None = msgspec.field(default=None, name="from")
    to: date | None = None
    id: int | None = None
    path: str | None = None
    name: str | None = None
    version: str | None = None
    title: str | None = None
    documentation_name: str | None = None

    def __post_init__(self) -> None:
        if self.from_ is not None and self.to is not None and self.from_ > self.to:
            raise ValueError(f"`from` {self.from_} is after `to` {self.to}")


def parse_calendar(raw: bytes | str | Mapping[str, Any]) -> Calendar | Problem:
    """A calendar from inventory JSON (bytes/str) or already decoded JSON; a Problem naming the bad field."""
    return decode_inventory(raw, Calendar, "calendar")


class CalendarLibrary:
    """Calendars by name; answers "which dates in [first, last]" for any of them, memoised per range."""

    def __init__(self, calendars: Mapping[str, Calendar]) -> None:
        self._calendars = dict(calendars)
        self._memo: dict[tuple[str, date, date], frozenset[date] | Problem] = {}

    def __contains__(self, name: str) -> bool:
        return name in self._calendars

    def get(self, name: str) -> Calendar | None:
        return self._calendars.get(name)

    def dates(self, name: str, first: date, last: date) -> frozenset[date] | Problem:
        return self._dates(name, first, last, ())

    def union(self, names: Iterable[str], first: date, last: date) -> frozenset[date] | Problem:
        found: set[date] = set()
        for name in names:
            dates = self.dates(name, first, last)
            if isinstance(dates, Problem):
                return dates
            found |= dates
        return frozenset(found)

    def _dates(
        self, name: str, first: date, last: date, visiting: tuple[str, ...]
    ) -> frozenset[date] | Problem:
        key = (name, first, last)
        if key not in self._memo:
            self._memo[key] = self._compute(name, first, last, visiting)
        return self._memo[key]

    def _compute(
        self, name: str, first: date, last: date, visiting: tuple[str, ...]
    ) -> frozenset[date] | Problem:
        if name in visiting:
            return Problem(f"Calendars refer to each other in a cycle: {' -> '.join((*visiting, name))}")
        calendar = self._calendars.get(name)
        if calendar is None:
            return Problem(f"Unknown calendar: {name!r}")
        problems: list[Problem] = []
        found = calendar_dates(calendar, first, last, self.named_dates(problems, (*visiting, name)))
        return problems[0].prefixed(f"Calendar {name!r}") if problems else found

    def named_dates(self, problems: list[Problem], visiting: tuple[str, ...] = ()) -> NamedDates:
        """A lookup of other calendars' dates for frequencies; what fails is appended to `problems`."""

        def named(other: str, lo: date, hi: date) -> frozenset[date]:
            dates = self._dates(other, lo, hi, visiting)
            if isinstance(dates, Problem):
                problems.append(dates)
                return frozenset()
            return dates

        return named


def calendar_dates(calendar: Calendar, first: date, last: date, named: NamedDates) -> frozenset[date]:
    """Includes minus excludes, within the calendar's `from`/`to` and [first, last]."""
    lo = first if calendar.from_ is None else max(first, calendar.from_)
    hi = last if calendar.to is None else min(last, calendar.to)
    included = calendar.includes.resolve(lo, hi, named)
    if included and not calendar.excludes.is_empty():
        included -= calendar.excludes.resolve(lo, hi, named)
    return frozenset(included)


def restrict(
    base: frozenset[date],
    includes: Frequencies,
    excludes: Frequencies,
    first: date,
    last: date,
    named: NamedDates,
) -> frozenset[date]:
    """A schedule's restriction of a working-day calendar's dates, as JOC applies it.

    Monthdays and ultimos count the *calendar's* dates: `monthdays.days [1]` is the first working day of each month,
    `ultimos.days [1]` the last. The other kinds keep the calendar's dates they yield. Excludes take dates out.
    An empty restriction keeps every date.
    """
    kept = base if includes.is_empty() else _restricted(base, includes, first, last, named)
    if excludes.is_empty():
        return kept
    return kept - excludes.resolve(first, last, named)


def _restricted(
    base: frozenset[date], includes: Frequencies, first: date, last: date, named: NamedDates
) -> frozenset[date]:
    plain = msgspec.structs.replace(includes, monthdays=(), ultimos=())
    kept = base & plain.resolve(first, last, named)
    counted = [(days, False) for days in includes.monthdays] + [(days, True) for days in includes.ultimos]
    by_month = _by_month(base) if counted else {}
    for days, from_end in counted:
        lo, hi = days.window(first, last)
        found = {
            _nth(dates, n, from_end) for dates in by_month.values() for n in days.days if n <= len(dates)
        }
        if days.weekly_days:
            weekly = msgspec.structs.replace(days, days=())
            found |= base.intersection(weekly.dates(lo, hi, from_end=from_end))
        kept |= {day for day in found if lo <= day <= hi}
    return frozenset(kept)


def _by_month(dates: frozenset[date]) -> dict[date, list[date]]:
    """The dates in order, by the first day of their month."""
    months: dict[date, list[date]] = {}
    for day in sorted(dates):
        months.setdefault(day.replace(day=1), []).append(day)
    return months


def _nth(month_dates: list[date], number: int, from_end: bool) -> date:
    return month_dates[-number] if from_end else month_dates[number - 1]
