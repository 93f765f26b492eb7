"""What we read is what JS7 writes: JOC-valid calendars and schedules parse, and our two extensions (a holidays
entry naming only a region; a schedule's dstPolicy) are the only places where we accept what JS7's schemas do not."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tests.jsonschemas import INVENTORY, schema_errors

from stellwerk.calendar import Calendar, CalendarLibrary, Schedule, parse_calendar, parse_schedule, run_times

FIXTURES = Path(__file__).parents[1] / "inventory" / "fixtures"
CALENDAR_SCHEMA = INVENTORY + "calendar/calendar-schema.json"
SCHEDULE_SCHEMA = INVENTORY + "schedule/schedule-schema.json"

CALENDARS: list[dict[str, Any]] = [
    {"type": "WORKINGDAYSCALENDAR", "includes": {"weekdays": [{"days": [1, 2, 3, 4, 5]}]}},
    {
        "type": "WORKINGDAYSCALENDAR",
        "from": "2026-01-01",
        "to": "2026-12-31",
        "title": "month ends and the 2nd Tuesday",
        "includes": {
            "ultimos": [{"days": [1]}],
            "monthdays": [{"weeklyDays": [{"day": 2, "weekOfMonth": 2}], "from": "2026-03-01"}],
            "months": [{"months": [12], "monthdays": [{"days": [24]}]}],
            "repetitions": [{"repetition": "WEEKLY", "step": 3, "from": "2026-01-05"}],
        },
        "excludes": {
            "holidays": [{"nationalCalendar": "DE", "dates": ["2026-12-25"]}],
            "dates": ["2026-01-31"],
        },
    },
    {"type": "NONWORKINGDAYSCALENDAR", "includes": {"dates": ["2026-12-24"], "weekdays": [{"days": [0, 6]}]}},
]

SCHEDULE: dict[str, Any] = {
    "version": "1.1.0",
    "workflowNames": ["hello"],
    "title": "twice a day",
    "planOrderAutomatically": True,
    "submitOrderToControllerWhenPlanned": False,
    "calendars": [
        {
            "calendarName": "workdays",
            "calendarPath": "/cal/workdays",
            "timeZone": "America/New_York",
            "includes": {"weekdays": [{"days": [1, 3, 5]}]},
            "periods": [
                {"singleStart": "07:15:00", "whenHoliday": "PREVIOUSNONWORKINGDAY"},
                {"begin": "12:00", "end": "14:00", "repeat": "00:20:00", "whenHoliday": "IGNORE"},
            ],
        }
    ],
    "nonWorkingDayCalendars": [{"calendarName": "weekend"}],
    "orderParameterisations": [
        {
            "orderName": "eu",
            "variables": {"region": "eu", "limit": 3, "on": True},
            "positions": {"startPosition": [1], "endPositions": [[3]], "blockPosition": "main"},
            "tags": ["billing"],
            "forceJobAdmission": True,
            "priority": 2,
        }
    ],
}


@pytest.mark.parametrize("raw", CALENDARS)
def test_js7_valid_calendars_parse(raw: dict[str, Any]) -> None:
    assert schema_errors(CALENDAR_SCHEMA, raw) == []
    assert isinstance(parse_calendar(raw), Calendar)


def test_a_js7_valid_schedule_parses_and_runs() -> None:
    assert schema_errors(SCHEDULE_SCHEMA, SCHEDULE) == []
    schedule = parse_schedule(SCHEDULE)
    assert isinstance(schedule, Schedule), schedule
    weekend = parse_calendar(CALENDARS[2])
    workdays = parse_calendar(CALENDARS[0])
    assert isinstance(weekend, Calendar) and isinstance(workdays, Calendar)
    runs = run_times(schedule, CalendarLibrary({"workdays": workdays, "weekend": weekend}), date(2026, 6, 1), date(2026, 6, 7))  # fmt: skip
    assert isinstance(runs, list) and len(runs) == 3 * 7


def test_the_inventory_fixtures_parse() -> None:
    calendar = parse_calendar((FIXTURES / "workdays.calendar.json").read_bytes())
    schedule = parse_schedule((FIXTURES / "daily.schedule.json").read_bytes())
    assert isinstance(calendar, Calendar) and isinstance(schedule, Schedule)
    assert schedule.order_parameterisations[0].variables == {"mode": "fast"}


@pytest.mark.parametrize(
    ("schema", "raw", "parse"),
    [
        (CALENDAR_SCHEMA, {"includes": {"holidays": [{"nationalCalendar": "DE-BY"}]}}, parse_calendar),
        (
            SCHEDULE_SCHEMA,
            {**SCHEDULE, "dstPolicy": {"missingHour": "SKIP", "repeatedHour": "BOTH"}},
            parse_schedule,
        ),
    ],
)
def test_our_extensions_are_the_documented_ones(schema: str, raw: dict[str, Any], parse: Any) -> None:
    errors = schema_errors(schema, raw)
    if schema == CALENDAR_SCHEMA:
        assert errors and "dates" in json.dumps(errors)  # JS7 requires listed dates
    else:
        assert errors == []  # the schedule schema allows further properties
    assert not hasattr(parse(raw), "message")
