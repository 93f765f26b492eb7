"""JOC calendar frequencies: every kind, ultimos, leap years, from/to, and precise errors on bad input."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stellwerk.calendar.frequencies import Frequencies, joc_weekday, no_names


def resolve(frequencies: dict[str, Any], first: str, last: str) -> list[str]:
    parsed = msgspec.convert(frequencies, Frequencies)
    found = parsed.resolve(date.fromisoformat(first), date.fromisoformat(last), no_names)
    return sorted(day.isoformat() for day in found)


@pytest.mark.parametrize(
    ("frequencies", "first", "last", "expected"),
    [
        pytest.param(
            {"dates": ["2026-01-05", "2026-02-01", "2025-12-31"]},
            "2026-01-01",
            "2026-01-31",
            ["2026-01-05"],
            id="dates_inside_the_range",
        ),
        pytest.param(
            {"weekdays": [{"days": [0, 6]}]},
            "2026-03-01",
            "2026-03-10",
            ["2026-03-01", "2026-03-07", "2026-03-08"],
            id="weekdays_sunday_is_0_saturday_6",
        ),
        pytest.param(
            {"weekdays": [{"days": [1], "from": "2026-03-03", "to": "2026-03-20"}]},
            "2026-03-01",
            "2026-03-31",
            ["2026-03-09", "2026-03-16"],
            id="weekdays_narrowed_by_from_to",
        ),
        pytest.param(
            {"monthdays": [{"days": [1, 15, 31]}]},
            "2026-01-01",
            "2026-04-30",
            ["2026-01-01", "2026-01-15", "2026-01-31", "2026-02-01", "2026-02-15"]
            + ["2026-03-01", "2026-03-15", "2026-03-31", "2026-04-01", "2026-04-15"],
            id="monthdays_31_only_in_long_months",
        ),
        pytest.param(
            {"monthdays": [{"days": [29]}]},
            "2027-02-01",
            "2028-02-29",
            sorted(
                ["2027-03-29", "2027-04-29", "2027-05-29", "2027-06-29", "2027-07-29", "2027-08-29"]
                + ["2027-09-29", "2027-10-29", "2027-11-29", "2027-12-29", "2028-01-29", "2028-02-29"]
            ),
            id="monthdays_29_february_only_in_leap_years",
        ),
        pytest.param(
            {"monthdays": [{"weeklyDays": [{"day": 1, "weekOfMonth": 2}, {"day": 5, "weekOfMonth": 5}]}]},
            "2026-01-01",
            "2026-03-31",
            ["2026-01-12", "2026-01-30", "2026-02-09", "2026-03-09"],
            id="monthdays_second_monday_and_fifth_friday_if_any",
        ),
        pytest.param(
            {"ultimos": [{"days": [1, 3]}]},
            "2024-01-01",
            "2024-03-31",
            ["2024-01-29", "2024-01-31", "2024-02-27", "2024-02-29", "2024-03-29", "2024-03-31"],
            id="ultimos_last_and_third_last_day_leap_february",
        ),
        pytest.param(
            {"ultimos": [{"days": [1]}]},
            "2025-02-01",
            "2025-02-28",
            ["2025-02-28"],
            id="ultimos_last_day_of_common_february",
        ),
        pytest.param(
            {"ultimos": [{"weeklyDays": [{"day": 5, "weekOfMonth": 1}, {"day": 0, "weekOfMonth": 2}]}]},
            "2026-05-01",
            "2026-05-31",
            ["2026-05-24", "2026-05-29"],
            id="ultimos_last_friday_and_second_last_sunday",
        ),
        pytest.param(
            {"months": [{"months": [2, 11], "monthdays": [{"days": [1]}], "ultimos": [{"days": [1]}]}]},
            "2026-01-01",
            "2026-12-31",
            ["2026-02-01", "2026-02-28", "2026-11-01", "2026-11-30"],
            id="months_restrict_their_frequencies",
        ),
        pytest.param(
            {"months": [{"months": [6], "weekdays": [{"days": [3]}], "from": "2026-06-10"}]},
            "2026-01-01",
            "2026-12-31",
            ["2026-06-10", "2026-06-17", "2026-06-24"],
            id="months_with_from",
        ),
        pytest.param(
            {"holidays": [{"nationalCalendar": "my own", "dates": ["2026-12-24", "2026-12-31"]}]},
            "2026-12-01",
            "2026-12-30",
            ["2026-12-24"],
            id="holidays_listed_dates",
        ),
        pytest.param(
            {"holidays": [{"nationalCalendar": "DE-BY"}]},
            "2026-01-01",
            "2026-06-30",
            ["2026-01-01", "2026-01-06", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14"]
            + ["2026-05-25", "2026-06-04"],
            id="holidays_of_a_region_from_the_holidays_package",
        ),
        pytest.param(
            {"holidays": [{"nationalCalendar": "US"}]},
            "2026-07-01",
            "2026-07-31",
            ["2026-07-03", "2026-07-04"],  # July 4th is a Saturday: observed on Friday too
            id="holidays_of_a_country_with_the_observed_day",
        ),
        pytest.param(
            {"repetitions": [{"repetition": "DAILY", "step": 3, "from": "2026-01-30"}]},
            "2026-02-01",
            "2026-02-08",
            ["2026-02-02", "2026-02-05", "2026-02-08"],
            id="repetitions_every_3_days_from_the_anchor",
        ),
        pytest.param(
            {"repetitions": [{"repetition": "WEEKLY", "step": 2, "from": "2026-01-01", "to": "2026-02-10"}]},
            "2025-12-01",
            "2026-12-31",
            ["2026-01-01", "2026-01-15", "2026-01-29"],
            id="repetitions_every_other_week_until_to",
        ),
        pytest.param(
            {"repetitions": [{"repetition": "MONTHLY", "step": 1, "from": "2024-01-31"}]},
            "2024-01-01",
            "2024-05-31",
            ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"],
            id="repetitions_monthly_clamp_to_the_month_end",
        ),
        pytest.param(
            {"repetitions": [{"repetition": "YEARLY", "step": 1, "from": "2024-02-29"}]},
            "2025-01-01",
            "2028-12-31",
            ["2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"],
            id="repetitions_yearly_from_a_leap_day",
        ),
        pytest.param(
            {"repetitions": [{"repetition": "MONTHLY", "step": 5, "from": "2020-03-10"}]},
            "2026-01-01",
            "2026-12-31",
            ["2026-01-10", "2026-06-10", "2026-11-10"],  # 70, 75, 80 months on
            id="repetitions_far_anchor",
        ),
        pytest.param({}, "2026-01-01", "2026-12-31", [], id="nothing"),
        pytest.param({"weekdays": [{"days": [1]}]}, "2026-02-01", "2026-01-01", [], id="empty_range"),
    ],
)
def test_frequency_kinds(frequencies: dict[str, Any], first: str, last: str, expected: list[str]) -> None:
    assert resolve(frequencies, first, last) == expected


@pytest.mark.parametrize(
    ("frequencies", "message"),
    [
        ({"weekdays": [{"days": [7]}]}, "Expected `int` <= 6 - at `$.weekdays[0].days[0]`"),
        ({"monthdays": [{"days": [0]}]}, "Expected `int` >= 1 - at `$.monthdays[0].days[0]`"),
        ({"monthdays": [{"from": "2026-01-01"}]}, "needs `days` or `weeklyDays` - at `$.monthdays[0]`"),
        (
            {"ultimos": [{"weeklyDays": [{"day": 1, "weekOfMonth": 6}]}]},
            "Expected `int` <= 5 - at `$.ultimos[0].weeklyDays[0].weekOfMonth`",
        ),
        ({"months": [{"months": [13], "weekdays": [{"days": [1]}]}]}, "<= 12 - at `$.months[0].months[0]`"),
        (
            {"months": [{"months": [1]}]},
            "needs `weekdays`, `monthdays`, `ultimos` or `repetitions` - at `$.months[0]`",
        ),
        (
            {"repetitions": [{"repetition": "HOURLY", "from": "2026-01-01"}]},
            "at `$.repetitions[0].repetition`",
        ),
        ({"repetitions": [{"repetition": "DAILY"}]}, "missing required field `from` - at `$.repetitions[0]`"),
        (
            {"repetitions": [{"repetition": "DAILY", "from": "2026-01-01", "step": 0}]},
            "at `$.repetitions[0].step`",
        ),
        ({"dates": ["2026-02-30"]}, "Invalid RFC3339 encoded date - at `$.dates[0]`"),
        (
            {"weekdays": [{"days": [1], "from": "2026-02-01", "to": "2026-01-01"}]},
            "`from` 2026-02-01 is after `to` 2026-01-01 - at `$.weekdays[0]`",
        ),
        ({"holidays": [{"nationalCalendar": "DE-XX"}]}, "Unknown holiday region: 'DE-XX'"),
        ({"holidays": [{}]}, "needs `dates` or a `nationalCalendar`"),
    ],
)
def test_bad_frequencies_name_the_field(frequencies: dict[str, Any], message: str) -> None:
    with pytest.raises(msgspec.ValidationError) as raised:
        msgspec.convert(frequencies, Frequencies)
    assert message in str(raised.value)


days_in = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


def span(first: date, length: int) -> tuple[date, date]:
    return first, first + timedelta(days=length)


@given(days_in, st.integers(0, 400), st.sets(st.integers(0, 6), min_size=1))
def test_weekdays_are_exactly_the_days_of_those_weekdays(first: date, length: int, days: set[int]) -> None:
    lo, hi = span(first, length)
    found = msgspec.convert({"weekdays": [{"days": sorted(days)}]}, Frequencies).resolve(lo, hi, no_names)
    every_day = {lo + timedelta(days=i) for i in range(length + 1)}
    assert found == {day for day in every_day if joc_weekday(day) in days}


@given(days_in, st.integers(0, 400), st.integers(1, 31))
def test_ultimo_n_is_the_monthday_counted_back_from_the_month_end(first: date, length: int, n: int) -> None:
    lo, hi = span(first, length)
    found = msgspec.convert({"ultimos": [{"days": [n]}]}, Frequencies).resolve(lo, hi, no_names)
    for day in found:
        month_end = day + timedelta(days=n - 1)
        assert month_end.month == day.month and (month_end + timedelta(days=1)).day == 1


@given(days_in, st.integers(0, 200), days_in, st.integers(1, 9))
def test_daily_repetition_is_every_step_th_day_from_its_anchor(
    first: date, length: int, anchor: date, step: int
) -> None:
    lo, hi = span(first, length)
    raw = {"repetitions": [{"repetition": "DAILY", "step": step, "from": anchor.isoformat()}]}
    found = msgspec.convert(raw, Frequencies).resolve(lo, hi, no_names)
    every_day = {lo + timedelta(days=i) for i in range(length + 1)}
    assert found == {day for day in every_day if day >= anchor and (day - anchor).days % step == 0}


@given(days_in, st.integers(0, 800), days_in, st.integers(1, 14))
def test_monthly_repetition_yields_one_date_per_step_within_the_range(
    first: date, length: int, anchor: date, step: int
) -> None:
    lo, hi = span(first, length)
    raw = {"repetitions": [{"repetition": "MONTHLY", "step": step, "from": anchor.isoformat()}]}
    found = sorted(msgspec.convert(raw, Frequencies).resolve(lo, hi, no_names))
    assert all(lo <= day <= hi and day >= anchor for day in found)
    months = [(day.year * 12 + day.month) - (anchor.year * 12 + anchor.month) for day in found]
    assert all(m % step == 0 for m in months)
    assert all(day.day == anchor.day or day.day < anchor.day for day in found)
    assert months == sorted(set(months))
