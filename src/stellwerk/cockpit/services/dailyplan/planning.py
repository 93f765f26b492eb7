"""Which orders a plan date should have: the starts of the released schedules on that date, one order per start,
workflow and order parameterisation (pure; the shell reads schedules and rows and writes what this answers).

An order's id is JOC's form `#<plan date>#<K><11 digits>-<name>` (K = P for a single start, C for a start of a
repeating period). Unlike JOC, the digits come from the planned start (its epoch milliseconds' last 9) and the
order's index among the orders of that start (2 digits), not from the time of planning: planning a date twice gives
the same ids, so regenerating never duplicates an order for the same schedule, parameterisation and start.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from datetime import date
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from stellwerk.calendar.calendars import CalendarLibrary
from stellwerk.calendar.schedules import Period, RunTime, Schedule, planned_orders, run_times
from stellwerk.calendar.timeofday import seconds_of_day
from stellwerk.calendar.wallclock import SECOND_MS, local_day_ms, to_instant_ms
from stellwerk.model.problems import Problem

_DIGITS = 1_000_000_000


class NamedSchedule(msgspec.Struct, frozen=True):
    """A released schedule with its inventory path (its name is the path's last part)."""

    path: str
    schedule: Schedule

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class Planned(msgspec.Struct, frozen=True, kw_only=True):
    """One order of the plan, as the shell stores it."""

    order_id: str
    order_name: str | None
    plan_date: date
    workflow_name: str
    schedule_path: str
    schedule_name: str
    planned_start: int
    repeat_interval: int | None = None  # seconds
    period_begin: int | None = None
    period_end: int | None = None
    variables: dict[str, Any] = msgspec.field(default_factory=dict)
    priority: int = 0
    force_job_admission: bool = False


def plan_order_id(plan_date: date, cyclic: bool, start_ms: int, index: int, name: str) -> str:
    """JOC's id form for a planned order, from the plan date, the start and its index among that start's orders."""
    kind = "C" if cyclic else "P"
    return f"#{plan_date.isoformat()}#{kind}{start_ms % _DIGITS:09d}{index % 100:02d}-{name}"


def plan_date_orders(
    schedules: Iterable[NamedSchedule], library: CalendarLibrary, plan_date: date
) -> list[Planned] | Problem:
    """Every order the schedules start on the plan date, in start order; a Problem names the schedule that fails."""
    planned: list[Planned] = []
    for named in schedules:
        runs = run_times(named.schedule, library, plan_date, plan_date)
        if isinstance(runs, Problem):
            return runs.prefixed(named.path)
        for run in runs:
            planned.extend(_orders_of_run(named, run))
    return sorted(planned, key=lambda entry: (entry.planned_start, entry.order_id))


def missing(wanted: Sequence[Planned], existing_ids: Set[str]) -> list[Planned]:
    """The wanted orders not yet planned (generating again adds only these)."""
    return [entry for entry in wanted if entry.order_id not in existing_ids]


def _orders_of_run(named: NamedSchedule, run: RunTime) -> Iterable[Planned]:
    period = run.period
    single_ms, begin, end = _period_instants(run.date, period, run.time_zone)
    cyclic = period.repeat is not None and single_ms != run.start_ms
    repeat = seconds_of_day(period.repeat) if cyclic and period.repeat is not None else None
    bounds = (begin, end) if cyclic else (None, None)
    for index, order in enumerate(planned_orders(named.schedule, run)):
        name = order.parameterisation.order_name or named.name
        yield Planned(
            order_id=plan_order_id(run.date, cyclic, run.start_ms, index, name),
            order_name=order.parameterisation.order_name,
            plan_date=run.date,
            workflow_name=order.workflow_name,
            schedule_path=named.path,
            schedule_name=named.name,
            planned_start=run.start_ms,
            repeat_interval=repeat,
            period_begin=bounds[0],
            period_end=bounds[1],
            variables=dict(order.parameterisation.variables),
            priority=order.parameterisation.priority,
            force_job_admission=order.parameterisation.force_job_admission,
        )


@lru_cache(maxsize=4096)
def _period_instants(day: date, period: Period, time_zone: str) -> tuple[int | None, int, int]:
    """The period's single start (None without one), begin and end on the day, as instants; computed once per
    day and period, not once per start of a repeating period."""
    zone = ZoneInfo(time_zone)
    midnight = local_day_ms(day)
    single = period.single_start
    single_ms = None if single is None else to_instant_ms(midnight + seconds_of_day(single) * SECOND_MS, zone)
    begin = to_instant_ms(midnight + period.begin_seconds * SECOND_MS, zone)
    end = to_instant_ms(midnight + period.end_seconds * SECOND_MS, zone)
    return single_ms, begin, end


def start_lateness_ms(planned_start_ms: int | None, actual_start_ms: int) -> int | None:
    """How late an order started (actual − planned start, ms; negative when early); None without a plan."""
    return None if planned_start_ms is None else actual_start_ms - planned_start_ms


def is_late(planned_start_ms: int, now_ms: int, started: bool, tolerance_ms: int = 0) -> bool:
    """JOC's `late`: an order not started although its planned start (plus tolerance) is past."""
    return not started and now_ms > planned_start_ms + tolerance_ms


def plan_date_of(order_id: str) -> date | None:
    """The plan date of a JOC order id (`#yyyy-mm-dd#…`), None for other ids; for the History's `plan_date`."""
    if len(order_id) < 12 or order_id[0] != "#" or order_id[11] != "#":
        return None
    try:
        return date.fromisoformat(order_id[1:11])
    except ValueError:
        return None


def is_planned(order_id: str) -> bool:
    """Whether the order id is one the Daily Plan gives (`#yyyy-mm-dd#P…` or, of a cyclic period, `#…#C…`)."""
    return len(order_id) > 12 and order_id[12] in "PC" and plan_date_of(order_id) is not None


def copied_order_id(order_id: str, start_ms: int, taken: Set[str]) -> str | None:
    """The id of a copy of a planned order at a start: the start's digits replaced, and the index the first
    after the original's that no order of the plan has (None when all 100 are taken)."""
    moved = moved_order_id(order_id, start_ms)
    head, index, tail = moved[:22], int(moved[22:24]), moved[24:]
    for step in range(1, 100):
        candidate = f"{head}{(index + step) % 100:02d}{tail}"
        if candidate not in taken:
            return candidate
    return None


def moved_order_id(order_id: str, start_ms: int) -> str:
    """The id of a planned order moved to another start: the start's digits replaced, the rest kept."""
    head, _, tail = order_id.partition("#")[2].partition("#")
    kind, digits_and_name = tail[:1], tail[1:]
    index, name = digits_and_name[9:11], digits_and_name[12:]
    return f"#{head}#{kind}{start_ms % _DIGITS:09d}{index}-{name}"
