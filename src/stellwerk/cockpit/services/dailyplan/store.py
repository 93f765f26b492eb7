"""The Daily Plan's rows: planned orders and submissions (`dpl_orders`, `dpl_submissions`), and what planning
reads from the inventory (released schedules and calendars, the workflows' paths)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from datetime import date

import msgspec
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from stellwerk.calendar.calendars import Calendar, CalendarLibrary, parse_calendar
from stellwerk.calendar.schedules import Schedule, parse_schedule
from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.enums import DailyPlanOrderState
from stellwerk.cockpit.db.repositories.releases import ReleaseRepository
from stellwerk.cockpit.db.tables import InvConfiguration
from stellwerk.cockpit.db.tables.dailyplan import DailyPlanOrder, DailyPlanSubmission
from stellwerk.cockpit.services.dailyplan.planning import NamedSchedule, Planned
from stellwerk.cockpit.services.dailyplan.selection import OrderFacts, PlanSelection, chosen

_CALENDARS = (T.WORKINGDAYSCALENDAR, T.NONWORKINGDAYSCALENDAR)
# Rows per bulk statement: few round trips, and ids per IN list well below every backend's bound on parameters.
_CHUNK = 1000


async def released_schedules(db: AsyncSession) -> list[NamedSchedule]:
    """The released schedules that parse (one that does not cannot be planned and is left out)."""
    found: list[NamedSchedule] = []
    for released in await ReleaseRepository(db).list_released(object_types=(T.SCHEDULE,)):
        schedule = parse_schedule(released.content)
        if isinstance(schedule, Schedule):
            found.append(NamedSchedule(released.path, schedule))
    return found


async def released_calendars(db: AsyncSession) -> CalendarLibrary:
    """The released calendars by name."""
    calendars: dict[str, Calendar] = {}
    for released in await ReleaseRepository(db).list_released(object_types=_CALENDARS):
        content = msgspec.json.decode(released.content or "{}")
        if isinstance(content, dict):
            parsed = parse_calendar({**content, "type": released.object_type.value})
            if isinstance(parsed, Calendar):
                calendars[released.name] = parsed
    return CalendarLibrary(calendars)


async def workflow_paths(db: AsyncSession, names: Iterable[str]) -> dict[str, str]:
    """The inventory path of each workflow name (`/<name>` for one not in the inventory)."""
    wanted = set(names)
    rows = await db.execute(
        select(InvConfiguration.name, InvConfiguration.path).where(
            InvConfiguration.object_type == T.WORKFLOW, InvConfiguration.name.in_(wanted)
        )
    )
    paths: dict[str, str] = {name: path for name, path in rows}  # noqa: C416
    return {name: paths.get(name, f"/{name}") for name in wanted}


def facts(row: DailyPlanOrder) -> OrderFacts:
    return OrderFacts(
        controller_id=row.controller_id,
        plan_date=row.plan_date,
        order_id=row.order_id,
        schedule_path=row.schedule_path,
        workflow_path=row.workflow_path,
        state=row.state.value,
        submission_id=row.submission_id,
    )


async def selected_orders(db: AsyncSession, selection: PlanSelection) -> list[DailyPlanOrder]:
    """The planned orders the selection means, by planned start."""
    query = select(DailyPlanOrder)
    if selection.date_from is not None:
        query = query.where(DailyPlanOrder.plan_date >= selection.date_from)
    if selection.date_to is not None:
        query = query.where(DailyPlanOrder.plan_date <= selection.date_to)
    if selection.controller_ids:
        query = query.where(DailyPlanOrder.controller_id.in_(selection.controller_ids))
    if selection.order_ids:
        query = query.where(DailyPlanOrder.order_id.in_(selection.order_ids))
    rows = await db.scalars(query.order_by(DailyPlanOrder.planned_start, DailyPlanOrder.order_id))
    return [row for row in rows if chosen(selection, facts(row))]


async def existing_ids(db: AsyncSession, controller_id: str, plan_date: date) -> set[str]:
    rows = await db.scalars(
        select(DailyPlanOrder.order_id).where(
            DailyPlanOrder.controller_id == controller_id, DailyPlanOrder.plan_date == plan_date
        )
    )
    return set(rows)


async def add_planned(
    db: AsyncSession, controller_id: str, entries: Sequence[Planned], paths: dict[str, str], now: int
) -> None:
    """Inserts the planned orders in bulk (one statement per chunk, not one per row: a day may have 100,000)."""
    rows = [
        {
            "submission_id": None,
            "controller_id": controller_id,
            "plan_date": entry.plan_date,
            "order_id": entry.order_id,
            "order_name": entry.order_name,
            "workflow_path": paths[entry.workflow_name],
            "workflow_name": entry.workflow_name,
            "schedule_path": entry.schedule_path,
            "schedule_name": entry.schedule_name,
            "planned_start": entry.planned_start,
            "expected_end": None,
            "repeat_interval": entry.repeat_interval,
            "period_begin": entry.period_begin,
            "period_end": entry.period_end,
            "state": DailyPlanOrderState.PLANNED,
            "arguments": _arguments(entry),
            "created": now,
            "modified": now,
        }
        for entry in entries
    ]
    for first in range(0, len(rows), _CHUNK):
        await db.execute(insert(DailyPlanOrder), rows[first : first + _CHUNK])


async def planned_rows(
    db: AsyncSession, controller_id: str, plan_dates: Iterable[date], order_ids: Set[str]
) -> list[DailyPlanOrder]:
    """The rows of these orders of the plan dates (read by date, then picked: a day may have 100,000 ids)."""
    if not order_ids:
        return []
    query = select(DailyPlanOrder).where(
        DailyPlanOrder.controller_id == controller_id, DailyPlanOrder.plan_date.in_(set(plan_dates))
    )
    rows = await db.scalars(query.order_by(DailyPlanOrder.planned_start, DailyPlanOrder.order_id))
    return [row for row in rows if row.order_id in order_ids]


async def set_state(
    db: AsyncSession,
    rows: Sequence[DailyPlanOrder],
    state: DailyPlanOrderState,
    submission_id: int | None,
    now: int,
) -> None:
    """Sets the rows' state and submission in bulk (an UPDATE per chunk of ids), and so in the loaded rows."""
    ids = [row.id for row in rows]
    for first in range(0, len(ids), _CHUNK):
        chunk = ids[first : first + _CHUNK]
        await db.execute(
            update(DailyPlanOrder)
            .where(DailyPlanOrder.id.in_(chunk))
            .values(state=state, submission_id=submission_id, modified=now)
            .execution_options(synchronize_session=False)
        )
    for row in rows:
        set_committed_value(row, "state", state)
        set_committed_value(row, "submission_id", submission_id)
        set_committed_value(row, "modified", now)


def _arguments(entry: Planned) -> str:
    """The order's variables, and its priority and admission flag when set (kept with them in one JSON)."""
    stored: dict[str, object] = {"variables": entry.variables}
    if entry.priority:
        stored["priority"] = entry.priority
    if entry.force_job_admission:
        stored["forceJobAdmission"] = True
    return msgspec.json.encode(stored).decode()


async def delete_orders(db: AsyncSession, ids: Sequence[int]) -> None:
    for first in range(0, len(ids), _CHUNK):
        chunk = ids[first : first + _CHUNK]
        await db.execute(delete(DailyPlanOrder).where(DailyPlanOrder.id.in_(chunk)))


async def new_submission(
    db: AsyncSession, controller_id: str, plan_date: date, account: str | None, now: int
) -> DailyPlanSubmission:
    submission = DailyPlanSubmission(
        controller_id=controller_id, plan_date=plan_date, account=account, submitted=now
    )
    db.add(submission)
    await db.flush()
    return submission


async def submissions(
    db: AsyncSession, controller_id: str, first: date | None, last: date | None
) -> list[DailyPlanSubmission]:
    query = select(DailyPlanSubmission).where(DailyPlanSubmission.controller_id == controller_id)
    if first is not None:
        query = query.where(DailyPlanSubmission.plan_date >= first)
    if last is not None:
        query = query.where(DailyPlanSubmission.plan_date <= last)
    return list(await db.scalars(query.order_by(DailyPlanSubmission.submitted)))
