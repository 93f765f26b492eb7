"""The pure part of the Daily Plan: which orders a plan date should have, their ids, what a selection means."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from stellwerk.calendar.calendars import CalendarLibrary
from stellwerk.calendar.schedules import Schedule, parse_schedule
from stellwerk.cockpit.db.repositories.folders import FolderFilter
from stellwerk.cockpit.services.dailyplan.lateness import StartLateness
from stellwerk.cockpit.services.dailyplan.planning import (
    NamedSchedule,
    is_late,
    missing,
    moved_order_id,
    plan_date_of,
    plan_date_orders,
    plan_order_id,
    start_lateness_ms,
)
from stellwerk.cockpit.services.dailyplan.selection import OrderFacts, PlanSelection, chosen, in_any_folder
from stellwerk.model.problems import Problem
from tests.calendar.test_schedules import calendar

LIBRARY = CalendarLibrary(
    {
        "weekdays": calendar({"includes": {"weekdays": [{"days": [1, 2, 3, 4, 5]}]}}),
        "closed": calendar({"type": "NONWORKINGDAYSCALENDAR", "includes": {"dates": ["2026-06-03"]}}),
    }
)
MONDAY, WEDNESDAY, SATURDAY = date(2026, 6, 1), date(2026, 6, 3), date(2026, 6, 6)


def schedule(path: str, periods: list[dict[str, Any]], **more: Any) -> NamedSchedule:
    raw = {
        "workflowNames": more.pop("workflows", ["wf"]),
        "calendars": [{"calendarName": "weekdays", "timeZone": "Europe/Berlin", "periods": periods}],
        **more,
    }
    parsed = parse_schedule(raw)
    assert isinstance(parsed, Schedule), parsed
    return NamedSchedule(path, parsed)


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


@pytest.mark.parametrize(
    ("periods", "day", "starts"),
    [
        ([{"singleStart": "09:00:00"}], MONDAY, ["2026-06-01T07:00:00+00:00"]),
        ([{"singleStart": "09:00:00"}], SATURDAY, []),
        (
            [{"begin": "10:00", "end": "11:00", "repeat": "00:30"}],
            MONDAY,
            ["2026-06-01T08:00:00+00:00", "2026-06-01T08:30:00+00:00"],
        ),
        (
            [{"singleStart": "08:00:00"}, {"singleStart": "08:00:00"}],
            MONDAY,
            ["2026-06-01T06:00:00+00:00"],
        ),
    ],
)
def test_the_starts_of_a_plan_date(periods: list[dict[str, Any]], day: date, starts: list[str]) -> None:
    planned = plan_date_orders([schedule("/s/daily", periods)], LIBRARY, day)
    assert not isinstance(planned, Problem)
    assert [entry.planned_start for entry in planned] == [ms(start) for start in starts]
    assert all(entry.plan_date == day and entry.schedule_name == "daily" for entry in planned)


def test_one_order_per_workflow_and_parameterisation_with_its_variables() -> None:
    named = schedule(
        "/s/two",
        [{"singleStart": "09:00:00"}],
        workflows=["a", "b"],
        orderParameterisations=[
            {"orderName": "red", "variables": {"colour": "red"}},
            {"orderName": "blue", "variables": {"colour": "blue"}, "priority": 3},
        ],
    )
    planned = plan_date_orders([named], LIBRARY, MONDAY)
    assert not isinstance(planned, Problem)
    assert sorted((e.workflow_name, e.order_name, e.variables["colour"], e.priority) for e in planned) == [
        ("a", "blue", "blue", 3),
        ("a", "red", "red", 0),
        ("b", "blue", "blue", 3),
        ("b", "red", "red", 0),
    ]
    assert len({entry.order_id for entry in planned}) == 4


def test_ids_are_joc_shaped_and_the_same_when_planned_again() -> None:
    periods = [{"singleStart": "09:00:00"}, {"begin": "10:00", "end": "11:00", "repeat": "01:00"}]
    first = plan_date_orders([schedule("/s/daily", periods)], LIBRARY, MONDAY)
    again = plan_date_orders([schedule("/s/daily", periods)], LIBRARY, MONDAY)
    assert not isinstance(first, Problem) and first == again
    single, cyclic = first
    assert single.order_id == f"#2026-06-01#P{ms('2026-06-01T07:00:00+00:00') % 10**9:09d}00-daily"
    assert cyclic.order_id.startswith("#2026-06-01#C") and cyclic.repeat_interval == 3600
    assert cyclic.period_begin == ms("2026-06-01T08:00:00+00:00")
    assert cyclic.period_end == ms("2026-06-01T09:00:00+00:00")
    assert single.repeat_interval is None and single.period_begin is None
    assert missing(first, {single.order_id}) == [cyclic]
    assert missing(again, {entry.order_id for entry in first}) == []


def test_a_schedule_that_names_an_unknown_calendar_is_a_problem_naming_it() -> None:
    parsed = parse_schedule(
        {
            "workflowNames": ["wf"],
            "calendars": [{"calendarName": "nowhere", "periods": [{"singleStart": "09:00"}]}],
        }
    )
    assert isinstance(parsed, Schedule)
    problem = plan_date_orders([NamedSchedule("/s/lost", parsed)], LIBRARY, MONDAY)
    assert isinstance(problem, Problem) and problem.message.startswith("/s/lost: calendars[0]")


def test_non_working_days_suppress_or_move_starts() -> None:
    suppressed = schedule(
        "/s/x", [{"singleStart": "09:00"}], nonWorkingDayCalendars=[{"calendarName": "closed"}]
    )
    moved = schedule(
        "/s/y",
        [{"singleStart": "09:00", "whenHoliday": "NEXTNONWORKINGDAY"}],
        nonWorkingDayCalendars=[{"calendarName": "closed"}],
    )
    on_wednesday = plan_date_orders([suppressed, moved], LIBRARY, WEDNESDAY)
    on_thursday = plan_date_orders([suppressed, moved], LIBRARY, date(2026, 6, 4))
    assert on_wednesday == []
    assert not isinstance(on_thursday, Problem)
    # Wednesday's start moved to Thursday meets Thursday's own 09:00 and starts once.
    assert sorted(entry.schedule_path for entry in on_thursday) == ["/s/x", "/s/y"]
    on_tuesday = plan_date_orders([moved], LIBRARY, date(2026, 6, 2))
    assert not isinstance(on_tuesday, Problem) and len(on_tuesday) == 1


@pytest.mark.parametrize(
    ("order_id", "plan_date"),
    [
        ("#2026-06-01#P12345678900-daily", date(2026, 6, 1)),
        ("#2026-13-01#P12345678900-daily", None),
        ("plain", None),
        ("#2026-06-01", None),
    ],
)
def test_plan_date_of_an_order_id(order_id: str, plan_date: date | None) -> None:
    assert plan_date_of(order_id) == plan_date


def test_a_moved_order_keeps_its_date_kind_index_and_name() -> None:
    order_id = plan_order_id(MONDAY, True, 1_780_297_200_000, 7, "night-run")
    assert order_id == "#2026-06-01#C29720000007-night-run"
    assert moved_order_id(order_id, 1_780_297_260_000) == "#2026-06-01#C29726000007-night-run"


def test_lateness() -> None:
    assert start_lateness_ms(1_000, 1_250) == 250
    assert start_lateness_ms(1_000, 900) == -100
    assert start_lateness_ms(None, 900) is None
    assert is_late(1_000, 1_001, started=False)
    assert not is_late(1_000, 1_001, started=True)
    assert not is_late(1_000, 1_000, started=False)


FACTS = OrderFacts(
    controller_id="c",
    plan_date=MONDAY,
    order_id="#id",
    schedule_path="/plans/night/s",
    workflow_path="/flows/w",
    state="PLANNED",
    submission_id=None,
)


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (PlanSelection(), True),
        (PlanSelection(date_from=MONDAY, date_to=MONDAY), True),
        (PlanSelection(date_from=WEDNESDAY), False),
        (PlanSelection(controller_ids=("d",)), False),
        (PlanSelection(states=("SUBMITTED",)), False),
        (PlanSelection(schedule_paths=("/plans/night/s",)), True),
        (PlanSelection(schedule_folders=(FolderFilter(folder="/plans"),)), True),
        (PlanSelection(schedule_folders=(FolderFilter(folder="/plans", recursive=False),)), False),
        (PlanSelection(workflow_folders=(FolderFilter(folder="/"),)), True),
        (PlanSelection(workflow_paths=("/flows/other",)), False),
        (PlanSelection(submission_ids=(1,)), False),
    ],
)
def test_what_a_selection_means(selection: PlanSelection, expected: bool) -> None:
    assert chosen(selection, FACTS) is expected


def test_folders() -> None:
    assert in_any_folder("/a/b/c", [FolderFilter(folder="/a")])
    assert not in_any_folder("/ab/c", [FolderFilter(folder="/a")])
    assert in_any_folder("/c", [FolderFilter(folder="/", recursive=False)])
    assert not in_any_folder("/a/c", [FolderFilter(folder="/", recursive=False)])


def test_the_lateness_histogram_counts_planned_starts_by_controller_and_workflow() -> None:
    lateness = StartLateness()
    assert lateness.observe("c", "/w", 10_000, 10_030) == 30
    assert lateness.observe("c", "/w", 10_000, 10_400) == 400
    assert lateness.observe("c", "/w", 10_000, 13_000) == 3_000
    assert lateness.observe("c", "/w", None, 13_000) is None
    assert lateness.observe("c", "/w", 10_000, 9_000) == -1_000
    assert lateness.observe("c", "/other", 10_000, 10_000) == 0
    text = lateness.render().decode()
    bucket = 'stellwerk_order_start_lateness_seconds_bucket{{controller_id="c",le="{}",workflow="/w"}} {}'
    assert 'stellwerk_order_start_lateness_seconds_count{controller_id="c",workflow="/w"} 4.0' in text
    assert bucket.format("0.05", "2.0") in text  # on time and early
    assert bucket.format("0.5", "3.0") in text
    assert bucket.format("5.0", "4.0") in text
    assert 'count{controller_id="c",workflow="/other"} 1.0' in text
