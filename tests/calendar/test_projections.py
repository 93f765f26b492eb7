"""Projections: 12 months of starts for a set of schedules, grouped by date; one broken schedule hides no other."""

from __future__ import annotations

from datetime import date
from typing import Any

from stellwerk.calendar.calendars import Calendar, CalendarLibrary, parse_calendar
from stellwerk.calendar.projections import project, projection_range
from stellwerk.calendar.schedules import Schedule, parse_schedule


def parsed_schedule(raw: dict[str, Any]) -> Schedule:
    found = parse_schedule({"workflowNames": ["w"]} | raw)
    assert isinstance(found, Schedule), found
    return found


FIRST_MONDAYS = parse_calendar({"includes": {"monthdays": [{"weeklyDays": [{"day": 1, "weekOfMonth": 1}]}]}})
assert isinstance(FIRST_MONDAYS, Calendar)
LIBRARY = CalendarLibrary({"first mondays": FIRST_MONDAYS})


def test_projection_range_is_twelve_calendar_months() -> None:
    assert projection_range(date(2026, 11, 22), 12) == (date(2026, 11, 22), date(2027, 11, 21))
    assert projection_range(date(2028, 2, 29), 12) == (date(2028, 2, 29), date(2029, 2, 28))
    assert projection_range(date(2027, 3, 1), 12) == (date(2027, 3, 1), date(2028, 2, 29))
    assert projection_range(date(2026, 1, 31), 1) == (date(2026, 1, 31), date(2026, 2, 28))


def test_projects_every_schedule_for_twelve_months() -> None:
    schedules = {
        "monthly": parsed_schedule(
            {"calendars": [{"calendarName": "first mondays", "periods": [{"singleStart": "06:00"}]}]}
        ),
        "twice": parsed_schedule(
            {
                "calendars": [
                    {
                        "calendarName": "first mondays",
                        "timeZone": "Asia/Tokyo",
                        "periods": [{"begin": "10:00", "end": "12:00", "repeat": "01:00"}],
                    }
                ]
            }
        ),
        "broken": parsed_schedule(
            {"calendars": [{"calendarName": "missing", "periods": [{"singleStart": "06:00"}]}]}
        ),
    }
    projection = project(schedules, LIBRARY, date(2026, 11, 22))
    assert [run.date.isoformat() for run in projection.run_times["monthly"]][:3] == [
        "2026-12-07",
        "2027-01-04",
        "2027-02-01",
    ]
    assert len(projection.run_times["monthly"]) == 12 and len(projection.run_times["twice"]) == 24
    assert list(projection.problems) == ["broken"]
    assert (
        "Schedule 'broken': calendars[0]: Unknown calendar: 'missing'"
        == projection.problems["broken"].message
    )
    first_day = next(iter(projection.by_date().items()))
    assert first_day[0] == date(2026, 12, 7)
    assert [name for name, _ in first_day[1]] == [
        "twice",
        "twice",
        "monthly",
    ]  # 10:00 and 11:00 JST come before 06:00 UTC
