"""Properties of admission periods over random schemes, zones and ranges."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from stellwerk.calendar.admission import admission_periods, current_or_next_period, is_admitted
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

DAY, WEEK = 86400, 7 * 86400


ZONES = [
    ZoneInfo("UTC"),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("Asia/Kolkata"),
]


def period_strategy() -> st.SearchStrategy[AdmissionPeriod]:
    duration = st.integers(min_value=1, max_value=3 * DAY)
    return st.one_of(
        st.builds(DailyPeriod, second_of_day=st.integers(0, DAY - 1), duration=duration),
        st.builds(WeekdayPeriod, second_of_week=st.integers(0, WEEK - 1), duration=duration),
        st.builds(MonthlyDatePeriod, second_of_month=st.integers(0, 31 * DAY - 1), duration=duration),
        st.builds(
            MonthlyLastDatePeriod, last_second_of_month=st.integers(-28 * DAY + 1, -1), duration=duration
        ),
        st.builds(MonthlyWeekdayPeriod, second_of_weeks=st.integers(0, 4 * WEEK - 1), duration=duration),
        st.builds(
            MonthlyLastWeekdayPeriod, second_of_weeks=st.integers(-4 * WEEK + 1, -1), duration=duration
        ),
        st.builds(
            SpecificDatePeriod,
            seconds_since_local_epoch=st.integers(1_704_067_200, 1_735_689_600),
            duration=duration,
        ),
    )


def scheme_strategy() -> st.SearchStrategy[AdmissionTimeScheme]:
    restriction = st.builds(
        MonthRestriction, months=st.lists(st.integers(1, 12), min_size=1, max_size=11, unique=True).map(tuple)
    )
    restricted_scheme = st.builds(
        RestrictedScheme, restriction=restriction, periods=st.lists(period_strategy(), max_size=2).map(tuple)
    )
    return st.builds(
        AdmissionTimeScheme,
        periods=st.lists(period_strategy(), max_size=3).map(tuple),
        restricted_schemes=st.lists(restricted_scheme, max_size=1).map(tuple),
    )


@settings(max_examples=150, deadline=None)
@given(
    admission=scheme_strategy(),
    zone=st.sampled_from(ZONES),
    from_ms=st.integers(1_704_067_200_000, 1_735_689_600_000),
    span_ms=st.integers(1, 40 * DAY * 1000),
    probes=st.lists(st.floats(0, 1), min_size=1, max_size=5),
)
def test_periods_are_sorted_disjoint_and_agree_with_is_admitted(
    admission: AdmissionTimeScheme, zone: ZoneInfo, from_ms: int, span_ms: int, probes: list[float]
) -> None:
    until_ms = from_ms + span_ms
    found = admission_periods(admission, zone, from_ms, until_ms)
    for start, end in found:
        assert start < end
        assert start < until_ms and end > from_ms
    for (_, previous_end), (next_start, _) in zip(found, found[1:], strict=False):
        assert previous_end < next_start
    for probe in probes:
        now = from_ms + int(probe * (span_ms - 1))
        inside = any(start <= now < end for start, end in found)
        assert is_admitted(admission, zone, now) == inside
        current = current_or_next_period(admission, zone, now, horizon_ms=span_ms)
        if inside:
            assert current is not None and current[0] <= now < current[1]
