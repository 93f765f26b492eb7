"""Wall-clock time: converting between epoch milliseconds and local milliseconds in an IANA zone.

"Local milliseconds" count wall-clock time since 1970-01-01 00:00 *local*, as if the zone had no offset
(JS7's `LocalDateTime.toEpochSecond(UTC)`). Calendar arithmetic (days, weeks, months) happens there; only the
final result is resolved to an instant.

DST policy, the same as java.time's `LocalDateTime.atZone`, which JS7 uses everywhere:
- a wall-clock time inside a spring-forward gap is shifted forward by the length of the gap
  (02:30 on 2024-03-31 in Europe/Berlin becomes 03:30 CEST);
- a wall-clock time inside an autumn overlap resolves to its earlier occurrence (02:30 CEST, not 02:30 CET).
Python's `fold=0` gives exactly this, for gaps and overlaps alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stellwerk.model.problems import Problem

Interval: TypeAlias = tuple[int, int]
"""(start_ms, end_ms), end exclusive, epoch milliseconds."""

SECOND_MS = 1000
HOUR_MS = 3600 * SECOND_MS
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS

_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def resolve_zone(name: str) -> ZoneInfo | Problem:
    """The zone for an IANA name like 'Europe/Berlin', or a Problem for an unknown name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
        return Problem(f"Unknown time zone: {name!r}")


def to_local_ms(instant_ms: int, zone: ZoneInfo) -> int:
    """The wall-clock time of an instant, in local milliseconds."""
    aware = (_EPOCH_UTC + timedelta(milliseconds=instant_ms)).astimezone(zone)
    offset = aware.utcoffset()
    assert offset is not None
    return instant_ms + offset // timedelta(milliseconds=1)


def to_instant_ms(local_ms: int, zone: ZoneInfo) -> int:
    """The instant of a wall-clock time; gaps shift forward, overlaps take the earlier occurrence."""
    naive = _EPOCH_NAIVE + timedelta(milliseconds=local_ms)
    offset = naive.replace(tzinfo=zone).utcoffset()
    assert offset is not None
    return local_ms - offset // timedelta(milliseconds=1)


def local_day_ms(day: date) -> int:
    """Local milliseconds of the day's 00:00."""
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY_MS


def local_date(local_ms: int) -> date:
    return date.fromordinal(local_ms // DAY_MS + _EPOCH_ORDINAL)


def first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def last_of_month(day: date) -> date:
    return first_of_next_month(day) - timedelta(days=1)
