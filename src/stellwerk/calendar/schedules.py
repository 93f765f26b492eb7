"""JOC schedules (inventory schema `schedule/schedule`): the run times they produce for a range of dates.

For each assigned working-day calendar: its dates, restricted by the assignment's includes/excludes
(`calendars.restrict`), in the assignment's time zone. On each date every period starts: a `singleStart`, and/or
every `repeat` from `begin` (default 00:00) to before `end` (default 24:00). On a date that is one of the schedule's
non-working days (`nonWorkingDayCalendars`) the period's `whenHoliday` decides, as in JOC:
SUPPRESS (the default) drops the start, IGNORE keeps it, NEXTNONWORKINGDAY / PREVIOUSNONWORKINGDAY move it to the
next / previous date that is *not* a non-working day (JOC's names; the day moved to is a working day).
Wall-clock times become instants under the schedule's DST policy (`dst`). A start time produced twice (two periods,
two calendars, or a moved start meeting a regular one) starts once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import Annotated, Any, Literal, NamedTuple
from zoneinfo import ZoneInfo

import msgspec

from stellwerk.calendar.calendars import CalendarLibrary, restrict
from stellwerk.calendar.dst import JS7_DST_POLICY, DstPolicy, occurrence_of, wall_clock_instants
from stellwerk.calendar.frequencies import Frequencies
from stellwerk.calendar.inventory_json import decode_inventory
from stellwerk.calendar.timeofday import DAY_SECONDS, HhMmSs, seconds_of_day
from stellwerk.calendar.wallclock import (
    DAY_MS,
    SECOND_MS,
    local_day_ms,
    resolve_zone,
    to_instant_ms,
    to_local_ms,
)
from stellwerk.model.problems import Problem

WhenHoliday = Literal["SUPPRESS", "IGNORE", "PREVIOUSNONWORKINGDAY", "NEXTNONWORKINGDAY"]
Position = tuple[int | str, ...] | str

_MOVE_MARGIN = timedelta(days=31)
"""How far beyond the asked range dates are resolved, so that starts moved by `whenHoliday` across its edge are seen."""


class Period(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    single_start: HhMmSs | None = None
    begin: HhMmSs | None = None
    end: HhMmSs | None = None
    repeat: HhMmSs | None = None
    when_holiday: WhenHoliday = "SUPPRESS"

    def __post_init__(self) -> None:
        if self.single_start is None and self.repeat is None:
            raise ValueError("needs `singleStart` or `repeat`")
        if self.single_start is not None:
            seconds_of_day(self.single_start)
        if self.repeat is not None:
            if seconds_of_day(self.repeat) == 0:
                raise ValueError("`repeat` must be longer than 00:00:00")
            if self.begin_seconds >= self.end_seconds:
                raise ValueError(f"`begin` {self.begin} is not before `end` {self.end}")

    @property
    def begin_seconds(self) -> int:
        return 0 if self.begin is None else seconds_of_day(self.begin)

    @property
    def end_seconds(self) -> int:
        return DAY_SECONDS if self.end is None else seconds_of_day(self.end, allow_midnight_end=True)


class AssignedCalendar(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    calendar_name: str
    periods: Annotated[tuple[Period, ...], msgspec.Meta(min_length=1)]
    calendar_path: str | None = None
    time_zone: str = "Etc/UTC"
    includes: Frequencies = Frequencies()
    excludes: Frequencies = Frequencies()

    def __post_init__(self) -> None:
        zone = resolve_zone(self.time_zone)
        if isinstance(zone, Problem):
            raise ValueError(f"`timeZone`: {zone.message}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class CalendarRef(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    calendar_name: str
    calendar_path: str | None = None


class OrderPositions(msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True):
    start_position: Position | None = None
    end_positions: tuple[Position, ...] = ()
    block_position: Position | None = None


class OrderParameterisation(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True
):
    order_name: Annotated[str, msgspec.Meta(max_length=30, pattern=r"^[^<>]*$")] | None = None
    variables: dict[str, Any] = msgspec.field(default_factory=dict)
    positions: OrderPositions | None = None
    tags: tuple[str, ...] = ()
    force_job_admission: bool = False
    priority: int = 0


class Schedule(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    calendars: Annotated[tuple[AssignedCalendar, ...], msgspec.Meta(min_length=1)]
    workflow_names: tuple[str, ...] = ()
    workflow_name: str | None = None
    path: str | None = None
    version: str | None = None
    title: str | None = None
    documentation_name: str | None = None
    plan_order_automatically: bool = False
    submit_order_to_controller_when_planned: bool = False
    non_working_day_calendars: tuple[CalendarRef, ...] = ()
    order_parameterisations: tuple[OrderParameterisation, ...] = ()
    dst_policy: DstPolicy = JS7_DST_POLICY

    def __post_init__(self) -> None:
        if not self.workflow_names and not self.workflow_name:
            raise ValueError("needs `workflowNames` (or the deprecated `workflowName`)")

    @property
    def workflows(self) -> tuple[str, ...]:
        return self.workflow_names or ((self.workflow_name,) if self.workflow_name else ())


class RunTime(msgspec.Struct, frozen=True, order=True, gc=False):
    """One start of a schedule: the instant, the calendar date it belongs to and what produced it.

    Untracked by the garbage collector (`gc=False`: it holds no containers, so it cannot be part of a cycle);
    a projection makes hundreds of thousands of them.
    """

    start_ms: int
    date: date
    calendar_name: str
    period: Period
    time_zone: str


class PlannedOrder(msgspec.Struct, frozen=True):
    """What one start of a schedule submits for one workflow and one order parameterisation."""

    workflow_name: str
    start_ms: int
    parameterisation: OrderParameterisation


_NO_PARAMETERISATION = OrderParameterisation()


def planned_orders(schedule: Schedule, run: RunTime) -> tuple[PlannedOrder, ...]:
    """One order per workflow and parameterisation at the run's start, as JOC plans them (none given: one each)."""
    parameterisations = schedule.order_parameterisations or (_NO_PARAMETERISATION,)
    return tuple(
        PlannedOrder(workflow, run.start_ms, parameterisation)
        for workflow in schedule.workflows
        for parameterisation in parameterisations
    )


def parse_schedule(raw: bytes | str | Mapping[str, Any]) -> Schedule | Problem:
    """A schedule from inventory JSON (bytes/str) or already decoded JSON; a Problem naming the bad field.

    JOC's older name `variableSets` is read as `orderParameterisations`.
    """
    decoded = decode_inventory(raw, dict, "schedule") if isinstance(raw, bytes | str) else raw
    if isinstance(decoded, Problem):
        return decoded
    if "variableSets" in decoded and "orderParameterisations" not in decoded:
        renamed = {key: value for key, value in decoded.items() if key != "variableSets"}
        decoded = renamed | {"orderParameterisations": decoded["variableSets"]}
    return decode_inventory(decoded, Schedule, "schedule")


def run_times(
    schedule: Schedule, library: CalendarLibrary, first: date, last: date
) -> list[RunTime] | Problem:
    """Every start of the schedule on the dates [first, last], in time order."""
    lo, hi = first - _MOVE_MARGIN, last + _MOVE_MARGIN
    non_working = library.union((ref.calendar_name for ref in schedule.non_working_day_calendars), lo, hi)
    if isinstance(non_working, Problem):
        return non_working.prefixed("nonWorkingDayCalendars")
    starts: dict[int, RunTime] = {}
    for index, assigned in enumerate(schedule.calendars):
        dates = _working_dates(assigned, library, lo, hi)
        if isinstance(dates, Problem):
            return dates.prefixed(f"calendars[{index}]")
        for run in _runs(assigned, sorted(dates), non_working, schedule.dst_policy, (first, last)):
            starts.setdefault(run.start_ms, run)
    return [starts[start_ms] for start_ms in sorted(starts)]


def _working_dates(
    assigned: AssignedCalendar, library: CalendarLibrary, lo: date, hi: date
) -> frozenset[date] | Problem:
    calendar = library.get(assigned.calendar_name)
    if calendar is not None and calendar.type != "WORKINGDAYSCALENDAR":
        return Problem(
            f"Calendar {assigned.calendar_name!r} is a {calendar.type}, a schedule needs working days"
        )
    base = library.dates(assigned.calendar_name, lo, hi)
    if isinstance(base, Problem):
        return base
    problems: list[Problem] = []
    restricted = restrict(base, assigned.includes, assigned.excludes, lo, hi, library.named_dates(problems))
    return problems[0] if problems else restricted


class _Timing(NamedTuple):
    """A period's times in local milliseconds after midnight, computed once per schedule."""

    single_ms: int | None
    begin_ms: int
    end_ms: int
    step_ms: int | None


def _timing(period: Period) -> _Timing:
    single = None if period.single_start is None else seconds_of_day(period.single_start) * SECOND_MS
    step = None if period.repeat is None else seconds_of_day(period.repeat) * SECOND_MS
    return _Timing(single, period.begin_seconds * SECOND_MS, period.end_seconds * SECOND_MS, step)


def _runs(
    assigned: AssignedCalendar,
    dates: list[date],
    non_working: frozenset[date],
    policy: DstPolicy,
    wanted: tuple[date, date],
) -> list[RunTime]:
    zone, name, time_zone = assigned.zone, assigned.calendar_name, assigned.time_zone
    timings = [(period, _timing(period)) for period in assigned.periods]
    runs: list[RunTime] = []
    for day in dates:
        for period, timing in timings:
            run_day = day if day not in non_working else _moved_day(day, period.when_holiday, non_working)
            if run_day is None or not wanted[0] <= run_day <= wanted[1]:
                continue
            runs.extend(
                RunTime(start_ms, run_day, name, period, time_zone)
                for start_ms in _starts(timing, run_day, zone, policy)
            )
    return runs


def _moved_day(day: date, when_holiday: WhenHoliday, non_working: frozenset[date]) -> date | None:
    """Where a start on a non-working day goes: nowhere, nowhere else, or the next/previous other day."""
    if when_holiday == "IGNORE":
        return day
    if when_holiday == "SUPPRESS":
        return None
    step = timedelta(days=1 if when_holiday == "NEXTNONWORKINGDAY" else -1)
    moved = day + step
    while moved in non_working:
        moved += step
    return moved


def _starts(timing: _Timing, day: date, zone: ZoneInfo, policy: DstPolicy) -> Iterable[int]:
    midnight = local_day_ms(day)
    offset = plain_day_offset(zone, day)
    single: Iterable[int] = ()
    if timing.single_ms is not None:
        local_ms = midnight + timing.single_ms
        single = (local_ms - offset,) if offset is not None else wall_clock_instants(local_ms, zone, policy)
    if timing.step_ms is None:
        return single
    begin, end = midnight + timing.begin_ms, midnight + timing.end_ms
    if offset is not None:
        repeated: Iterable[int] = range(begin - offset, end - offset, timing.step_ms)
    else:
        end_ms = to_instant_ms(end, zone)
        stepped = range(to_instant_ms(begin, zone), end_ms, timing.step_ms)
        repeated = sorted({occurrence_of(instant, zone, policy, end_ms) for instant in stepped})
    return (*single, *repeated) if single else repeated


@lru_cache(maxsize=65_536)
def plain_day_offset(zone: ZoneInfo, day: date) -> int | None:
    """The zone's UTC offset in ms on a day without a clock change (midnight to midnight), else None."""
    midnight = local_day_ms(day)
    start, end = to_instant_ms(midnight, zone), to_instant_ms(midnight + DAY_MS, zone)
    if (
        end - start != DAY_MS
        or to_local_ms(start, zone) != midnight
        or to_local_ms(end, zone) != midnight + DAY_MS
    ):
        return None
    return midnight - start
