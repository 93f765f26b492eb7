"""When the cycles of a Cycle instruction run: the CycleState arithmetic of JS7's `ScheduleCalculator`.

An order in a Cycle alternates between BetweenCycles (waiting for `state.next`) and running the cycle block:
- `first_cycle_state` when the order reaches the Cycle (OrderCyclingPrepared), from its order-day window;
- `on_cycle_due` while BetweenCycles: keep waiting, start a cycle (OrderCycleStarted with skipped Ticking time),
  move to another period (OrderCyclingPrepared) or leave the Cycle;
- `next_cycle_state` when a cycle ends (OrderCycleFinished); None means leave the Cycle.

The candidate `next` of each (scheme, admission period) intersecting [now, window end), the earliest winning
(ties: lower scheme index, then earlier period):
- Periodic: the wall-clock times k·period + offset (aligned to multiples of `period` since the local epoch) after
  the previous cycle; when late the latest one ≤ now (earlier missed ones are dropped), else the earliest.
  Wall-clock slots in the spring gap shift forward with the gap; in the repeated autumn hour a slot fires once.
- Ticking: every `interval` of physical time from the period start; when late the latest tick ≤ now.
- Continuous: max(now, period start) + pause, no pause before the first cycle of a period, at most `limit`
  cycles per period; "now" is encoded as next = 0 (JS7's Timestamp.Epoch), which is always due.
`index` counts cycles within one period, restarting at 1 when scheme or period changes; `onlyOnePeriod` leaves
the Cycle instead. As in JS7 a period is identified by its index, not by its occurrence: in a week-long window a
DailyPeriod's occurrences on consecutive days share one index (and one Continuous `limit`).
"""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import msgspec

from stellwerk.calendar.admission import indexed_intervals, is_admitted
from stellwerk.calendar.wallclock import HOUR_MS, SECOND_MS, Interval, to_instant_ms, to_local_ms
from stellwerk.model.admission import Continuous, CycleSchedule, CycleScheme, CycleState, Periodic, Ticking
from stellwerk.model.problems import Problem

IMMEDIATELY = 0
"""`CycleState.next` for a cycle to start at once (JS7's Timestamp.Epoch)."""

# Larger than any UTC offset change, so a late Periodic search can skip slots long past.
_DST_SLACK_MS = 3 * HOUR_MS


class KeepWaiting(msgspec.Struct, frozen=True, kw_only=True):
    """The next cycle is not due yet."""


class StartCycle(msgspec.Struct, frozen=True, kw_only=True):
    """Start a cycle now (OrderCycleStarted); `skipped_ms` > 0 is the Ticking time missed, else 0 (none)."""

    skipped_ms: int = 0


class ChangeCycleState(msgspec.Struct, frozen=True, kw_only=True):
    """Due but outside the scheme's admission: wait for another period instead (OrderCyclingPrepared)."""

    cycle_state: CycleState


class EndCycling(msgspec.Struct, frozen=True, kw_only=True):
    """Nothing is left in the window: leave the Cycle (OrderMoved to the next instruction)."""


CycleDecision = KeepWaiting | StartCycle | ChangeCycleState | EndCycling


def first_cycle_state(
    schedule: CycleSchedule, zone: ZoneInfo, window: Interval, now_ms: int, only_one_period: bool
) -> CycleState | None:
    """The state for OrderCyclingPrepared when an order enters the Cycle, or None to leave it at once."""
    initial = CycleState(end=window[1], scheme_index=-1, period_index=-1, index=0, next=window[0])
    return next_cycle_state(schedule, zone, initial, now_ms, only_one_period)


def next_cycle_state(
    schedule: CycleSchedule, zone: ZoneInfo, state: CycleState, now_ms: int, only_one_period: bool
) -> CycleState | None:
    """The state after `state` (its cycle finished, or it is first or stale); None = leave the Cycle."""
    candidates = (
        (next_ms, scheme_index, period_index)
        for scheme_index, scheme in enumerate(schedule.schemes)
        for period_index, next_ms in _scheme_candidates(scheme, scheme_index, zone, state, now_ms)
    )
    best = min(candidates, default=None)
    if best is None:
        return None
    next_ms, scheme_index, period_index = best
    period_changes = state.index != 0 and (scheme_index, period_index) != (
        state.scheme_index,
        state.period_index,
    )
    if only_one_period and period_changes:
        return None
    return CycleState(
        end=state.end,
        scheme_index=scheme_index,
        period_index=period_index,
        index=1 if period_changes else state.index + 1,
        next=next_ms,
    )


def on_cycle_due(
    schedule: CycleSchedule, zone: ZoneInfo, state: CycleState, now_ms: int, only_one_period: bool
) -> CycleDecision | Problem:
    """What a BetweenCycles order does at `now_ms`; Ticking reports the whole ticks missed since `next`."""
    if not 0 <= state.scheme_index < len(schedule.schemes):
        return Problem(f"CycleState refers to a missing scheme: {state.scheme_index}")
    scheme = schedule.schemes[state.scheme_index]
    skipped_ms = ticking_skipped_ms(scheme, state, now_ms)
    if now_ms < state.next + skipped_ms:
        return KeepWaiting()
    if is_admitted(scheme.admission_time_scheme, zone, now_ms):
        return StartCycle(skipped_ms=skipped_ms)
    following = next_cycle_state(schedule, zone, state, now_ms, only_one_period)
    return EndCycling() if following is None else ChangeCycleState(cycle_state=following)


def ticking_skipped_ms(scheme: CycleScheme, state: CycleState, now_ms: int) -> int:
    """For a Ticking scheme, the whole ticks between `state.next` and now, in ms (0 otherwise or if none)."""
    if not isinstance(scheme.repeat, Ticking) or scheme.repeat.interval <= 0:
        return 0
    tick_ms = scheme.repeat.interval * SECOND_MS
    return max(0, (now_ms - state.next) // tick_ms) * tick_ms


def _scheme_candidates(
    scheme: CycleScheme, scheme_index: int, zone: ZoneInfo, state: CycleState, now_ms: int
) -> Iterator[tuple[int, int]]:
    for period_index, (start, end) in indexed_intervals(
        scheme.admission_time_scheme, zone, now_ms, state.end
    ):
        is_first = (scheme_index, period_index) != (state.scheme_index, state.period_index)
        last = max(state.next, start)
        limit = min(state.end, end)
        next_ms = _candidate(scheme, zone, state, (last, limit), now_ms, is_first, start)
        if next_ms is not None and next_ms < limit:
            yield period_index, next_ms


def _candidate(
    scheme: CycleScheme,
    zone: ZoneInfo,
    state: CycleState,
    span: Interval,
    now_ms: int,
    is_first: bool,
    period_start: int,
) -> int | None:
    last, limit = span
    repeat = scheme.repeat
    match repeat:
        case Periodic():
            return _periodic_next(repeat, zone, last, now_ms, is_first, limit)
        case Ticking():
            tick_ms = max(1, repeat.interval * SECOND_MS)
            ticks = (now_ms - last) // tick_ms
            if ticks > 0:
                return last + ticks * tick_ms
            return last if is_first else last + tick_ms
        case Continuous():
            done = 0 if is_first else state.index
            if repeat.limit is not None and done >= repeat.limit:
                return None
            next_ms = max(now_ms, period_start) + (0 if is_first else repeat.pause * SECOND_MS)
            return IMMEDIATELY if next_ms <= now_ms else next_ms


def _periodic_next(
    periodic: Periodic, zone: ZoneInfo, last: int, now_ms: int, is_first: bool, limit: int
) -> int | None:
    period_ms = periodic.period * SECOND_MS
    if period_ms <= 0 or not periodic.offsets:
        return None
    candidates = [t for t in _periodic_slots(periodic, zone, last, now_ms, is_first, limit) if t < limit]
    past = [t for t in candidates if t <= now_ms]
    if past:
        return max(past)
    return min(candidates, default=None)


def _periodic_slots(
    periodic: Periodic, zone: ZoneInfo, last: int, now_ms: int, is_first: bool, limit: int
) -> Iterator[int]:
    """Instants of the wall-clock slots after `last` (at `last` too for a first cycle), far enough to decide."""
    period_ms = periodic.period * SECOND_MS
    offsets = sorted(offset * SECOND_MS for offset in periodic.offsets)
    local_last = to_local_ms(last, zone)
    first_k, last_offset = divmod(local_last, period_ms)
    k = first_k
    if limit > now_ms:
        # Slots more than a period before now are superseded by a later one that is still ≤ now.
        k = max(first_k, (to_local_ms(now_ms, zone) - _DST_SLACK_MS) // period_ms - 1)
    local_bound = to_local_ms(max(min(now_ms, limit), last), zone) + period_ms + _DST_SLACK_MS
    local_limit = to_local_ms(limit, zone) + _DST_SLACK_MS
    found_future = False
    while True:
        for offset in offsets:
            local_slot = k * period_ms + offset
            if k == first_k and (offset < last_offset or (offset == last_offset and not is_first)):
                continue
            if local_slot > local_limit or (local_slot > local_bound and found_future):
                return
            instant = to_instant_ms(local_slot, zone)
            found_future = found_future or instant > now_ms
            yield instant
        k += 1
