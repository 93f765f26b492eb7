"""`/joc/api/calendar/dates` (the dates of a calendar) and `/joc/api/schedule/runtime` (the starts of a schedule's
run-time settings), read-only, computed by `stellwerk.calendar` from the inventory's calendars.

Calendars named by other calendars or by schedules are looked up among the inventory's calendars (the drafts, as
JOC's editors show them). Defaults as in JOC: from today (or the calendar's `from`) to the end of the year (or
its `to`). The run-time answer gives every start as a UTC instant, and a repeating period as its first start,
its end and its interval, like JOC's example answer (JOC's schema says `hh:mm:ss` there; its answers do not).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from fastapi import APIRouter
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.calendar.calendars import Calendar, CalendarLibrary, calendar_dates, parse_calendar
from stellwerk.calendar.frequencies import Frequencies
from stellwerk.calendar.schedules import Period, RunTime, Schedule, parse_schedule, run_times
from stellwerk.calendar.timeofday import format_seconds_of_day, seconds_of_day
from stellwerk.calendar.wallclock import SECOND_MS, local_day_ms, to_instant_ms
from stellwerk.cockpit.api.inventory_common import checked_path
from stellwerk.cockpit.api.models import JocModel
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.repositories.inventory import Configuration, InventoryRepository
from stellwerk.cockpit.errors import BadRequest, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import CallerDep
from stellwerk.model.problems import Problem

router = APIRouter(prefix="/joc/api", tags=["calendars"], strict_content_type=False)

CALENDARS_VIEW = "sos:products:joc:calendars:view"
INVENTORY_VIEW = "sos:products:joc:inventory:view"
_CALENDAR_TYPES = (T.WORKINGDAYSCALENDAR, T.NONWORKINGDAYSCALENDAR)
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_NOTHING = Frequencies()
_EARLIEST, _LATEST = date(1900, 1, 1), date(2999, 12, 31)


class CalendarDatesFilter(JocModel):
    calendar: dict[str, Any] | None = None
    id: int | None = Field(default=None, ge=0)
    path: str | None = Field(default=None, min_length=1, max_length=255)
    date_from: str | None = Field(default=None, pattern=_DATE)
    date_to: str | None = Field(default=None, pattern=_DATE)


class ScheduleRunTimeRequest(JocModel):
    calendars: list[dict[str, Any]] = Field(min_length=1)
    non_working_day_calendars: list[dict[str, Any]] = []
    date_from: str | None = Field(default=None, pattern=_DATE)
    date_to: str | None = Field(default=None, pattern=_DATE)
    time_zone: str | None = None


@router.post("/calendar/dates")
async def calendar_dates_of(
    body: CalendarDatesFilter, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """The calendar's dates in the range, and the dates its excludes took out (`withExcludes`)."""
    caller.require(CALENDARS_VIEW)
    async with cockpit.database.session() as db:
        calendar = await _asked_calendar(db, body, caller.require_folder)
        library = await _library(db)
    today = _today(cockpit.now())
    first = _date(body.date_from, "$.dateFrom") or calendar.from_ or today
    last = _date(body.date_to, "$.dateTo") or calendar.to or date(today.year, 12, 31)
    _check_range(first, last)
    problems: list[Problem] = []
    dates = calendar_dates(calendar, first, last, library.named_dates(problems))
    unexcluded = calendar_dates(msgspec.structs.replace(calendar, excludes=_NOTHING), first, last, library.named_dates(problems))  # fmt: skip
    if problems:
        raise UnknownObject(f"$.calendar: {problems[0].message}")
    return {
        "deliveryDate": delivery_date(),
        "dates": sorted(day.isoformat() for day in dates),
        "withExcludes": sorted(day.isoformat() for day in unexcluded - dates),
    }


@router.post("/schedule/runtime")
async def schedule_runtime(
    body: ScheduleRunTimeRequest, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """The starts that run-time settings (a schedule's calendars and periods) produce, by date."""
    caller.require(INVENTORY_VIEW)
    schedule = _schedule(body)
    today = _today(cockpit.now())
    first = _date(body.date_from, "$.dateFrom") or today
    last = _date(body.date_to, "$.dateTo") or date(today.year, 12, 31)
    _check_range(first, last)
    async with cockpit.database.session() as db:
        library = await _library(db)
    runs = run_times(schedule, library, first, last)
    if isinstance(runs, Problem):
        raise UnknownObject(f"$.{runs.message}")
    return {"deliveryDate": delivery_date(), "dates": _by_date(runs)}


async def _asked_calendar(
    db: AsyncSession, body: CalendarDatesFilter, require_folder: Callable[[str], None]
) -> Calendar:
    if body.calendar is not None:
        return _parsed_calendar(body.calendar, None, "$.calendar")
    stored = await _stored_calendar(db, body)
    require_folder(stored.path)
    return _parsed_calendar(msgspec.json.decode(stored.content or "{}"), stored.object_type, "$.path")


async def _stored_calendar(db: AsyncSession, body: CalendarDatesFilter) -> Configuration:
    repository = InventoryRepository(db)
    found: Configuration | None = None
    if body.id is not None:
        found = await repository.read_by_id(body.id)
    elif body.path is not None:
        path = checked_path(body.path)
        for object_type in _CALENDAR_TYPES:
            found = found or await repository.read(object_type, path)
    else:
        raise BadRequest("$: one of calendar, id or path is required")
    if found is None or found.object_type not in _CALENDAR_TYPES:
        raise UnknownObject(
            f"No calendar {body.path if body.id is None else f'with id {body.id}'} in the inventory"
        )
    return found


def _parsed_calendar(content: Any, object_type: T | None, field: str) -> Calendar:
    if isinstance(content, dict) and object_type is not None:
        content = {**content, "type": object_type.value}
    calendar = parse_calendar(content if isinstance(content, dict) else {"includes": content})
    if isinstance(calendar, Problem):
        raise BadRequest(f"{field}: {calendar.message}")
    return calendar


async def _library(db: AsyncSession) -> CalendarLibrary:
    """Every calendar of the inventory by name; ones that do not parse are left out (naming them is a Problem)."""
    stored = await InventoryRepository(db).list_folder("/", recursive=True, object_types=_CALENDAR_TYPES)
    calendars: dict[str, Calendar] = {}
    for configuration in stored:
        content = msgspec.json.decode(configuration.content or "{}")
        if isinstance(content, dict):
            parsed = parse_calendar({**content, "type": configuration.object_type.value})
            if isinstance(parsed, Calendar):
                calendars[configuration.name] = parsed
    return CalendarLibrary(calendars)


def _schedule(body: ScheduleRunTimeRequest) -> Schedule:
    calendars = [_named(assigned, body.time_zone) for assigned in body.calendars]
    non_working = [_named(reference, None) for reference in body.non_working_day_calendars]
    raw = {"workflowNames": ["-"], "calendars": calendars, "nonWorkingDayCalendars": non_working}
    schedule = parse_schedule(raw)
    if isinstance(schedule, Problem):
        raise BadRequest(schedule.message.replace("Invalid schedule: ", ""))
    return schedule


def _named(reference: dict[str, Any], time_zone: str | None) -> dict[str, Any]:
    """JOC accepts a calendar by path alone: its name is the path's last part (names are unique)."""
    named = dict(reference)
    path = named.get("calendarPath")
    if "calendarName" not in named and isinstance(path, str):
        named["calendarName"] = path.rsplit("/", 1)[-1]
    if time_zone is not None and "timeZone" not in named and "periods" in named:
        named["timeZone"] = time_zone
    return named


def _by_date(runs: list[RunTime]) -> dict[str, dict[str, list[dict[str, str]]]]:
    periods: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    repeats: dict[tuple[date, Period], dict[str, str]] = {}
    for run in runs:
        day = run.date.isoformat()
        period = run.period
        if period.repeat is None or (period.single_start and _single_instant(run) == run.start_ms):
            periods[day].append({"singleStart": _iso(run.start_ms)})
            continue
        key = (run.date, period)
        if key not in repeats:
            repeats[key] = {
                "begin": _iso(run.start_ms),
                "end": _iso(_end_ms(run)),
                "repeat": _hhmmss(period.repeat),
            }
            periods[day].append(repeats[key])
    return {day: {"periods": periods[day]} for day in sorted(periods)}


def _single_instant(run: RunTime) -> int:
    assert run.period.single_start is not None
    local = local_day_ms(run.date) + seconds_of_day(run.period.single_start) * SECOND_MS
    return to_instant_ms(local, _zone(run))


def _end_ms(run: RunTime) -> int:
    return to_instant_ms(local_day_ms(run.date) + run.period.end_seconds * SECOND_MS, _zone(run))


def _zone(run: RunTime) -> ZoneInfo:
    return ZoneInfo(run.time_zone)


def _hhmmss(text: str) -> str:
    return format_seconds_of_day(seconds_of_day(text))


def _iso(instant_ms: int) -> str:
    return datetime.fromtimestamp(instant_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _today(now_ms: int) -> date:
    return datetime.fromtimestamp(now_ms / 1000, UTC).date()


def _date(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{field}: not a date: {text!r}") from None


def _check_range(first: date, last: date) -> None:
    if not _EARLIEST <= first <= _LATEST or not _EARLIEST <= last <= _LATEST:
        raise BadRequest(f"$.dateFrom, $.dateTo: dates between {_EARLIEST} and {_LATEST} only ({first} .. {last} asked)")  # fmt: skip
    if first > last:
        raise BadRequest(f"$.dateFrom: {first} is after $.dateTo {last}")
    if (last - first).days > 3 * 366:
        raise BadRequest(f"$.dateTo: at most three years after $.dateFrom ({first} .. {last} asked)")
