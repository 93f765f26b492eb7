"""A schedule's declared daylight-saving policy: what a wall-clock start time means on the days the clock jumps.

What JS7 does (JOC's daily plan, `PeriodResolver` in sos-berlin/joc-cockpit, read for behaviour only, and
java.time's `LocalDateTime.atZone`, which it uses):
- a single start inside the spring-forward gap is shifted forward by the gap's length
  (02:30 on 2024-03-31 in Europe/Berlin starts at 03:30 CEST)                 -> `MissingHour.SHIFT`;
- a single start inside the autumn overlap starts once, at the earlier occurrence (02:30 CEST) -> `RepeatedHour.FIRST`;
- a repeating period steps in elapsed time from its begin to its end instant; starts are then keyed by their
  wall-clock time, so a time the clock shows twice starts once, at the earlier occurrence (JOC's source calls the
  resulting hole "a UTC gap"). Stepping in elapsed time never lands inside the spring gap.
These are the defaults. A schedule may declare `"dstPolicy": {"missingHour": "SKIP", "repeatedHour": "BOTH"}`
(our extension of the schedule JSON; JOC has no such field).
For repeating periods the policy applies to the starts stepped into the repeated hour (FIRST maps them to the
earlier occurrence, LAST to the later one if that is before the period's end, BOTH keeps each as stepped); the
begin and end of a period always resolve as JS7 does (gap shifted, overlap earlier).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

import msgspec

from stellwerk.calendar.wallclock import to_local_ms

_EPOCH_NAIVE = datetime(1970, 1, 1)
_MS = timedelta(milliseconds=1)


class MissingHour(Enum):
    SHIFT = "SHIFT"
    """Start later by the length of the gap (JS7)."""
    SKIP = "SKIP"
    """No start on that day."""


class RepeatedHour(Enum):
    FIRST = "FIRST"
    """Start once, at the earlier occurrence (JS7)."""
    LAST = "LAST"
    """Start once, at the later occurrence."""
    BOTH = "BOTH"
    """Start at both occurrences."""


class DstPolicy(msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True):
    missing_hour: MissingHour = MissingHour.SHIFT
    repeated_hour: RepeatedHour = RepeatedHour.FIRST


JS7_DST_POLICY = DstPolicy()


def wall_clock_instants(local_ms: int, zone: ZoneInfo, policy: DstPolicy) -> tuple[int, ...]:
    """The instants (epoch ms) at which a wall-clock time starts under the policy: none, one or two."""
    earlier, later = _candidates(local_ms, zone)
    if earlier == later:
        return (earlier,)
    if to_local_ms(earlier, zone) != local_ms:  # the time falls into a gap
        return (earlier,) if policy.missing_hour is MissingHour.SHIFT else ()
    if policy.repeated_hour is RepeatedHour.FIRST:
        return (earlier,)
    if policy.repeated_hour is RepeatedHour.LAST:
        return (later,)
    return (earlier, later)


def occurrence_of(instant_ms: int, zone: ZoneInfo, policy: DstPolicy, end_ms: int) -> int:
    """An instant stepped to by a repeating period that ends at `end_ms`, moved to the occurrence of its wall-clock
    time that the policy wants. FIRST is JS7's mapping (even to before the period's begin, as JS7 does); LAST
    moves only to an occurrence before the period's end."""
    if policy.repeated_hour is RepeatedHour.BOTH:
        return instant_ms
    earlier, later = _candidates(to_local_ms(instant_ms, zone), zone)
    if earlier == later or instant_ms not in (earlier, later):
        return instant_ms
    if policy.repeated_hour is RepeatedHour.FIRST:
        return earlier
    return later if later < end_ms else instant_ms


def _candidates(local_ms: int, zone: ZoneInfo) -> tuple[int, int]:
    """The instants for fold 0 and fold 1: equal normally, earlier/later in an overlap, shifted/unshifted in a gap."""
    naive = _EPOCH_NAIVE + timedelta(milliseconds=local_ms)
    first = naive.replace(tzinfo=zone).utcoffset()
    second = naive.replace(tzinfo=zone, fold=1).utcoffset()
    assert first is not None and second is not None
    return local_ms - first // _MS, local_ms - second // _MS
