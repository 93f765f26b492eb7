"""Projections: the starts 1,000 JOC schedules produce over the next 12 months, in the pure calendar code.

The schedules mix what real inventories hold: 20 working-day calendars (weekdays, monthdays, ultimos, weeks of
month, repetitions, some excluding public holidays), 5 national holiday calendars from the `holidays` package,
5 time zones with and without DST, single starts (70%), hourly repeats 08:00-18:00 (25%) and quarter-hourly
repeats over two hours (5%), with every whenHoliday value.

    python bench/projections.py [--quick] [--schedules N]

Target (issue #5): under 1 s for 1,000 schedules over 12 months. Measured as CPU time of this process
(time.process_time), cold: the first projection in a fresh process, with nothing memoised yet.
The last line is `name=value` figures for scripts.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from typing import Any

from stellwerk.calendar.calendars import Calendar, CalendarLibrary, parse_calendar
from stellwerk.calendar.projections import project
from stellwerk.calendar.schedules import Schedule, parse_schedule

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "Etc/UTC"]
REGIONS = ["DE-BY", "US-NY", "AU-NSW", "JP", "GB"]
WHEN_HOLIDAY = ["SUPPRESS", "IGNORE", "NEXTNONWORKINGDAY", "PREVIOUSNONWORKINGDAY"]
FIRST_DAY = date(2026, 11, 22)


def working_calendar(index: int) -> dict[str, Any]:
    kinds: list[dict[str, Any]] = [
        {"weekdays": [{"days": [1, 2, 3, 4, 5]}]},
        {"monthdays": [{"days": [1, 15]}], "ultimos": [{"days": [1]}]},
        {"monthdays": [{"weeklyDays": [{"day": 1 + index % 5, "weekOfMonth": 1 + index % 4}]}]},
        {"repetitions": [{"repetition": "DAILY", "step": 1 + index % 3, "from": "2026-01-01"}]},
        {"months": [{"months": [1, 4, 7, 10], "weekdays": [{"days": [2, 4]}]}], "dates": ["2027-03-03"]},
    ]
    raw: dict[str, Any] = {"type": "WORKINGDAYSCALENDAR", "includes": kinds[index % len(kinds)]}
    if index % 2:
        raw["excludes"] = {"nonWorkingDayCalendars": [f"holidays {REGIONS[index % len(REGIONS)]}"]}
    return raw


def holiday_calendar(region: str) -> dict[str, Any]:
    return {"type": "NONWORKINGDAYSCALENDAR", "includes": {"holidays": [{"nationalCalendar": region}]}}


def periods(index: int) -> list[dict[str, Any]]:
    when = WHEN_HOLIDAY[index % len(WHEN_HOLIDAY)]
    if index % 20 == 0:
        return [{"begin": "06:00", "end": "08:00", "repeat": "00:15", "whenHoliday": when}]
    if index % 4 == 1:
        return [{"begin": "08:00", "end": "18:00", "repeat": "01:00", "whenHoliday": when}]
    starts = [f"{(index * 7) % 24:02d}:{(index * 13) % 60:02d}"] + (
        [f"{(index * 5) % 24:02d}:30"] if index % 3 else []
    )
    return [{"singleStart": start, "whenHoliday": when} for start in starts]


def schedule(index: int) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "workflowNames": [f"workflow-{index}"],
        "calendars": [
            {
                "calendarName": f"working {index % 20}",
                "timeZone": ZONES[index % len(ZONES)],
                "periods": periods(index),
            }
        ],
        "orderParameterisations": [{"orderName": "default", "variables": {"n": index}}],
    }
    if index % 3 == 0:
        raw["nonWorkingDayCalendars"] = [{"calendarName": f"holidays {REGIONS[index % len(REGIONS)]}"}]
    if index % 7 == 0:
        raw["dstPolicy"] = {"missingHour": "SKIP", "repeatedHour": "BOTH"}
    return raw


def inventory(count: int) -> tuple[dict[str, Schedule], CalendarLibrary]:
    calendars: dict[str, Calendar] = {}
    for name, raw in [(f"working {i}", working_calendar(i)) for i in range(20)] + [
        (f"holidays {region}", holiday_calendar(region)) for region in REGIONS
    ]:
        parsed = parse_calendar(raw)
        assert isinstance(parsed, Calendar), parsed
        calendars[name] = parsed
    schedules: dict[str, Schedule] = {}
    for index in range(count):
        parsed_schedule = parse_schedule(schedule(index))
        assert isinstance(parsed_schedule, Schedule), parsed_schedule
        schedules[f"schedule-{index}"] = parsed_schedule
    return schedules, CalendarLibrary(calendars)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100 schedules instead of 1,000")
    parser.add_argument("--schedules", type=int, help="how many schedules")
    args = parser.parse_args()
    count = args.schedules or (100 if args.quick else 1_000)
    schedules, library = inventory(count)
    started = time.process_time()
    projection = project(schedules, library, FIRST_DAY, months=12)
    cpu = time.process_time() - started
    assert not projection.problems, projection.problems
    starts = sum(len(runs) for runs in projection.run_times.values())
    print(f"{count} schedules, {projection.first} .. {projection.last}: {starts} starts in {cpu:.3f} s CPU")
    print(
        f"schedules={count} starts={starts} cpu_seconds={cpu:.3f} us_per_start={cpu / max(starts, 1) * 1e6:.2f}"
    )


if __name__ == "__main__":
    main()
