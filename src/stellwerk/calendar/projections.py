"""Projections: the dates and times a set of schedules produce over the coming months (JOC's "projections").

The range starts at a date the caller passes (the clock is not read here) and lasts `months` calendar months.
One broken schedule does not hide the others: each schedule gets its run times or its Problem.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta

import msgspec

from stellwerk.calendar.calendars import CalendarLibrary
from stellwerk.calendar.frequencies import add_months
from stellwerk.calendar.schedules import RunTime, Schedule, run_times
from stellwerk.model.problems import Problem


class Projection(msgspec.Struct, frozen=True):
    first: date
    last: date
    run_times: dict[str, list[RunTime]]
    """Schedule name -> its starts in time order."""
    problems: dict[str, Problem]
    """Schedule name -> why it could not be projected."""

    def by_date(self) -> dict[date, list[tuple[str, RunTime]]]:
        """Every date with starts -> (schedule name, start) in time order."""
        days: defaultdict[date, list[tuple[str, RunTime]]] = defaultdict(list)
        for name, runs in self.run_times.items():
            for run in runs:
                days[run.date].append((name, run))
        return {day: sorted(days[day], key=lambda entry: entry[1].start_ms) for day in sorted(days)}


def projection_range(first: date, months: int) -> tuple[date, date]:
    """[first, last] covering `months` calendar months from `first`, both inclusive: up to the day before the same
    day of the month `months` later, or to that month's end when it has no such day (Feb 29 -> Feb 28)."""
    later = add_months(first, months)
    return first, later if later.day < first.day else later - timedelta(days=1)


def project(
    schedules: Mapping[str, Schedule], library: CalendarLibrary, first: date, *, months: int = 12
) -> Projection:
    lo, hi = projection_range(first, months)
    found: dict[str, list[RunTime]] = {}
    problems: dict[str, Problem] = {}
    for name, schedule in schedules.items():
        runs = run_times(schedule, library, lo, hi)
        if isinstance(runs, Problem):
            problems[name] = runs.prefixed(f"Schedule {name!r}")
        else:
            found[name] = runs
    return Projection(lo, hi, found, problems)
