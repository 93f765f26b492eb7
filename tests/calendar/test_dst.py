"""DST policies around the spring and autumn changes in New York, Berlin, Sydney and Tokyo (which has none).

Expected starts are written as wall-clock times with their UTC offset, so a wrong occurrence shows as a wrong offset.
2026 changes: New York 03-08 (02:00 -> 03:00) and 11-01 (01:00-02:00 twice); Berlin 03-29 (02:00 -> 03:00) and
10-25 (02:00-03:00 twice); Sydney 10-04 (02:00 -> 03:00) and 04-05 (02:00-03:00 twice).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stellwerk.calendar.calendars import CalendarLibrary, parse_calendar
from stellwerk.calendar.dst import DstPolicy, MissingHour, RepeatedHour, wall_clock_instants
from stellwerk.calendar.schedules import Schedule, parse_schedule, run_times

EVERY_DAY = parse_calendar({"includes": {"weekdays": [{"days": [0, 1, 2, 3, 4, 5, 6]}]}})
assert not hasattr(EVERY_DAY, "message")
LIBRARY = CalendarLibrary({"every day": EVERY_DAY})  # type: ignore[dict-item]


def starts(zone: str, day: str, period: dict[str, Any], policy: dict[str, str] | None = None) -> list[str]:
    raw: dict[str, Any] = {
        "workflowNames": ["w"],
        "calendars": [{"calendarName": "every day", "timeZone": zone, "periods": [period]}],
    }
    if policy is not None:
        raw["dstPolicy"] = policy
    schedule = parse_schedule(raw)
    assert isinstance(schedule, Schedule), schedule
    runs = run_times(schedule, LIBRARY, date.fromisoformat(day), date.fromisoformat(day))
    assert isinstance(runs, list), runs
    return [wall(run.start_ms, zone) for run in runs]


def wall(instant_ms: int, zone: str) -> str:
    return (
        datetime.fromtimestamp(instant_ms / 1000, UTC)
        .astimezone(ZoneInfo(zone))
        .isoformat(timespec="minutes")[11:]
    )


SHIFT, SKIP = {"missingHour": "SHIFT"}, {"missingHour": "SKIP"}
FIRST, LAST, BOTH = {"repeatedHour": "FIRST"}, {"repeatedHour": "LAST"}, {"repeatedHour": "BOTH"}


@pytest.mark.parametrize(
    ("zone", "day", "time", "policy", "expected"),
    [
        # the missing hour
        ("America/New_York", "2026-03-08", "02:30", None, ["03:30-04:00"]),
        ("America/New_York", "2026-03-08", "02:30", SKIP, []),
        ("America/New_York", "2026-03-08", "03:00", SKIP, ["03:00-04:00"]),
        ("Europe/Berlin", "2026-03-29", "02:00", SHIFT, ["03:00+02:00"]),
        ("Europe/Berlin", "2026-03-29", "02:59", SKIP, []),
        ("Europe/Berlin", "2026-03-29", "01:59", SKIP, ["01:59+01:00"]),
        ("Australia/Sydney", "2026-10-04", "02:15", None, ["03:15+11:00"]),
        ("Australia/Sydney", "2026-10-04", "02:15", SKIP, []),
        ("Asia/Tokyo", "2026-03-08", "02:30", SKIP, ["02:30+09:00"]),
        # the repeated hour
        ("America/New_York", "2026-11-01", "01:30", None, ["01:30-04:00"]),
        ("America/New_York", "2026-11-01", "01:30", LAST, ["01:30-05:00"]),
        ("America/New_York", "2026-11-01", "01:30", BOTH, ["01:30-04:00", "01:30-05:00"]),
        ("America/New_York", "2026-11-01", "02:00", BOTH, ["02:00-05:00"]),
        ("Europe/Berlin", "2026-10-25", "02:30", FIRST, ["02:30+02:00"]),
        ("Europe/Berlin", "2026-10-25", "02:30", LAST, ["02:30+01:00"]),
        ("Europe/Berlin", "2026-10-25", "02:00", BOTH, ["02:00+02:00", "02:00+01:00"]),
        ("Europe/Berlin", "2026-10-25", "01:59", BOTH, ["01:59+02:00"]),
        ("Australia/Sydney", "2026-04-05", "02:45", None, ["02:45+11:00"]),
        ("Australia/Sydney", "2026-04-05", "02:45", LAST, ["02:45+10:00"]),
        ("Australia/Sydney", "2026-04-05", "02:45", BOTH, ["02:45+11:00", "02:45+10:00"]),
        ("Asia/Tokyo", "2026-11-01", "01:30", BOTH, ["01:30+09:00"]),
    ],
)
def test_single_start_on_a_change_day(
    zone: str, day: str, time: str, policy: dict[str, str] | None, expected: list[str]
) -> None:
    assert starts(zone, day, {"singleStart": time}, policy) == expected


HOURLY_0_TO_5 = {"begin": "00:00", "end": "05:00", "repeat": "01:00"}


@pytest.mark.parametrize(
    ("zone", "day", "period", "policy", "expected"),
    [
        pytest.param(
            "Europe/Berlin",
            "2026-03-29",
            HOURLY_0_TO_5,
            None,
            ["00:00+01:00", "01:00+01:00", "03:00+02:00", "04:00+02:00"],
            id="berlin_spring_hourly_steps_over_the_gap",
        ),
        pytest.param(
            "Europe/Berlin",
            "2026-03-29",
            {"begin": "00:00", "end": "04:00", "repeat": "00:45"},
            None,
            ["00:00+01:00", "00:45+01:00", "01:30+01:00", "03:15+02:00"],
            id="berlin_spring_steps_in_elapsed_time_as_js7",
        ),
        pytest.param(
            "Europe/Berlin",
            "2026-10-25",
            HOURLY_0_TO_5,
            None,
            ["00:00+02:00", "01:00+02:00", "02:00+02:00", "03:00+01:00", "04:00+01:00"],
            id="berlin_autumn_first_as_js7",
        ),
        pytest.param(
            "Europe/Berlin",
            "2026-10-25",
            HOURLY_0_TO_5,
            LAST,
            ["00:00+02:00", "01:00+02:00", "02:00+01:00", "03:00+01:00", "04:00+01:00"],
            id="berlin_autumn_last",
        ),
        pytest.param(
            "Europe/Berlin",
            "2026-10-25",
            HOURLY_0_TO_5,
            BOTH,
            ["00:00+02:00", "01:00+02:00", "02:00+02:00", "02:00+01:00", "03:00+01:00", "04:00+01:00"],
            id="berlin_autumn_both",
        ),
        pytest.param(
            "America/New_York",
            "2026-11-01",
            {"begin": "00:30", "end": "02:30", "repeat": "00:30"},
            None,
            ["00:30-04:00", "01:00-04:00", "01:30-04:00", "02:00-05:00"],
            id="new_york_autumn_half_hourly_first",
        ),
        pytest.param(
            "America/New_York",
            "2026-11-01",
            {"begin": "00:30", "end": "02:30", "repeat": "00:30"},
            BOTH,
            ["00:30-04:00", "01:00-04:00", "01:30-04:00", "01:00-05:00", "01:30-05:00", "02:00-05:00"],
            id="new_york_autumn_half_hourly_both",
        ),
        pytest.param(
            "America/New_York",
            "2026-11-01",
            {"begin": "00:30", "end": "01:30", "repeat": "00:30"},
            LAST,
            ["00:30-04:00", "01:00-04:00"],
            id="new_york_autumn_last_never_after_the_periods_end",
        ),
        pytest.param(
            "America/New_York",
            "2026-03-08",
            {"begin": "02:30", "end": "04:00", "repeat": "00:30"},
            None,
            ["03:30-04:00"],
            id="new_york_spring_begin_in_the_gap_is_shifted",
        ),
        pytest.param(
            "Australia/Sydney",
            "2026-04-05",
            {"begin": "02:00", "end": "03:00", "repeat": "00:20"},
            BOTH,
            ["02:00+11:00", "02:20+11:00", "02:40+11:00", "02:00+10:00", "02:20+10:00", "02:40+10:00"],
            id="sydney_autumn_both",
        ),
        pytest.param(
            "Australia/Sydney",
            "2026-10-04",
            {"begin": "01:00", "end": "04:00", "repeat": "01:00"},
            None,
            ["01:00+10:00", "03:00+11:00"],
            id="sydney_spring",
        ),
        pytest.param(
            "Asia/Tokyo",
            "2026-10-25",
            {"begin": "22:00", "repeat": "01:00"},
            BOTH,
            ["22:00+09:00", "23:00+09:00"],
            id="tokyo_has_no_change_end_defaults_to_midnight",
        ),
    ],
)
def test_repeating_period_on_a_change_day(
    zone: str, day: str, period: dict[str, Any], policy: dict[str, str] | None, expected: list[str]
) -> None:
    assert starts(zone, day, period, policy) == expected


def test_policy_is_parsed_with_precise_errors() -> None:
    bad = parse_schedule(
        {
            "workflowNames": ["w"],
            "calendars": [{"calendarName": "every day", "periods": [{"singleStart": "01:00"}]}],
            "dstPolicy": {"repeatedHour": "MIDDLE"},
        }
    )
    assert hasattr(bad, "message") and "at `$.dstPolicy.repeatedHour`" in bad.message


ZONES = [
    ZoneInfo(name)
    for name in ("America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Tokyo", "Australia/Lord_Howe")
]  # Lord Howe Island moves its clock by half an hour
POLICIES = [DstPolicy(missing_hour=m, repeated_hour=r) for m in MissingHour for r in RepeatedHour]
local_times = st.integers(
    int((datetime(2000, 1, 1) - datetime(1970, 1, 1)).total_seconds()) // 60,
    int((datetime(2040, 1, 1) - datetime(1970, 1, 1)).total_seconds()) // 60,
).map(lambda minutes: minutes * 60_000)


@given(local_times, st.sampled_from(ZONES), st.sampled_from(POLICIES))
def test_every_instant_shows_the_wall_clock_time_unless_shifted_out_of_a_gap(
    local_ms: int, zone: ZoneInfo, policy: DstPolicy
) -> None:
    instants = wall_clock_instants(local_ms, zone, policy)
    assert list(instants) == sorted(set(instants)) and len(instants) <= 2
    shown = [
        int(
            (
                datetime.fromtimestamp(i / 1000, UTC).astimezone(zone).replace(tzinfo=None)
                - datetime(1970, 1, 1)
            ).total_seconds()
            * 1000
        )
        for i in instants
    ]
    if shown and shown[0] != local_ms:
        assert policy.missing_hour is MissingHour.SHIFT and len(instants) == 1 and shown[0] > local_ms
    else:
        assert all(s == local_ms for s in shown)
        assert len(instants) >= 1 or policy.missing_hour is MissingHour.SKIP


times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
change_days = st.sampled_from(
    [
        ("America/New_York", "2026-03-08"),
        ("America/New_York", "2026-11-01"),
        ("Europe/Berlin", "2026-03-29"),
        ("Europe/Berlin", "2026-10-25"),
        ("Australia/Sydney", "2026-04-05"),
        ("Australia/Sydney", "2026-10-04"),
        ("Australia/Lord_Howe", "2026-04-05"),
        ("Asia/Tokyo", "2026-04-05"),
    ]
)
repeating = st.builds(
    lambda begin, length, step: {
        "begin": f"{begin // 60:02d}:{begin % 60:02d}",
        "end": f"{min(begin + length, 1440) // 60:02d}:{min(begin + length, 1440) % 60:02d}",
        "repeat": f"{step // 60:02d}:{step % 60:02d}",
    },
    st.integers(0, 1380),
    st.integers(1, 600),
    st.integers(1, 180),
).filter(lambda period: period["begin"] < period["end"])


@given(change_days, repeating)
def test_first_and_last_take_one_start_per_wall_clock_time_last_never_earlier(
    zone_and_day: tuple[str, str], period: dict[str, str]
) -> None:
    zone, day = zone_and_day
    first, last, both = (starts(zone, day, period, policy) for policy in (FIRST, LAST, BOTH))
    wall_times = sorted({start[:5] for start in both})
    assert sorted(start[:5] for start in first) == wall_times == sorted(start[:5] for start in last)
    by_wall_time = {start[:5]: datetime.fromisoformat(f"{day}T{start}") for start in first}
    assert all(datetime.fromisoformat(f"{day}T{start}") >= by_wall_time[start[:5]] for start in last)


@given(change_days, times)
def test_skip_drops_only_what_shift_moves(zone_and_day: tuple[str, str], time: str) -> None:
    zone, day = zone_and_day
    shifted, skipped = (
        starts(zone, day, {"singleStart": time}, SHIFT),
        starts(zone, day, {"singleStart": time}, SKIP),
    )
    assert skipped in ([], shifted)
    assert skipped == shifted or shifted[0][:5] != time
