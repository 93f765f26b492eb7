"""JOC calendars: includes minus excludes, from/to, non-working-day calendars by name, and schedule restrictions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stellwerk.calendar.calendars import Calendar, CalendarLibrary, parse_calendar, restrict
from stellwerk.calendar.frequencies import Frequencies
from stellwerk.model.problems import Problem

WEEKDAYS = {"weekdays": [{"days": [1, 2, 3, 4, 5]}]}


def calendar(raw: dict[str, Any]) -> Calendar:
    parsed = parse_calendar(raw)
    assert isinstance(parsed, Calendar), parsed
    return parsed


def dates_of(library: CalendarLibrary, name: str, first: str, last: str) -> list[str] | Problem:
    found = library.dates(name, date.fromisoformat(first), date.fromisoformat(last))
    return found if isinstance(found, Problem) else sorted(day.isoformat() for day in found)


def test_includes_minus_excludes_within_from_to() -> None:
    library = CalendarLibrary(
        {
            "office": calendar(
                {
                    "type": "WORKINGDAYSCALENDAR",
                    "from": "2026-01-05",
                    "to": "2026-01-16",
                    "includes": WEEKDAYS | {"dates": ["2026-01-10"]},
                    "excludes": {"dates": ["2026-01-07"], "weekdays": [{"days": [5]}]},
                }
            )
        }
    )
    assert dates_of(library, "office", "2026-01-01", "2026-01-31") == [
        "2026-01-05",
        "2026-01-06",
        "2026-01-08",
        "2026-01-10",
        "2026-01-12",
        "2026-01-13",
        "2026-01-14",
        "2026-01-15",
    ]


def test_a_calendar_excludes_the_days_of_named_non_working_day_calendars() -> None:
    library = CalendarLibrary(
        {
            "office": calendar(
                {"includes": WEEKDAYS, "excludes": {"nonWorkingDayCalendars": ["bavaria", "closed"]}}
            ),
            "bavaria": calendar(
                {"type": "NONWORKINGDAYSCALENDAR", "includes": {"holidays": [{"nationalCalendar": "DE-BY"}]}}
            ),
            "closed": calendar({"type": "NONWORKINGDAYSCALENDAR", "includes": {"dates": ["2026-01-02"]}}),
        }
    )
    assert dates_of(library, "office", "2026-01-01", "2026-01-09") == [
        "2026-01-05",
        "2026-01-07",
        "2026-01-08",
        "2026-01-09",
    ]


def test_unknown_and_cyclic_references_are_problems() -> None:
    library = CalendarLibrary(
        {
            "a": calendar({"includes": {"nonWorkingDayCalendars": ["b"]}}),
            "b": calendar({"includes": {"nonWorkingDayCalendars": ["a"]}}),
            "c": calendar({"includes": {"nonWorkingDayCalendars": ["missing"]}}),
        }
    )
    cycle = dates_of(library, "a", "2026-01-01", "2026-01-31")
    assert isinstance(cycle, Problem) and "cycle: a -> b -> a" in cycle.message
    assert dates_of(library, "c", "2026-01-01", "2026-01-31") == Problem(
        "Calendar 'c': Unknown calendar: 'missing'"
    )
    assert dates_of(library, "nope", "2026-01-01", "2026-01-31") == Problem("Unknown calendar: 'nope'")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "Object missing required field `includes`"),
        ({"includes": {}, "colour": "red"}, "Object contains unknown field `colour`"),
        ({"includes": {}, "type": "HOLIDAYS"}, "at `$.type`"),
        (
            {"includes": {}, "from": "2026-02-01", "to": "2026-01-01"},
            "`from` 2026-02-01 is after `to` 2026-01-01",
        ),
        (
            {"includes": {"weekdays": [{"days": ["Mon"]}]}},
            "Expected `int`, got `str` - at `$.includes.weekdays[0].days[0]`",
        ),
        (b'{"includes": ', "Invalid calendar JSON"),
    ],
)
def test_bad_calendars_are_problems_naming_the_field(raw: Any, message: str) -> None:
    parsed = parse_calendar(raw)
    assert isinstance(parsed, Problem) and message in parsed.message, parsed


def test_parses_inventory_json_text() -> None:
    parsed = parse_calendar(b'{"type": "WORKINGDAYSCALENDAR", "includes": {"weekdays": [{"days": [1]}]}}')
    assert isinstance(parsed, Calendar) and parsed.includes.weekdays[0].days == (1,)


def frequencies(raw: dict[str, Any]) -> Frequencies:
    return msgspec.convert(raw, Frequencies)


def no_names(name: str, first: date, last: date) -> frozenset[date]:
    return frozenset()


JAN_FEB_2026 = (date(2026, 1, 1), date(2026, 2, 28))
WORKING_DAYS = frozenset(
    day
    for day in (date.fromordinal(date(2026, 1, 1).toordinal() + i) for i in range(59))
    if day.weekday() < 5
) - {date(2026, 1, 1), date(2026, 1, 2)}


@pytest.mark.parametrize(
    ("includes", "excludes", "expected"),
    [
        pytest.param({}, {}, len(WORKING_DAYS), id="no_restriction_keeps_all"),
        pytest.param(
            {"monthdays": [{"days": [1]}]},
            {},
            ["2026-01-05", "2026-02-02"],
            id="first_working_day_of_the_month",
        ),
        pytest.param(
            {"ultimos": [{"days": [1, 2]}]},
            {},
            ["2026-01-29", "2026-01-30", "2026-02-26", "2026-02-27"],
            id="last_two_working_days",
        ),
        pytest.param({"weekdays": [{"days": [5]}]}, {"dates": ["2026-01-09"]}, 7, id="fridays_but_one"),
        pytest.param(
            {"monthdays": [{"weeklyDays": [{"day": 1, "weekOfMonth": 1}]}]},
            {},
            ["2026-01-05", "2026-02-02"],
            id="first_monday",
        ),
        pytest.param({"dates": ["2026-01-03", "2026-01-06"]}, {}, ["2026-01-06"], id="only_working_dates"),
        pytest.param(
            {"monthdays": [{"days": [2], "from": "2026-02-01"}]},
            {},
            ["2026-02-03"],
            id="second_working_day_from",
        ),
        pytest.param(
            {"ultimos": [{"weeklyDays": [{"day": 5, "weekOfMonth": 1}]}]},
            {"weekdays": [{"days": [5], "to": "2026-01-31"}]},
            ["2026-02-27"],
            id="last_friday_except_in_january",
        ),
    ],
)
def test_schedule_restrictions_count_the_calendars_dates(
    includes: dict[str, Any], excludes: dict[str, Any], expected: list[str] | int
) -> None:
    kept = restrict(WORKING_DAYS, frequencies(includes), frequencies(excludes), *JAN_FEB_2026, no_names)
    if isinstance(expected, int):
        assert len(kept) == expected and kept <= WORKING_DAYS
    else:
        assert sorted(day.isoformat() for day in kept) == expected


any_frequencies = st.sampled_from(
    [
        {"weekdays": [{"days": [1, 3]}]},
        {"monthdays": [{"days": [1, 10, 31]}]},
        {"ultimos": [{"days": [1, 2]}]},
        {"repetitions": [{"repetition": "DAILY", "step": 4, "from": "2025-12-30"}]},
        {"months": [{"months": [2, 3], "weekdays": [{"days": [5]}]}]},
        {},
    ]
)


@given(any_frequencies, any_frequencies, st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.integers(0, 500))
def test_a_calendar_is_its_includes_minus_its_excludes_within_from_to(
    includes: dict[str, Any], excludes: dict[str, Any], start: date, length: int
) -> None:
    bounded = calendar({"includes": includes, "excludes": excludes, "from": "2026-01-01", "to": "2026-12-31"})
    first, last = start, start + timedelta(days=length)
    found = CalendarLibrary({"c": bounded}).dates("c", first, last)
    assert not isinstance(found, Problem)
    lo, hi = max(first, date(2026, 1, 1)), min(last, date(2026, 12, 31))
    expected = frequencies(includes).resolve(lo, hi, no_names) - frequencies(excludes).resolve(
        lo, hi, no_names
    )
    assert found == expected


@given(any_frequencies, any_frequencies, any_frequencies)
def test_a_restriction_only_ever_keeps_the_calendars_own_dates(
    base_frequencies: dict[str, Any], includes: dict[str, Any], excludes: dict[str, Any]
) -> None:
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    base = frozenset(frequencies(base_frequencies).resolve(first, last, no_names))
    kept = restrict(base, frequencies(includes), frequencies(excludes), first, last, no_names)
    assert kept <= base
    assert not kept & frequencies(excludes).resolve(first, last, no_names)
    if not includes and not excludes:
        assert kept == base
