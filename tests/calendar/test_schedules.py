"""Schedules: periods per calendar date, whenHoliday, time zones, order parameterisations, precise errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stellwerk.calendar.calendars import Calendar, CalendarLibrary, parse_calendar
from stellwerk.calendar.schedules import Schedule, parse_schedule, planned_orders, run_times
from stellwerk.model.problems import Problem


def calendar(raw: dict[str, Any]) -> Calendar:
    parsed = parse_calendar(raw)
    assert isinstance(parsed, Calendar), parsed
    return parsed


LIBRARY = CalendarLibrary(
    {
        "weekdays": calendar({"includes": {"weekdays": [{"days": [1, 2, 3, 4, 5]}]}}),
        "month ends": calendar({"includes": {"ultimos": [{"days": [1]}]}}),
        "closed": calendar(
            {
                "type": "NONWORKINGDAYSCALENDAR",
                "includes": {"dates": ["2026-06-03", "2026-06-04", "2026-06-30"]},
            }
        ),
        "berlin holidays": calendar(
            {"type": "NONWORKINGDAYSCALENDAR", "includes": {"holidays": [{"nationalCalendar": "DE-BE"}]}}
        ),
    }
)


def schedule(calendars: list[dict[str, Any]], **more: Any) -> Schedule:
    parsed = parse_schedule({"workflowNames": ["billing"], "calendars": calendars} | more)
    assert isinstance(parsed, Schedule), parsed
    return parsed


def starts(sched: Schedule, first: str, last: str, zone: str = "Etc/UTC") -> list[str]:
    runs = run_times(sched, LIBRARY, date.fromisoformat(first), date.fromisoformat(last))
    assert isinstance(runs, list), runs
    tz = ZoneInfo(zone)
    return [
        datetime.fromtimestamp(run.start_ms / 1000, UTC).astimezone(tz).isoformat(timespec="minutes")
        for run in runs
    ]


def weekdays_at(time: str, when_holiday: str | None = None) -> Schedule:
    period: dict[str, Any] = {"singleStart": time}
    if when_holiday:
        period["whenHoliday"] = when_holiday
    return schedule(
        [{"calendarName": "weekdays", "timeZone": "Etc/UTC", "periods": [period]}],
        nonWorkingDayCalendars=[{"calendarName": "closed"}],
    )


@pytest.mark.parametrize(
    ("when_holiday", "expected"),
    [
        (None, ["2026-06-01", "2026-06-02", "2026-06-05"]),  # SUPPRESS is the default
        ("SUPPRESS", ["2026-06-01", "2026-06-02", "2026-06-05"]),
        ("IGNORE", ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05"]),
        ("NEXTNONWORKINGDAY", ["2026-06-01", "2026-06-02", "2026-06-05"]),  # both move to Friday: one start
        ("PREVIOUSNONWORKINGDAY", ["2026-06-01", "2026-06-02", "2026-06-05"]),
    ],
)
def test_when_holiday(when_holiday: str | None, expected: list[str]) -> None:
    assert [
        start[:10] for start in starts(weekdays_at("08:00", when_holiday), "2026-06-01", "2026-06-05")
    ] == expected


def test_moved_starts_land_on_the_next_or_previous_day_that_is_not_a_holiday() -> None:
    month_end = schedule(
        [
            {
                "calendarName": "month ends",
                "periods": [{"singleStart": "23:00", "whenHoliday": "NEXTNONWORKINGDAY"}],
            }
        ],
        nonWorkingDayCalendars=[{"calendarName": "closed"}],
    )
    assert starts(month_end, "2026-06-01", "2026-07-31") == [
        "2026-07-01T23:00+00:00",
        "2026-07-31T23:00+00:00",
    ]
    backwards = schedule(
        [
            {
                "calendarName": "weekdays",
                "includes": {"dates": ["2026-06-04"]},
                "periods": [{"singleStart": "07:00", "whenHoliday": "PREVIOUSNONWORKINGDAY"}],
            }
        ],
        nonWorkingDayCalendars=[{"calendarName": "closed"}],
    )
    assert starts(backwards, "2026-06-01", "2026-06-30") == ["2026-06-02T07:00+00:00"]


def test_a_start_moved_across_the_range_edge_is_seen() -> None:
    assert starts(weekdays_at("08:00", "PREVIOUSNONWORKINGDAY"), "2026-06-29", "2026-06-29") == [
        "2026-06-29T08:00+00:00"
    ]
    assert starts(weekdays_at("08:00", "NEXTNONWORKINGDAY"), "2026-07-01", "2026-07-01") == [
        "2026-07-01T08:00+00:00"
    ]


def test_regional_holidays_suppress_starts_in_the_schedules_time_zone() -> None:
    berlin = schedule(
        [
            {
                "calendarName": "weekdays",
                "timeZone": "Europe/Berlin",
                "periods": [{"singleStart": "06:30"}, {"begin": "20:00", "end": "22:00", "repeat": "01:00"}],
            }
        ],
        nonWorkingDayCalendars=[{"calendarName": "berlin holidays"}],
    )
    assert starts(berlin, "2026-03-06", "2026-03-09", "Europe/Berlin") == [
        "2026-03-06T06:30+01:00",
        "2026-03-06T20:00+01:00",
        "2026-03-06T21:00+01:00",
        # 03-08 is International Women's Day, a Berlin holiday, but a Sunday; Monday runs
        "2026-03-09T06:30+01:00",
        "2026-03-09T20:00+01:00",
        "2026-03-09T21:00+01:00",
    ]


def test_several_calendars_and_periods_start_once_per_instant() -> None:
    sched = schedule(
        [
            {
                "calendarName": "weekdays",
                "timeZone": "America/New_York",
                "periods": [{"singleStart": "09:00"}],
            },
            {
                "calendarName": "month ends",
                "timeZone": "Europe/London",
                "periods": [{"singleStart": "14:00"}, {"singleStart": "14:00:00"}, {"singleStart": "18:00"}],
            },
        ]
    )
    assert starts(sched, "2026-06-29", "2026-06-30") == [
        "2026-06-29T13:00+00:00",
        "2026-06-30T13:00+00:00",
        "2026-06-30T17:00+00:00",
    ]


def test_order_parameterisations_are_carried_to_each_planned_order() -> None:
    sched = schedule(
        [{"calendarName": "weekdays", "periods": [{"singleStart": "08:00"}]}],
        workflowNames=["billing", "audit"],
        orderParameterisations=[
            {"orderName": "eu", "variables": {"region": "eu", "limit": 3}},
            {
                "orderName": "us",
                "variables": {"region": "us"},
                "positions": {"startPosition": [2], "endPositions": ["cleanup"], "blockPosition": "main"},
                "tags": ["t1"],
                "forceJobAdmission": True,
                "priority": 5,
            },
        ],
    )
    runs = run_times(sched, LIBRARY, date(2026, 6, 1), date(2026, 6, 1))
    assert isinstance(runs, list) and len(runs) == 1
    orders = planned_orders(sched, runs[0])
    assert [(o.workflow_name, o.parameterisation.order_name) for o in orders] == [
        ("billing", "eu"),
        ("billing", "us"),
        ("audit", "eu"),
        ("audit", "us"),
    ]
    us = orders[1].parameterisation
    assert us.variables == {"region": "us"} and us.positions is not None
    assert us.positions.start_position == (2,) and us.positions.end_positions == ("cleanup",)
    assert us.positions.block_position == "main" and us.force_job_admission and us.priority == 5
    plain = schedule([{"calendarName": "weekdays", "periods": [{"singleStart": "08:00"}]}], workflowName=None)
    assert [o.workflow_name for o in planned_orders(plain, runs[0])] == ["billing"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"calendars": [{"calendarName": "weekdays", "periods": [{"singleStart": "08:00"}]}]},
            "needs `workflowNames`",
        ),
        ({"workflowNames": ["w"], "calendars": []}, "length >= 1 - at `$.calendars`"),
        (
            {"workflowNames": ["w"], "calendars": [{"calendarName": "weekdays", "periods": []}]},
            "at `$.calendars[0].periods`",
        ),
        (
            {
                "workflowNames": ["w"],
                "calendars": [
                    {"calendarName": "x", "timeZone": "Mars/Base", "periods": [{"singleStart": "08:00"}]}
                ],
            },
            "`timeZone`: Unknown time zone: 'Mars/Base' - at `$.calendars[0]`",
        ),
        (
            {
                "workflowNames": ["w"],
                "calendars": [{"calendarName": "x", "periods": [{"singleStart": "8:00"}]}],
            },
            "at `$.calendars[0].periods[0].singleStart`",
        ),
        (
            {
                "workflowNames": ["w"],
                "calendars": [{"calendarName": "x", "periods": [{"singleStart": "24:00"}]}],
            },
            "Time of day out of range: '24:00' - at `$.calendars[0].periods[0]`",
        ),
        (
            {"workflowNames": ["w"], "calendars": [{"calendarName": "x", "periods": [{"begin": "10:00"}]}]},
            "needs `singleStart` or `repeat` - at `$.calendars[0].periods[0]`",
        ),
        (
            {
                "workflowNames": ["w"],
                "calendars": [
                    {"calendarName": "x", "periods": [{"begin": "10:00", "end": "09:00", "repeat": "01:00"}]}
                ],
            },
            "`begin` 10:00 is not before `end` 09:00",
        ),
        (
            {"workflowNames": ["w"], "calendars": [{"calendarName": "x", "periods": [{"repeat": "00:00"}]}]},
            "`repeat` must be longer than 00:00:00",
        ),
        (
            {
                "workflowNames": ["w"],
                "calendars": [
                    {"calendarName": "x", "periods": [{"singleStart": "08:00", "whenHoliday": "SKIP"}]}
                ],
            },
            "at `$.calendars[0].periods[0].whenHoliday`",
        ),
        (
            {
                "workflowNames": ["w"],
                "calendars": [{"calendarName": "x", "periods": [{"singleStart": "08:00"}]}],
                "orderParameterisations": [{"orderName": "a" * 31}],
            },
            "length <= 30 - at `$.orderParameterisations[0].orderName`",
        ),
    ],
)
def test_bad_schedules_are_problems_naming_the_field(raw: dict[str, Any], message: str) -> None:
    parsed = parse_schedule(raw)
    assert isinstance(parsed, Problem) and message in parsed.message, parsed


@pytest.mark.parametrize(
    ("calendars", "non_working", "message"),
    [
        (
            [{"calendarName": "nope", "periods": [{"singleStart": "08:00"}]}],
            [],
            "calendars[0]: Unknown calendar: 'nope'",
        ),
        (
            [{"calendarName": "closed", "periods": [{"singleStart": "08:00"}]}],
            [],
            "is a NONWORKINGDAYSCALENDAR",
        ),
        (
            [{"calendarName": "weekdays", "periods": [{"singleStart": "08:00"}]}],
            [{"calendarName": "gone"}],
            "nonWorkingDayCalendars: Unknown calendar: 'gone'",
        ),
        (
            [
                {
                    "calendarName": "weekdays",
                    "excludes": {"nonWorkingDayCalendars": ["gone"]},
                    "periods": [{"singleStart": "08:00"}],
                }
            ],
            [],
            "calendars[0]: Unknown calendar: 'gone'",
        ),
    ],
)
def test_missing_calendars_are_problems(
    calendars: list[dict[str, Any]], non_working: list[Any], message: str
) -> None:
    runs = run_times(
        schedule(calendars, nonWorkingDayCalendars=non_working), LIBRARY, date(2026, 6, 1), date(2026, 6, 30)
    )
    assert isinstance(runs, Problem) and message in runs.message, runs


zones = st.sampled_from(["Etc/UTC", "America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Tokyo"])
times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


@settings(max_examples=60, deadline=None)
@given(
    zones,
    times,
    st.sampled_from(["00:15", "00:40", "01:00", "03:00"]),
    st.dates(date(2020, 1, 1), date(2035, 12, 1)),
)
def test_run_times_are_unique_in_order_and_on_their_local_date(
    zone: str, time: str, repeat: str, first: date
) -> None:
    sched = schedule(
        [
            {
                "calendarName": "weekdays",
                "timeZone": zone,
                "periods": [{"singleStart": time}, {"repeat": repeat, "begin": time}],
            }
        ]
    )
    last = first + timedelta(days=20)
    runs = run_times(sched, LIBRARY, first, last)
    assert isinstance(runs, list)
    instants = [run.start_ms for run in runs]
    assert instants == sorted(set(instants))
    for run in runs:
        local = datetime.fromtimestamp(run.start_ms / 1000, UTC).astimezone(ZoneInfo(zone))
        assert first <= run.date <= last and run.date.weekday() < 5
        assert local.date() == run.date or local.date() == run.date + timedelta(
            days=1
        )  # a start shifted past midnight


def test_parses_json_text_and_jocs_older_name_for_order_parameterisations() -> None:
    text = b'{"workflowName": "w", "calendars": [{"calendarName": "weekdays", "periods": [{"singleStart": "08:00"}]}],'
    parsed = parse_schedule(text + b' "variableSets": [{"orderName": "old", "variables": {"a": 1}}]}')
    assert isinstance(parsed, Schedule) and parsed.workflows == ("w",)
    assert [p.order_name for p in parsed.order_parameterisations] == ["old"]
    broken = parse_schedule(b'{"workflowName": ')
    assert isinstance(broken, Problem) and broken.message.startswith("Invalid schedule JSON")
