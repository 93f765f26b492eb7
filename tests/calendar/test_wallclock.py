"""Wall-clock conversion: the java.time DST policy (gap shifts forward, overlap takes the earlier)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from stellwerk.calendar.wallclock import local_day_ms, resolve_zone, to_instant_ms, to_local_ms
from stellwerk.model.problems import Problem

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def instant(iso_with_offset: str) -> int:
    return int(datetime.fromisoformat(iso_with_offset).timestamp() * 1000)


def local(iso: str) -> int:
    return int((datetime.fromisoformat(iso) - datetime(1970, 1, 1)).total_seconds() * 1000)


@pytest.mark.parametrize(
    ("zone", "wall", "expected"),
    [
        (BERLIN, "2024-05-01T09:00", "2024-05-01T09:00+02:00"),
        (BERLIN, "2024-03-31T02:30", "2024-03-31T03:30+02:00"),  # gap: shifted by one hour
        (BERLIN, "2024-10-27T02:30", "2024-10-27T02:30+02:00"),  # overlap: earlier occurrence
        (NEW_YORK, "2024-03-10T02:30", "2024-03-10T03:30-04:00"),
        (NEW_YORK, "2024-11-03T01:30", "2024-11-03T01:30-04:00"),
    ],
)
def test_to_instant_follows_java_time(zone: ZoneInfo, wall: str, expected: str) -> None:
    assert to_instant_ms(local(wall), zone) == instant(expected)


def test_to_local_reads_the_wall_clock_on_both_sides_of_the_autumn_overlap() -> None:
    assert to_local_ms(instant("2024-10-27T02:30+02:00"), BERLIN) == local("2024-10-27T02:30")
    assert to_local_ms(instant("2024-10-27T02:30+01:00"), BERLIN) == local("2024-10-27T02:30")


def test_local_day_ms_counts_from_the_local_epoch() -> None:
    assert local_day_ms(datetime(1970, 1, 2).date()) == 86_400_000


def test_resolve_zone() -> None:
    assert resolve_zone("Europe/Berlin") == BERLIN
    assert isinstance(resolve_zone("Mars/Olympus"), Problem)
    assert isinstance(resolve_zone("Mars/" + "x" * 300), Problem)
    assert isinstance(resolve_zone("../etc"), Problem)
