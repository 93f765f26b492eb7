"""Cycle scheduling: E10, JS7's ScheduleCalculatorTest cases, Ticking skips, Continuous limits, onlyOnePeriod, DST."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import msgspec
import pytest

from stellwerk.calendar.cycle import (
    IMMEDIATELY,
    ChangeCycleState,
    EndCycling,
    KeepWaiting,
    StartCycle,
    first_cycle_state,
    next_cycle_state,
    on_cycle_due,
)
from stellwerk.calendar.orderday import order_day
from stellwerk.model.admission import (
    AdmissionTimeScheme,
    Continuous,
    CycleSchedule,
    CycleScheme,
    CycleState,
    DailyPeriod,
    Periodic,
    Repeat,
    Ticking,
)
from stellwerk.model.items import Calendar
from stellwerk.model.problems import Problem

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR, MINUTE = 3600, 60


def ts(iso_with_offset: str) -> int:
    return int(datetime.fromisoformat(iso_with_offset).timestamp() * 1000)


def berlin(clock: str) -> int:
    return ts(f"2024-05-01T{clock}+02:00")


def utc(clock: str) -> int:
    return ts(f"2021-10-01T{clock}+00:00")


def daily(*spans: tuple[int, int]) -> AdmissionTimeScheme:
    return AdmissionTimeScheme(periods=tuple(DailyPeriod(second_of_day=s, duration=d) for s, d in spans))


def single(admission: AdmissionTimeScheme, repeat: Repeat) -> CycleSchedule:
    return CycleSchedule(schemes=(CycleScheme(admission_time_scheme=admission, repeat=repeat),))


E10 = single(daily((9 * HOUR, 2 * HOUR)), Periodic(period=3600, offsets=(0, 1800)))
E10_WINDOW = (1714514400000, 1714600800000)


def run_cycles(
    schedule: CycleSchedule, zone: ZoneInfo, window: tuple[int, int], start: int, duration_ms: int = 60_000
) -> list[CycleState]:
    """The states of all cycles, each cycle starting when due and lasting `duration_ms`."""
    states: list[CycleState] = []
    state = first_cycle_state(schedule, zone, window, start, only_one_period=False)
    now = start
    while state is not None and len(states) < 100:
        states.append(state)
        now = max(now, state.next) + duration_ms
        state = next_cycle_state(schedule, zone, state, now, only_one_period=False)
    return states


def test_e10_order_day_and_first_state() -> None:
    assert order_day(Calendar(), "#2024-05-01#P0000000001-cyc", BERLIN) == E10_WINDOW
    first = first_cycle_state(E10, BERLIN, E10_WINDOW, berlin("08:00"), only_one_period=False)
    assert first == CycleState(end=1714600800000, scheme_index=0, period_index=0, index=1, next=1714546800000)
    assert msgspec.json.encode(first) == (
        b'{"end":1714600800000,"schemeIndex":0,"periodIndex":0,"index":1,"next":1714546800000}'
    )


def test_e10_four_cycles_then_leave() -> None:
    states = run_cycles(E10, BERLIN, E10_WINDOW, berlin("08:00"))
    assert [s.next for s in states] == [berlin("09:00"), berlin("09:30"), berlin("10:00"), berlin("10:30")]
    assert [s.index for s in states] == [1, 2, 3, 4]


def test_e10_started_late_runs_the_latest_missed_slot_at_once() -> None:
    first = first_cycle_state(E10, BERLIN, E10_WINDOW, berlin("09:40"), only_one_period=False)
    assert first is not None and first.next == berlin("09:30")
    assert on_cycle_due(E10, BERLIN, first, berlin("09:40"), False) == StartCycle(skipped_ms=0)
    states = run_cycles(E10, BERLIN, E10_WINDOW, berlin("09:40"))
    assert [s.next for s in states] == [berlin("09:30"), berlin("10:00"), berlin("10:30")]


def test_e10_on_cycle_due_waits_for_the_slot() -> None:
    first = first_cycle_state(E10, BERLIN, E10_WINDOW, berlin("08:00"), only_one_period=False)
    assert first is not None
    assert on_cycle_due(E10, BERLIN, first, berlin("08:59:59"), False) == KeepWaiting()
    assert on_cycle_due(E10, BERLIN, first, berlin("09:00"), False) == StartCycle()


def test_e10_after_the_window_nothing_is_left() -> None:
    assert first_cycle_state(E10, BERLIN, E10_WINDOW, berlin("11:00"), only_one_period=False) is None


# JS7 ScheduleCalculatorTest "Details": scheme 0 Periodic at :05 and :10 within 09:00–11:00,
# scheme 1 Ticking every 15 minutes within 15:07–15:37 (period 0) and 12:00–13:00 (period 1).
DETAILS = CycleSchedule(
    schemes=(
        CycleScheme(
            admission_time_scheme=daily((9 * HOUR, 2 * HOUR)),
            repeat=Periodic(period=HOUR, offsets=(5 * MINUTE, 10 * MINUTE)),
        ),
        CycleScheme(
            admission_time_scheme=daily((15 * HOUR + 7 * MINUTE, 30 * MINUTE), (12 * HOUR, HOUR)),
            repeat=Ticking(interval=15 * MINUTE),
        ),
    )
)
END = utc("00:00") + 24 * HOUR * 1000


def state(next_clock: str, index: int, scheme: int = 0, period: int = 0) -> CycleState:
    return CycleState(end=END, scheme_index=scheme, period_index=period, index=index, next=utc(next_clock))


@pytest.mark.parametrize(
    ("now", "expected_next"),
    [("08:00", "09:05"), ("09:05", "09:05"), ("09:06", "09:05"), ("09:10", "09:10"), ("09:59", "09:10")]
    + [("10:05", "10:05"), ("10:06", "10:05")],
)
def test_periodic_first_cycle(now: str, expected_next: str) -> None:
    found = first_cycle_state(DETAILS, UTC, (utc("00:00"), END), utc(now), only_one_period=False)
    assert found == state(expected_next, index=1)


@pytest.mark.parametrize(
    ("now", "expected_next"),
    [("08:00", "09:10"), ("09:05", "09:10"), ("09:09", "09:10"), ("09:10", "09:10"), ("09:30", "09:10")]
    + [("10:05", "10:05"), ("10:06", "10:05"), ("10:10", "10:10"), ("10:11", "10:10")],
)
def test_periodic_next_cycle(now: str, expected_next: str) -> None:
    found = next_cycle_state(DETAILS, UTC, state("09:05", index=1), utc(now), only_one_period=False)
    assert found == state(expected_next, index=2)


def test_periodic_end_changes_to_the_ticking_scheme() -> None:
    found = next_cycle_state(DETAILS, UTC, state("10:10", index=2), utc("10:11"), only_one_period=False)
    assert found == state("12:00", index=1, scheme=1, period=1)
    assert next_cycle_state(DETAILS, UTC, state("10:10", index=2), utc("10:11"), only_one_period=True) is None


@pytest.mark.parametrize(
    ("now", "expected_next"),
    [("11:00", "12:00"), ("12:00", "12:00"), ("12:01", "12:00"), ("12:11", "12:00"), ("12:59", "12:45")],
)
def test_ticking_first_cycle(now: str, expected_next: str) -> None:
    initial = CycleState(end=END, scheme_index=-1, period_index=1, index=0, next=0)
    found = next_cycle_state(DETAILS, UTC, initial, utc(now), only_one_period=False)
    assert found == state(expected_next, index=1, scheme=1, period=1)


@pytest.mark.parametrize(
    ("now", "expected_next"),
    [("11:00", "12:15"), ("12:00", "12:15"), ("12:14", "12:15"), ("12:15", "12:15"), ("12:29", "12:15")]
    + [("12:30", "12:30"), ("12:31", "12:30"), ("12:45", "12:45"), ("12:46", "12:45")],
)
def test_ticking_next_cycle(now: str, expected_next: str) -> None:
    last = state("12:00", index=1, scheme=1, period=1)
    found = next_cycle_state(DETAILS, UTC, last, utc(now), only_one_period=False)
    assert found == state(expected_next, index=2, scheme=1, period=1)


def test_ticking_moves_on_to_the_next_period_of_its_scheme() -> None:
    last = state("12:00", index=1, scheme=1, period=1)
    found = next_cycle_state(DETAILS, UTC, last, utc("13:00"), only_one_period=False)
    assert found == state("15:07", index=1, scheme=1, period=0)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("12:10", KeepWaiting()),
        ("12:15", StartCycle(skipped_ms=0)),
        ("12:29:59", StartCycle(skipped_ms=0)),
        ("12:30", StartCycle(skipped_ms=15 * MINUTE * 1000)),
        ("12:45", StartCycle(skipped_ms=30 * MINUTE * 1000)),
        ("13:00", ChangeCycleState(cycle_state=state("15:07", index=1, scheme=1, period=0))),
    ],
)
def test_ticking_on_cycle_due_counts_skipped_ticks(now: str, expected: object) -> None:
    due = state("12:15", index=1, scheme=1, period=1)
    assert on_cycle_due(DETAILS, UTC, due, utc(now), only_one_period=False) == expected


def test_on_cycle_due_ends_when_nothing_is_left_and_rejects_unknown_schemes() -> None:
    late = state("15:30", index=3, scheme=1, period=0)
    assert on_cycle_due(DETAILS, UTC, late, utc("23:00"), only_one_period=False) == EndCycling()
    assert isinstance(on_cycle_due(DETAILS, UTC, state("09:00", 1, scheme=7), utc("09:00"), False), Problem)


CONTINUOUS = single(daily((9 * HOUR, HOUR)), Continuous(pause=10 * MINUTE, limit=3))


def test_continuous_with_limit() -> None:
    window = (utc("00:00"), END)
    states = run_cycles(CONTINUOUS, UTC, window, utc("08:00"), duration_ms=2 * 60_000)
    assert [s.next for s in states] == [utc("09:00"), utc("09:12"), utc("09:24")]
    assert [s.index for s in states] == [1, 2, 3]


def test_continuous_starts_at_once_inside_the_period_and_stops_at_its_end() -> None:
    first = first_cycle_state(CONTINUOUS, UTC, (utc("00:00"), END), utc("09:30"), only_one_period=False)
    assert first is not None and first.next == IMMEDIATELY
    assert on_cycle_due(CONTINUOUS, UTC, first, utc("09:30"), False) == StartCycle()
    unlimited = single(daily((9 * HOUR, HOUR)), Continuous(pause=10 * MINUTE))
    states = run_cycles(unlimited, UTC, (utc("00:00"), END), utc("09:30"), duration_ms=60_000)
    assert [s.next for s in states] == [IMMEDIATELY, utc("09:41"), utc("09:52")]


TWO_PERIODS = single(daily((9 * HOUR, HOUR), (14 * HOUR, HOUR)), Periodic(period=HOUR, offsets=(0, 1800)))


def test_only_one_period_stops_when_the_period_would_change() -> None:
    last = state("09:30", index=2)
    assert next_cycle_state(TWO_PERIODS, UTC, last, utc("09:31"), only_one_period=True) is None
    assert next_cycle_state(TWO_PERIODS, UTC, last, utc("09:31"), only_one_period=False) == state(
        "14:00", index=1, period=1
    )
    all_states = run_cycles(TWO_PERIODS, UTC, (utc("00:00"), END), utc("08:00"))
    assert [s.index for s in all_states] == [1, 2, 1, 2]


ALL_DAY_HALF_HOURLY = single(daily((0, 24 * HOUR)), Periodic(period=HOUR, offsets=(0, 1800)))


def test_periodic_over_the_berlin_spring_gap() -> None:
    window = order_day(Calendar(), "#2024-03-31#x", BERLIN)
    assert not isinstance(window, Problem)
    states = run_cycles(ALL_DAY_HALF_HOURLY, BERLIN, window, ts("2024-03-31T01:00+01:00"), duration_ms=0)
    assert [s.next for s in states[:5]] == [
        ts("2024-03-31T01:00+01:00"),
        ts("2024-03-31T01:30+01:00"),
        ts("2024-03-31T03:00+02:00"),  # 02:00 does not exist
        ts("2024-03-31T03:30+02:00"),
        ts("2024-03-31T04:00+02:00"),
    ]
    assert states[-1].next == ts("2024-03-31T23:30+02:00")


def test_periodic_over_the_berlin_autumn_overlap_fires_each_wall_clock_slot_once() -> None:
    window = order_day(Calendar(), "#2024-10-27#x", BERLIN)
    assert not isinstance(window, Problem)
    states = run_cycles(ALL_DAY_HALF_HOURLY, BERLIN, window, ts("2024-10-27T02:00+02:00"), duration_ms=0)
    assert [s.next for s in states[:4]] == [
        ts("2024-10-27T02:00+02:00"),
        ts("2024-10-27T02:30+02:00"),
        ts("2024-10-27T03:00+01:00"),
        ts("2024-10-27T03:30+01:00"),
    ]


def test_periodic_over_the_new_york_spring_gap() -> None:
    window = order_day(Calendar(), "#2024-03-10#x", NEW_YORK)
    assert not isinstance(window, Problem)
    states = run_cycles(ALL_DAY_HALF_HOURLY, NEW_YORK, window, ts("2024-03-10T01:30-05:00"), duration_ms=0)
    assert [s.next for s in states[:3]] == [
        ts("2024-03-10T01:30-05:00"),
        ts("2024-03-10T03:00-04:00"),
        ts("2024-03-10T03:30-04:00"),
    ]
    assert len(states) == 1 + 42  # 01:30, then every half hour from 03:00 to 23:30 EDT
