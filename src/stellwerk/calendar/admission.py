"""Admission periods of an AdmissionTimeScheme as intervals of epoch milliseconds, in a time zone.

A scheme's periods are numbered like JS7's period index: first `periods` (unrestricted), then the periods of each
`restrictedSchemes` entry in order. Each period is a wall-clock interval [local start, local start + duration),
resolved to instants as follows (decided here; JS7 adds the duration as physical time):
- the start resolves by the zone's rule in `wallclock` (a start in the spring gap shifts forward by the gap);
- the end is the wall-clock end resolved the same way, so a period 00:00 + 24 h covers the whole 23 h spring
  day and the whole 25 h autumn day, leaving no hole and no overlap between consecutive days;
- if that leaves nothing (a period lying wholly in the spring gap, e.g. 02:30 + 1 h → 03:30 CEST both ends),
  the end is start + duration in physical time, so a period never vanishes (this equals JS7).
A MonthRestriction keeps only the parts of an occurrence that lie in the listed months (by local calendar month,
date offset 0); JS7 clips only at the start or end month, which is the same for periods shorter than a month.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from stellwerk.calendar.occurrences import local_starts
from stellwerk.calendar.wallclock import (
    DAY_MS,
    SECOND_MS,
    Interval,
    first_of_next_month,
    local_date,
    local_day_ms,
    to_instant_ms,
    to_local_ms,
)
from stellwerk.model.admission import AdmissionPeriod, AdmissionTimeScheme, MonthRestriction

DEFAULT_HORIZON_MS = 1096 * DAY_MS
"""How far ahead a next period is searched, as JS7's FindTimeIntervalLimit (three years)."""

_SEARCH_STEP_MS = 8 * DAY_MS

IndexedPeriod = tuple[AdmissionPeriod, MonthRestriction | None]


def indexed_periods(scheme: AdmissionTimeScheme) -> list[IndexedPeriod]:
    """The scheme's periods with their restriction; the list index is JS7's period index."""
    unrestricted: list[IndexedPeriod] = [(period, None) for period in scheme.periods]
    restricted = [(p, rs.restriction) for rs in scheme.restricted_schemes for p in rs.periods]
    return unrestricted + restricted


def indexed_intervals(
    scheme: AdmissionTimeScheme, zone: ZoneInfo, from_ms: int, until_ms: int
) -> list[tuple[int, Interval]]:
    """(period index, interval) of every occurrence that starts before `until_ms` and ends after `from_ms`.

    Not merged; sorted by start, then period index. With `from_ms > until_ms` this still means "starts before
    until, ends after from", which the cycle calculation relies on when an order is late.
    """
    found = [
        (index, interval)
        for index, (period, restriction) in enumerate(indexed_periods(scheme))
        for interval in _period_intervals(period, restriction, zone, from_ms, until_ms)
        if interval[0] < until_ms and interval[1] > from_ms
    ]
    found.sort(key=lambda pair: (pair[1][0], pair[0]))
    return found


def admission_periods(
    scheme: AdmissionTimeScheme, zone: ZoneInfo, from_ms: int, until_ms: int
) -> list[Interval]:
    """The admission intervals intersecting [from_ms, until_ms): whole (not clipped), sorted, and merged where
    they overlap or touch; so they are disjoint and never adjacent."""
    merged: list[Interval] = []
    for _, (start, end) in indexed_intervals(scheme, zone, from_ms, until_ms):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def is_admitted(scheme: AdmissionTimeScheme, zone: ZoneInfo, now_ms: int) -> bool:
    """Whether `now_ms` lies inside an admission period."""
    return any(start <= now_ms < end for start, end in admission_periods(scheme, zone, now_ms, now_ms + 1))


def current_or_next_period(
    scheme: AdmissionTimeScheme, zone: ZoneInfo, now_ms: int, horizon_ms: int = DEFAULT_HORIZON_MS
) -> Interval | None:
    """The period containing `now_ms`, else the next one starting within the horizon, else None.

    Touching and overlapping periods count as one (JS7's findLongTimeInterval), so the end is where admission
    really ends; this extension also stops at the horizon.
    """
    limit = now_ms + horizon_ms
    low, step = now_ms, _SEARCH_STEP_MS
    while low < limit:
        high = min(low + step, limit)
        found = admission_periods(scheme, zone, low, high)
        if found:
            return _extend(scheme, zone, found[0], limit)
        low, step = high, step * 2
    return None


def _extend(scheme: AdmissionTimeScheme, zone: ZoneInfo, interval: Interval, limit: int) -> Interval:
    start, end = interval
    while end < limit:
        following = admission_periods(scheme, zone, end, min(end + _SEARCH_STEP_MS, limit))
        if not following or following[0][0] > end:
            break
        end = following[0][1]
    return start, end


def has_admission_start_on_day(scheme: AdmissionTimeScheme, zone: ZoneInfo, day: date) -> bool:
    """Whether an admission period starts on the local date `day` (for skipIfNoAdmissionStartForOrderDay).

    A period start counts where it is really admitted: after DST shifting and month restriction clipping.
    (JS7 ignores restrictions here; we do not.)
    """
    from_ms = to_instant_ms(local_day_ms(day), zone)
    until_ms = to_instant_ms(local_day_ms(day + timedelta(days=1)), zone)
    return any(
        local_date(to_local_ms(start, zone)) == day
        for _, (start, _end) in indexed_intervals(scheme, zone, from_ms, until_ms)
    )


def _period_intervals(
    period: AdmissionPeriod,
    restriction: MonthRestriction | None,
    zone: ZoneInfo,
    from_ms: int,
    until_ms: int,
) -> Iterator[Interval]:
    duration_ms = period.duration * SECOND_MS
    if duration_ms <= 0:
        return
    # A day of slack on both sides covers any DST offset; the duration covers occurrences reaching into range.
    first_day = local_date(to_local_ms(min(from_ms, until_ms), zone) - duration_ms - DAY_MS)
    last_day = local_date(to_local_ms(until_ms, zone) + DAY_MS)
    for local_start in local_starts(period, first_day, last_day):
        for local_piece in _restrict(local_start, local_start + duration_ms, restriction):
            yield _to_instants(local_piece, zone)


def _restrict(local_start: int, local_end: int, restriction: MonthRestriction | None) -> Iterator[Interval]:
    if restriction is None:
        yield local_start, local_end
        return
    piece: Interval | None = None
    cursor = local_start
    while cursor < local_end:
        month = local_date(cursor)
        month_end = min(local_end, local_day_ms(first_of_next_month(month)))
        if month.month in restriction.months:
            piece = (piece[0] if piece else cursor, month_end)
        elif piece:
            yield piece
            piece = None
        cursor = month_end
    if piece:
        yield piece


def _to_instants(local_interval: Interval, zone: ZoneInfo) -> Interval:
    local_start, local_end = local_interval
    start = to_instant_ms(local_start, zone)
    end = to_instant_ms(local_end, zone)
    if end <= start:
        end = start + (local_end - local_start)
    return start, end
