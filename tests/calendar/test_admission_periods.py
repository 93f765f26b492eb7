"""Admission periods: every period type, month ends, month restrictions, DST, and the merged-interval invariants."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from stellwerk.calendar.admission import (
    admission_periods,
    current_or_next_period,
    has_admission_start_on_day,
    indexed_intervals,
    is_admitted,
)
from stellwerk.model.admission import (
    AdmissionPeriod,
    AdmissionTimeScheme,
    DailyPeriod,
    MonthlyDatePeriod,
    MonthlyLastDatePeriod,
    MonthlyLastWeekdayPeriod,
    MonthlyWeekdayPeriod,
    MonthRestriction,
    RestrictedScheme,
    SpecificDatePeriod,
    WeekdayPeriod,
)

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DAY, WEEK, HOUR = 86400, 7 * 86400, 3600


def ts(iso_with_offset: str) -> int:
    return int(datetime.fromisoformat(iso_with_offset).timestamp() * 1000)


def utc(iso: str) -> int:
    return ts(iso + "+00:00")


def scheme(*periods: AdmissionPeriod) -> AdmissionTimeScheme:
    return AdmissionTimeScheme(periods=periods)


def periods_in_utc(period: AdmissionPeriod, from_iso: str, until_iso: str) -> list[tuple[int, int]]:
    return admission_periods(scheme(period), UTC, utc(from_iso), utc(until_iso))


@pytest.mark.parametrize(
    ("period", "from_iso", "until_iso", "expected"),
    [
        pytest.param(
            DailyPeriod(second_of_day=9 * HOUR, duration=2 * HOUR),
            "2024-05-01T00:00",
            "2024-05-02T00:00",
            [("2024-05-01T09:00", "2024-05-01T11:00")],
            id="daily",
        ),
        pytest.param(
            DailyPeriod(second_of_day=22 * HOUR, duration=4 * HOUR),
            "2024-05-01T00:00",
            "2024-05-02T00:00",
            [("2024-04-30T22:00", "2024-05-01T02:00"), ("2024-05-01T22:00", "2024-05-02T02:00")],
            id="daily-across-midnight",
        ),
        pytest.param(
            DailyPeriod(second_of_day=12 * HOUR, duration=36 * HOUR),
            "2024-05-01T00:00",
            "2024-05-01T01:00",
            [("2024-04-30T12:00", "2024-05-02T00:00")],
            id="daily-longer-than-a-day",
        ),
        pytest.param(
            WeekdayPeriod(second_of_week=1 * DAY + 10 * HOUR, duration=HOUR),
            "2024-04-29T00:00",
            "2024-05-06T00:00",
            [("2024-04-30T10:00", "2024-04-30T11:00")],
            id="weekday-tuesday",
        ),
        pytest.param(
            WeekdayPeriod(second_of_week=6 * DAY + 23 * HOUR, duration=2 * HOUR),
            "2024-05-06T00:00",
            "2024-05-06T12:00",
            [("2024-05-05T23:00", "2024-05-06T01:00")],
            id="weekday-sunday-into-monday",
        ),
        pytest.param(
            MonthlyDatePeriod(second_of_month=14 * DAY + 8 * HOUR, duration=HOUR),
            "2024-05-01T00:00",
            "2024-07-01T00:00",
            [("2024-05-15T08:00", "2024-05-15T09:00"), ("2024-06-15T08:00", "2024-06-15T09:00")],
            id="monthly-15th",
        ),
        pytest.param(
            MonthlyDatePeriod(second_of_month=30 * DAY + 8 * HOUR, duration=HOUR),
            "2024-02-01T00:00",
            "2024-03-01T00:00",
            [("2024-02-29T08:00", "2024-02-29T09:00")],
            id="monthly-31st-in-leap-february",
        ),
        pytest.param(
            MonthlyDatePeriod(second_of_month=30 * DAY + 8 * HOUR, duration=HOUR),
            "2023-02-01T00:00",
            "2023-03-01T00:00",
            [("2023-02-28T08:00", "2023-02-28T09:00")],
            id="monthly-31st-in-february",
        ),
        pytest.param(
            MonthlyLastDatePeriod(last_second_of_month=-DAY, duration=HOUR),
            "2024-02-01T00:00",
            "2024-03-01T00:00",
            [("2024-02-29T00:00", "2024-02-29T01:00")],
            id="last-day-leap-february",
        ),
        pytest.param(
            MonthlyLastDatePeriod(last_second_of_month=-DAY, duration=HOUR),
            "2023-02-01T00:00",
            "2023-03-01T00:00",
            [("2023-02-28T00:00", "2023-02-28T01:00")],
            id="last-day-february",
        ),
        pytest.param(
            MonthlyLastDatePeriod(last_second_of_month=-HOUR, duration=HOUR),
            "2024-04-01T00:00",
            "2024-05-01T00:00",
            [("2024-04-30T23:00", "2024-05-01T00:00")],
            id="last-day-23h",
        ),
        pytest.param(
            MonthlyLastDatePeriod(last_second_of_month=-2 * DAY + 6 * HOUR, duration=HOUR),
            "2023-02-01T00:00",
            "2023-03-01T00:00",
            [("2023-02-27T06:00", "2023-02-27T07:00")],
            id="second-last-day",
        ),
        pytest.param(
            MonthlyWeekdayPeriod(second_of_weeks=(7 + 1) * DAY + 10 * HOUR, duration=HOUR),
            "2024-05-01T00:00",
            "2024-07-01T00:00",
            [("2024-05-14T10:00", "2024-05-14T11:00"), ("2024-06-11T10:00", "2024-06-11T11:00")],
            id="second-tuesday",
        ),
        pytest.param(
            MonthlyWeekdayPeriod(second_of_weeks=0, duration=HOUR),
            "2024-09-01T00:00",
            "2024-09-30T00:00",
            [("2024-09-02T00:00", "2024-09-02T01:00")],
            id="first-monday-month-starting-sunday",
        ),
        pytest.param(
            MonthlyWeekdayPeriod(second_of_weeks=0, duration=HOUR),
            "2024-01-01T00:00",
            "2024-01-31T00:00",
            [("2024-01-01T00:00", "2024-01-01T01:00")],
            id="first-monday-month-starting-monday",
        ),
        pytest.param(
            MonthlyLastWeekdayPeriod(second_of_weeks=-WEEK + 4 * DAY + 10 * HOUR, duration=HOUR),
            "2024-04-01T00:00",
            "2024-07-01T00:00",
            [
                ("2024-04-26T10:00", "2024-04-26T11:00"),
                ("2024-05-31T10:00", "2024-05-31T11:00"),
                ("2024-06-28T10:00", "2024-06-28T11:00"),
            ],
            id="last-friday",
        ),
        pytest.param(
            MonthlyLastWeekdayPeriod(second_of_weeks=-2 * WEEK + 4 * DAY + 10 * HOUR, duration=HOUR),
            "2024-05-01T00:00",
            "2024-06-01T00:00",
            [("2024-05-24T10:00", "2024-05-24T11:00")],
            id="second-last-friday",
        ),
        pytest.param(
            SpecificDatePeriod(seconds_since_local_epoch=utc("2024-05-01T12:00") // 1000, duration=HOUR),
            "2024-01-01T00:00",
            "2025-01-01T00:00",
            [("2024-05-01T12:00", "2024-05-01T13:00")],
            id="specific-date",
        ),
        pytest.param(
            SpecificDatePeriod(seconds_since_local_epoch=utc("2024-05-01T12:00") // 1000, duration=HOUR),
            "2024-05-01T13:00",
            "2025-01-01T00:00",
            [],
            id="specific-date-past",
        ),
    ],
)
def test_period_types(
    period: AdmissionPeriod, from_iso: str, until_iso: str, expected: list[tuple[str, str]]
) -> None:
    assert periods_in_utc(period, from_iso, until_iso) == [(utc(a), utc(b)) for a, b in expected]


def test_overlapping_and_touching_periods_are_merged() -> None:
    overlapping = scheme(
        DailyPeriod(second_of_day=9 * HOUR, duration=2 * HOUR),
        DailyPeriod(second_of_day=10 * HOUR, duration=2 * HOUR),
        DailyPeriod(second_of_day=12 * HOUR, duration=HOUR),
        DailyPeriod(second_of_day=14 * HOUR, duration=HOUR),
    )
    assert admission_periods(overlapping, UTC, utc("2024-05-01T00:00"), utc("2024-05-02T00:00")) == [
        (utc("2024-05-01T09:00"), utc("2024-05-01T13:00")),
        (utc("2024-05-01T14:00"), utc("2024-05-01T15:00")),
    ]


def test_period_index_counts_plain_periods_then_restricted_ones() -> None:
    mixed = AdmissionTimeScheme(
        periods=(DailyPeriod(second_of_day=10 * HOUR, duration=HOUR),),
        restricted_schemes=(
            RestrictedScheme(
                restriction=MonthRestriction(months=(5,)),
                periods=(DailyPeriod(second_of_day=9 * HOUR, duration=HOUR),),
            ),
        ),
    )
    assert indexed_intervals(mixed, UTC, utc("2024-05-01T00:00"), utc("2024-05-02T00:00")) == [
        (1, (utc("2024-05-01T09:00"), utc("2024-05-01T10:00"))),
        (0, (utc("2024-05-01T10:00"), utc("2024-05-01T11:00"))),
    ]


def restricted(months: tuple[int, ...], *periods: AdmissionPeriod) -> AdmissionTimeScheme:
    return AdmissionTimeScheme(
        restricted_schemes=(RestrictedScheme(restriction=MonthRestriction(months=months), periods=periods),)
    )


def test_month_restriction_keeps_only_listed_months() -> None:
    daily = restricted((1, 12), DailyPeriod(second_of_day=9 * HOUR, duration=HOUR))
    assert admission_periods(daily, UTC, utc("2024-11-29T00:00"), utc("2024-12-03T00:00")) == [
        (utc("2024-12-01T09:00"), utc("2024-12-01T10:00")),
        (utc("2024-12-02T09:00"), utc("2024-12-02T10:00")),
    ]


def test_month_restriction_clips_a_period_crossing_into_an_excluded_month() -> None:
    last_day = restricted((1,), MonthlyLastDatePeriod(last_second_of_month=-HOUR, duration=2 * HOUR))
    assert admission_periods(last_day, UTC, utc("2024-01-01T00:00"), utc("2024-03-01T00:00")) == [
        (utc("2024-01-01T00:00"), utc("2024-01-01T01:00")),  # December's occurrence, its January part
        (utc("2024-01-31T23:00"), utc("2024-02-01T00:00")),
    ]
    late_evening = restricted((2,), DailyPeriod(second_of_day=23 * HOUR, duration=2 * HOUR))
    assert admission_periods(late_evening, UTC, utc("2024-01-31T00:00"), utc("2024-02-01T12:00")) == [
        (utc("2024-02-01T00:00"), utc("2024-02-01T01:00"))
    ]


@pytest.mark.parametrize(
    ("zone", "second_of_day", "duration", "day", "expected"),
    [
        # spring forward, Europe/Berlin 2024-03-31 02:00 CET -> 03:00 CEST
        (BERLIN, 9000, HOUR, "2024-03-31", ("2024-03-31T03:30+02:00", "2024-03-31T04:30+02:00")),
        (BERLIN, 0, DAY, "2024-03-31", ("2024-03-31T00:00+01:00", "2024-04-01T00:00+02:00")),
        (BERLIN, 5400, HOUR, "2024-03-31", ("2024-03-31T01:30+01:00", "2024-03-31T03:30+02:00")),
        # fall back, Europe/Berlin 2024-10-27 03:00 CEST -> 02:00 CET: a 25-hour day
        (BERLIN, 0, DAY, "2024-10-27", ("2024-10-27T00:00+02:00", "2024-10-28T00:00+01:00")),
        (BERLIN, 9000, HOUR, "2024-10-27", ("2024-10-27T02:30+02:00", "2024-10-27T03:30+01:00")),
        # America/New_York 2024-03-10 02:00 EST -> 03:00 EDT and 2024-11-03 02:00 EDT -> 01:00 EST
        (NEW_YORK, 9000, HOUR, "2024-03-10", ("2024-03-10T03:30-04:00", "2024-03-10T04:30-04:00")),
        (NEW_YORK, 0, DAY, "2024-03-10", ("2024-03-10T00:00-05:00", "2024-03-11T00:00-04:00")),
        (NEW_YORK, 0, DAY, "2024-11-03", ("2024-11-03T00:00-04:00", "2024-11-04T00:00-05:00")),
        (NEW_YORK, 5400, HOUR, "2024-11-03", ("2024-11-03T01:30-04:00", "2024-11-03T02:30-05:00")),
    ],
)
def test_daily_period_on_dst_days(
    zone: ZoneInfo, second_of_day: int, duration: int, day: str, expected: tuple[str, str]
) -> None:
    period = scheme(DailyPeriod(second_of_day=second_of_day, duration=duration))
    found = indexed_intervals(period, zone, ts(day + "T00:00+00:00"), ts(day + "T18:00+00:00"))
    assert (0, (ts(expected[0]), ts(expected[1]))) in found


def test_all_day_admission_has_no_hole_and_no_overlap_across_dst() -> None:
    all_day = scheme(DailyPeriod(second_of_day=0, duration=DAY))
    for zone in (BERLIN, NEW_YORK):
        found = admission_periods(all_day, zone, utc("2024-01-01T12:00"), utc("2024-12-31T12:00"))
        assert len(found) == 1


def test_is_admitted_at_the_edges() -> None:
    nine_to_eleven = scheme(DailyPeriod(second_of_day=9 * HOUR, duration=2 * HOUR))
    assert is_admitted(nine_to_eleven, BERLIN, ts("2024-05-01T09:00+02:00"))
    assert is_admitted(nine_to_eleven, BERLIN, ts("2024-05-01T10:59:59.999+02:00"))
    assert not is_admitted(nine_to_eleven, BERLIN, ts("2024-05-01T11:00+02:00"))
    assert not is_admitted(nine_to_eleven, BERLIN, ts("2024-05-01T08:59:59.999+02:00"))
    assert not is_admitted(AdmissionTimeScheme(), BERLIN, ts("2024-05-01T09:30+02:00"))


def test_current_or_next_period() -> None:
    nine_to_eleven = scheme(DailyPeriod(second_of_day=9 * HOUR, duration=2 * HOUR))
    today = (ts("2024-05-01T09:00+02:00"), ts("2024-05-01T11:00+02:00"))
    tomorrow = (ts("2024-05-02T09:00+02:00"), ts("2024-05-02T11:00+02:00"))
    assert current_or_next_period(nine_to_eleven, BERLIN, ts("2024-05-01T08:00+02:00")) == today
    assert current_or_next_period(nine_to_eleven, BERLIN, ts("2024-05-01T10:00+02:00")) == today
    assert current_or_next_period(nine_to_eleven, BERLIN, ts("2024-05-01T11:00+02:00")) == tomorrow
    assert (
        current_or_next_period(nine_to_eleven, BERLIN, ts("2024-05-01T12:00+02:00"), horizon_ms=1000) is None
    )
    assert current_or_next_period(AdmissionTimeScheme(), BERLIN, 0) is None


def test_current_or_next_period_finds_a_far_period_and_joins_touching_ones() -> None:
    far = SpecificDatePeriod(seconds_since_local_epoch=utc("2026-05-01T12:00") // 1000, duration=HOUR)
    assert current_or_next_period(scheme(far), UTC, utc("2024-05-01T00:00")) == (
        utc("2026-05-01T12:00"),
        utc("2026-05-01T13:00"),
    )
    weekdays = scheme(*(WeekdayPeriod(second_of_week=d * DAY, duration=DAY) for d in range(5)))
    assert current_or_next_period(weekdays, UTC, utc("2024-05-04T12:00")) == (
        utc("2024-05-06T00:00"),
        utc("2024-05-11T00:00"),
    )
    all_day = scheme(DailyPeriod(second_of_day=0, duration=DAY))
    found = current_or_next_period(all_day, UTC, utc("2024-05-01T12:00"), horizon_ms=30 * DAY * 1000)
    assert found is not None
    assert found[0] == utc("2024-05-01T00:00")
    assert found[1] >= utc("2024-05-31T12:00")


def test_has_admission_start_on_day() -> None:
    tuesday = scheme(WeekdayPeriod(second_of_week=DAY + 10 * HOUR, duration=HOUR))
    assert has_admission_start_on_day(tuesday, BERLIN, date(2024, 4, 30))
    assert not has_admission_start_on_day(tuesday, BERLIN, date(2024, 5, 1))
    late = scheme(DailyPeriod(second_of_day=22 * HOUR, duration=4 * HOUR))
    assert has_admission_start_on_day(late, BERLIN, date(2024, 5, 1))
    last_day = scheme(MonthlyLastDatePeriod(last_second_of_month=-DAY, duration=HOUR))
    assert has_admission_start_on_day(last_day, BERLIN, date(2024, 2, 29))
    assert not has_admission_start_on_day(last_day, BERLIN, date(2024, 2, 28))
    january_only = restricted((1,), DailyPeriod(second_of_day=9 * HOUR, duration=HOUR))
    assert has_admission_start_on_day(january_only, BERLIN, date(2024, 1, 31))
    assert not has_admission_start_on_day(january_only, BERLIN, date(2024, 2, 1))
    spring_gap = scheme(DailyPeriod(second_of_day=9000, duration=HOUR))
    assert has_admission_start_on_day(spring_gap, BERLIN, date(2024, 3, 31))
