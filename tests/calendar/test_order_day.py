"""The order day window from the order id and the engine Calendar (JS7 CalendarExecutorTest, and more)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from stellwerk.calendar.orderday import order_day
from stellwerk.model.items import Calendar
from stellwerk.model.problems import Problem

MARIEHAMN = ZoneInfo("Europe/Mariehamn")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR_MS = 3_600_000


def ts(iso_with_offset: str) -> int:
    return int(datetime.fromisoformat(iso_with_offset).timestamp() * 1000)


def test_e10_order_day_in_berlin() -> None:
    assert order_day(Calendar(), "#2024-05-01#P0000000001-cyc", BERLIN) == (1714514400000, 1714600800000)


@pytest.mark.parametrize(
    ("order_id", "start", "hours"),
    [
        ("#2021-10-01#", "2021-10-01T06:00+03:00", 24),
        ("#2021-10-01#SUFFIX", "2021-10-01T06:00+03:00", 24),
        ("#2021-03-27#", "2021-03-27T06:00+02:00", 23),  # the window contains the spring-forward
        ("#2021-10-30#", "2021-10-30T06:00+03:00", 25),  # the window contains the fall-back
    ],
)
def test_date_offset_and_dst(order_id: str, start: str, hours: int) -> None:
    calendar = Calendar(path="CALENDAR", date_offset=6 * 3600)
    window = order_day(calendar, order_id, MARIEHAMN)
    assert window == (ts(start), ts(start) + hours * HOUR_MS)


def test_new_york_dst_days() -> None:
    assert order_day(Calendar(), "#2024-03-10#x", NEW_YORK) == (
        ts("2024-03-10T00:00-05:00"),
        ts("2024-03-11T00:00-04:00"),
    )
    window = order_day(Calendar(), "#2024-11-03#x", NEW_YORK)
    assert not isinstance(window, Problem)
    assert window[1] - window[0] == 25 * HOUR_MS


@pytest.mark.parametrize(
    ("order_id", "message"),
    [
        ("x", "Order:x does not match the pattern defined in Calendar:CALENDAR"),
        (
            "PREFIX#2021-10-01#",
            "Order:PREFIX#2021-10-01# does not match the pattern defined in Calendar:CALENDAR",
        ),
        ("#2021-10-1#", "Text '2021-10-1' could not be parsed as a date"),
        ("#2021-13-01#", "Text '2021-13-01' could not be parsed as a date: month must be in 1..12"),
    ],
)
def test_ids_without_a_date_are_problems(order_id: str, message: str) -> None:
    assert order_day(Calendar(path="CALENDAR"), order_id, BERLIN) == Problem(message)


def test_day_beyond_month_end_moves_to_the_last_day() -> None:
    assert order_day(Calendar(), "#2023-02-30#", BERLIN) == order_day(Calendar(), "#2023-02-28#", BERLIN)


def test_other_day_patterns() -> None:
    compact = Calendar(order_id_pattern=r"D(\d{8})-.*", period_date_pattern="yyyyMMdd")
    assert order_day(compact, "D20240501-x", BERLIN) == (1714514400000, 1714600800000)
    dotted = Calendar(order_id_pattern=r"#([^#]+)#.*", period_date_pattern="d.M.yyyy")
    assert order_day(dotted, "#1.5.2024#", BERLIN) == (1714514400000, 1714600800000)


@pytest.mark.parametrize(
    ("order_id", "monday"),
    [
        ("#2024-W01#", "2024-01-01"),
        ("#2021-W01#", "2021-01-04"),
        ("#2020-W53#", "2020-12-28"),
        ("#2016-W01#", "2016-01-04"),
    ],
)
def test_week_pattern_gives_an_iso_week(order_id: str, monday: str) -> None:
    weekly = Calendar(period_date_pattern="YYYY-'W'ww", date_offset=6 * 3600)
    start = ts(monday + "T06:00+00:00")
    assert order_day(weekly, order_id, ZoneInfo("UTC")) == (start, start + 7 * 24 * HOUR_MS)


def test_week_53_of_a_52_week_year_is_a_problem() -> None:
    assert isinstance(order_day(Calendar(period_date_pattern="YYYY-'W'ww"), "#2021-W53#", BERLIN), Problem)


@pytest.mark.parametrize(
    "calendar",
    [
        Calendar(date_offset=24 * 3600),
        Calendar(date_offset=-1),
        Calendar(order_id_pattern="#([^#]+#"),
        Calendar(order_id_pattern="#([^#]+)#(.*)"),
        Calendar(period_date_pattern="yyyy-MMM-dd"),
        Calendar(period_date_pattern="yyyy-MM"),
        Calendar(period_date_pattern="yyyy-MM-dd HH"),
    ],
)
def test_invalid_calendars_are_problems(calendar: Calendar) -> None:
    assert isinstance(order_day(calendar, "#2024-05-01#x", BERLIN), Problem)
