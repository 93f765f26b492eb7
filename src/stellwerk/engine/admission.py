"""Admission times for jobs and AdmissionTime blocks, seen from one order at `now`."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo

from stellwerk.calendar.admission import current_or_next_period, has_admission_start_on_day
from stellwerk.calendar.orderday import order_day
from stellwerk.calendar.wallclock import local_date, resolve_zone, to_local_ms
from stellwerk.engine.step import Step
from stellwerk.model.admission import AdmissionTimeScheme
from stellwerk.model.items import Calendar
from stellwerk.model.problems import Problem

# "go" (no restriction), the end of the current period (ms), "wait", or "skip" (no period on the order's day).
AdmissionDecision = Literal["go", "wait", "skip"] | int


def workflow_zone(step: Step) -> ZoneInfo:
    zone = resolve_zone(step.workflow.time_zone)
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo("UTC")


def admission_decision(
    step: Step, scheme: AdmissionTimeScheme | None, skip_if_no_start: bool
) -> AdmissionDecision:
    if scheme is None or step.order.force_admission:
        return "go"
    zone = workflow_zone(step)
    if skip_if_no_start and not _starts_on_order_day(step, scheme, zone):
        return "skip"
    period = current_or_next_period(scheme, zone, step.now)
    if period is None:
        return "skip"
    start, end = period
    return end if start <= step.now else "wait"


def next_admission(step: Step, scheme: AdmissionTimeScheme) -> int | None:
    """When the order may start next (for wake-ups and obstacles)."""
    period = current_or_next_period(scheme, workflow_zone(step), step.now)
    return None if period is None else max(period[0], step.now)


def _starts_on_order_day(step: Step, scheme: AdmissionTimeScheme, zone: ZoneInfo) -> bool:
    calendar = step.state.calendars.get(step.workflow.calendar_path or "dailyPlan") or Calendar()
    day = order_day(calendar, step.order.id, zone)
    if isinstance(day, Problem):
        return True  # no daily-plan date in the order id: nothing to skip
    return has_admission_start_on_day(scheme, zone, local_date(to_local_ms(day[0], zone)))
