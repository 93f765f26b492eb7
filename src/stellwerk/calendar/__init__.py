"""Pure time arithmetic: admission periods, the order day of a Cycle, cycle scheduling; and JOC's calendars,
schedules, their DST policy and projections (`calendars`, `schedules`, `dst`, `projections`).

Instants are epoch milliseconds (int); zones are `zoneinfo.ZoneInfo` (see `resolve_zone`); the clock is a parameter.
"""

from __future__ import annotations

from stellwerk.calendar.admission import (
    admission_periods,
    current_or_next_period,
    has_admission_start_on_day,
    is_admitted,
)
from stellwerk.calendar.calendars import Calendar, CalendarLibrary, parse_calendar
from stellwerk.calendar.cycle import (
    ChangeCycleState,
    CycleDecision,
    EndCycling,
    KeepWaiting,
    StartCycle,
    first_cycle_state,
    next_cycle_state,
    on_cycle_due,
    ticking_skipped_ms,
)
from stellwerk.calendar.cycle_branch import cycle_branch_id, parse_cycle_branch_id
from stellwerk.calendar.dst import DstPolicy, MissingHour, RepeatedHour
from stellwerk.calendar.orderday import order_day
from stellwerk.calendar.projections import Projection, project
from stellwerk.calendar.schedules import RunTime, Schedule, parse_schedule, planned_orders, run_times
from stellwerk.calendar.wallclock import Interval, resolve_zone

__all__ = [
    "Calendar",
    "CalendarLibrary",
    "ChangeCycleState",
    "CycleDecision",
    "DstPolicy",
    "EndCycling",
    "Interval",
    "KeepWaiting",
    "MissingHour",
    "Projection",
    "RepeatedHour",
    "RunTime",
    "Schedule",
    "StartCycle",
    "admission_periods",
    "current_or_next_period",
    "cycle_branch_id",
    "first_cycle_state",
    "has_admission_start_on_day",
    "is_admitted",
    "next_cycle_state",
    "on_cycle_due",
    "order_day",
    "parse_calendar",
    "parse_cycle_branch_id",
    "parse_schedule",
    "planned_orders",
    "project",
    "resolve_zone",
    "run_times",
    "ticking_skipped_ms",
]
