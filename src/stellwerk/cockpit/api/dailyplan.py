"""`/joc/api/daily_plan/...`: the Daily Plan's orders (list, generate, submit, cancel, delete, modify, copy), its
submissions (list, delete) and projections (calendar, dates). Changes need JOC's Daily Plan `manage` permission
(and the Controller's order permissions where they reach the Controller), are checked before anything changes, and
write an audit-log entry in the transaction they are made in; a Controller refusal changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec
from fastapi import APIRouter
from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.api.dailyplan_models import (
    CopyPlanOrders,
    GenerateRequest,
    ModifyPlanOrders,
    PathItem,
    PlanOrdersFilter,
    ProjectionsRequest,
    SubmissionsRequest,
)
from stellwerk.cockpit.api.orders_common import CANCEL, CREATE, ok_answer, refusal
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory, DailyPlanOrderState
from stellwerk.cockpit.db.tables.dailyplan import DailyPlanOrder, DailyPlanSubmission
from stellwerk.cockpit.db.tables.history import HistoryOrder
from stellwerk.cockpit.errors import (
    BadRequest,
    Conflict,
    ControllerUnreachable,
    JocError,
    NotSupported,
    UnknownObject,
)
from stellwerk.cockpit.errors import delivery_date as joc_now
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.dailyplan import orders as plan
from stellwerk.cockpit.services.dailyplan import store
from stellwerk.cockpit.services.dailyplan.planning import is_late
from stellwerk.cockpit.services.dailyplan.projections import projected_years
from stellwerk.cockpit.services.dailyplan.selection import PlanSelection
from stellwerk.cockpit.services.joc_time import TimeError, iso, scheduled_for
from stellwerk.model.problems import Problem

router = APIRouter(prefix="/joc/api/daily_plan", tags=["daily plan"], strict_content_type=False)

VIEW = "sos:products:joc:dailyPlan:view"
MANAGE = "sos:products:joc:dailyPlan:manage"
_SEVERITY = {"PLANNED": 4, "SUBMITTED": 5, "FINISHED": 6}
_STATES = tuple(_SEVERITY)


# Orders ---------------------------------------------------------------------------------------------------------


@router.post("/orders")
async def planned_orders(body: PlanOrdersFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The planned orders of the plan dates, with their state, lateness and, once started, their run."""
    caller.require(VIEW)
    if body.daily_plan_date_from is None:
        raise BadRequest("$.dailyPlanDateFrom: required")
    if body.workflow_tags or body.order_tags:
        raise NotSupported("$.workflowTags/$.orderTags: tags are not supported by Stellwerk")
    now = cockpit.now()
    selection = _selection(body)
    async with cockpit.database.reading() as db:
        rows = await _visible(db, caller, msgspec.structs.replace(selection, states=()))
        runs = await _runs(db, rows)
    items = [_item(row, runs.get((row.controller_id, row.order_id)), now) for row in rows]
    if selection.states:  # FINISHED is known from the history
        items = [item for item in items if item["state"]["_text"] in selection.states]
    if body.late is not None:
        items = [item for item in items if item["late"] == body.late]
    return {"deliveryDate": joc_now(), "plannedOrderItems": items}


@router.post("/orders/generate")
async def generate(body: GenerateRequest, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Plans the dates' orders from the released schedules (again: only what is missing); `withSubmit` submits."""
    caller.require(MANAGE)
    dates = _plan_dates(body)
    schedules, workflows = body.schedule_paths or PathItem(), body.workflow_paths or PathItem()
    choice = plan.ScheduleChoice(
        schedules=tuple(schedules.singles),
        workflows=tuple(workflows.singles),
        schedule_folders=tuple(folder.filter() for folder in schedules.folders),
        workflow_folders=tuple(folder.filter() for folder in workflows.folders),
        automatic_only=not body.include_non_auto_planned_orders,
    )
    now = cockpit.now()
    proxy = _proxy(cockpit, body.controller_id)
    async with cockpit.database.session() as db:
        generated = await plan.generate(
            db, body.controller_id, dates, choice, overwrite=body.overwrite, now=now
        )
        if isinstance(generated, Problem):
            raise BadRequest(f"$.schedulePaths: {generated.message}")
        objects = [("DAILYPLAN", day.isoformat()) for day in dates]
        await _audit(db, caller, "./daily_plan/orders/generate", body, now, body.controller_id, objects)
        to_submit = generated.added if body.with_submit else generated.to_submit
        if to_submit:
            caller.require(CREATE, body.controller_id)
            rows = await store.planned_rows(db, body.controller_id, dates, to_submit)
            await _at_controller(plan.submit(db, proxy, rows, caller.account, now))
    return ok_answer()


@router.post("/orders/submit")
async def submit(body: PlanOrdersFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Adds the selected planned orders to their Controllers (to start at their planned times)."""
    return await _change(cockpit, caller, body, "./daily_plan/orders/submit", CREATE, _submit)


@router.post("/orders/cancel")
async def cancel(body: PlanOrdersFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Cancels the selected submitted orders at their Controllers; they stay planned."""
    return await _change(cockpit, caller, body, "./daily_plan/orders/cancel", CANCEL, _cancel)


@router.post("/orders/delete")
async def delete(body: PlanOrdersFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Deletes the selected orders from the plan (submitted ones are cancelled at their Controllers first)."""
    return await _change(cockpit, caller, body, "./daily_plan/orders/delete", CANCEL, _delete)


@router.post("/orders/modify")
async def modify(body: ModifyPlanOrders, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Changes the planned start and the variables of planned orders; answers the ids that changed."""
    _may_change(caller, body)
    if body.start_position is not None or body.end_positions or body.block_position:
        raise NotSupported("$.startPosition/$.endPositions/$.blockPosition: not supported by Stellwerk")
    if body.daily_plan_date is not None:
        raise NotSupported("$.dailyPlanDate: an order stays on its plan date in Stellwerk")
    now = cockpit.now()
    change = plan.Change(
        start_ms=_start(body, now),
        variables=body.variables or {},
        remove_variables=tuple(body.remove_variables),
        force_job_admission=body.force_job_admission or None,
    )
    proxy = _proxy(cockpit, body.controller_id)
    async with cockpit.database.session() as db:
        rows = await _named_orders(db, caller, body, "./daily_plan/orders/modify", now)
        renamed = await _at_controller(plan.modify(db, proxy, rows, change, caller.account, now))
    return {"deliveryDate": joc_now(), "orderIds": renamed}


@router.post("/orders/copy")
async def copy(body: CopyPlanOrders, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Copies planned orders as new orders of their plan dates (at `scheduledFor`, else at their own start);
    copies of submitted orders are submitted. Answers original id → copy id."""
    _may_change(caller, body)
    now = cockpit.now()
    change = plan.Change(start_ms=_start(body, now), force_job_admission=body.force_job_admission or None)
    proxy = _proxy(cockpit, body.controller_id)
    async with cockpit.database.session() as db:
        rows = await _named_orders(db, caller, body, "./daily_plan/orders/copy", now)
        copies = await _at_controller(plan.copy(db, proxy, body.controller_id, rows, change, caller.account, now))  # fmt: skip
        if isinstance(copies, Problem):
            raise BadRequest(copies.message)
    return {"deliveryDate": joc_now(), "orderIds": copies}


def _may_change(caller: Caller, body: CopyPlanOrders) -> None:
    """The permissions and the options Stellwerk has of a modification or copy."""
    caller.require(MANAGE)
    caller.require(CREATE, body.controller_id)
    if body.stick_daily_plan_date:
        raise NotSupported("$.stickDailyPlanDate: an order stays on its plan date in Stellwerk")
    if body.cycle is not None:
        raise NotSupported("$.cycle: not supported by Stellwerk")


async def _named_orders(
    db: AsyncSession, caller: Caller, body: CopyPlanOrders, request: str, now: int
) -> list[DailyPlanOrder]:
    """The planned orders a modification or copy names (all of them, else UnknownObject), in the caller's
    folders, with the request's audit entry written."""
    selection = PlanSelection(controller_ids=(body.controller_id,), order_ids=tuple(body.order_ids))
    rows = await store.selected_orders(db, selection)
    unknown = sorted(set(body.order_ids) - {row.order_id for row in rows})
    if unknown:
        raise UnknownObject(
            f"$.orderIds: not in the daily plan of {body.controller_id}: {', '.join(unknown)}"
        )
    _require_folders(caller, rows)
    objects = [("ORDER", row.order_id) for row in rows]
    await _audit(db, caller, request, body, now, body.controller_id, objects)
    return rows


# Submissions ----------------------------------------------------------------------------------------------------


@router.post("/submissions")
async def submissions(body: SubmissionsRequest, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The submissions of the plan dates in the range."""
    caller.require(VIEW)
    first, last = _submission_range(body)
    async with cockpit.database.session() as db:
        found = await store.submissions(db, body.controller_id, first, last)
    items = [
        {
            "controllerId": submission.controller_id,
            "submissionHistoryId": submission.id,
            "dailyPlanDate": submission.plan_date.isoformat(),
            "submissionTime": iso(submission.submitted),
        }
        for submission in found
    ]
    return {"deliveryDate": joc_now(), "submissionHistoryItems": items}


@router.post("/submissions/delete")
async def delete_submissions(
    body: SubmissionsRequest, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """Deletes the submissions of the plan dates and their orders (cancelled at the Controller first)."""
    caller.require(MANAGE)
    caller.require(CANCEL, body.controller_id)
    first, last = _submission_range(body)
    now = cockpit.now()
    proxy = _proxy(cockpit, body.controller_id)
    async with cockpit.database.session() as db:
        found = await store.submissions(db, body.controller_id, first, last)
        ids = tuple(submission.id for submission in found)
        rows = await store.selected_orders(db, PlanSelection(controller_ids=(body.controller_id,), submission_ids=ids)) if ids else []  # fmt: skip
        _require_folders(caller, rows)
        objects = [("DAILYPLAN", submission.plan_date.isoformat()) for submission in found]
        await _audit(db, caller, "./daily_plan/submissions/delete", body, now, body.controller_id, objects)
        await _at_controller(plan.delete(db, proxy, rows, now))
        if ids:
            await db.execute(sql_delete(DailyPlanSubmission).where(DailyPlanSubmission.id.in_(ids)))
    return ok_answer()


# Projections ----------------------------------------------------------------------------------------------------

_PROJECTION_DAYS = 366


@router.post("/projections/calendar")
async def projections_calendar(
    body: ProjectionsRequest, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """How many orders the released schedules start on each date of the range, and which dates are planned."""
    return await _projections(body, caller, cockpit, with_periods=False)


@router.post("/projections/dates")
async def projections_dates(
    body: ProjectionsRequest, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """The schedule periods that start orders on each date of the range, and which dates are planned."""
    return await _projections(body, caller, cockpit, with_periods=True)


async def _projections(
    body: ProjectionsRequest, caller: Caller, cockpit: Cockpit, *, with_periods: bool
) -> dict[str, Any]:
    caller.require(VIEW)
    if body.without_start_time:
        raise NotSupported("$.withoutStartTime: not supported by Stellwerk")
    now = cockpit.now()
    first = _date(body.date_from, "$.dateFrom") or datetime.fromtimestamp(now / 1000, UTC).date()
    last = _date(body.date_to, "$.dateTo") or first + timedelta(days=_PROJECTION_DAYS - 1)
    if first > last or (last - first).days >= _PROJECTION_DAYS:
        raise BadRequest(f"$.dateTo: from $.dateFrom {first} up to {_PROJECTION_DAYS} days ({last} asked)")
    schedule_folders = tuple(folder.filter() for folder in body.schedule_folders)
    workflow_folders = tuple(folder.filter() for folder in body.workflow_folders)
    async with cockpit.database.session() as db:
        schedules = [
            named
            for named in await store.released_schedules(db)
            if plan.path_chosen(named.path, body.schedule_paths, schedule_folders)
        ]
        if body.workflow_paths or workflow_folders:
            names = {name for named in schedules for name in named.schedule.workflows}
            paths = await store.workflow_paths(db, names)
            schedules = [
                named
                for named in schedules
                if any(plan.path_chosen(paths[name], body.workflow_paths, workflow_folders) for name in named.schedule.workflows)
            ]  # fmt: skip
        library = await store.released_calendars(db)
        selection = PlanSelection(date_from=first, date_to=last, controller_ids=tuple(body.controller_ids))
        planned_dates = {row.plan_date for row in await store.selected_orders(db, selection)}
    years = projected_years(schedules, library, first, last, planned_dates, with_periods=with_periods)
    stamp = joc_now()
    return {"deliveryDate": stamp, "surveyDate": stamp, "years": years}


# Helpers --------------------------------------------------------------------------------------------------------


async def _change(
    cockpit: Cockpit, caller: Caller, body: PlanOrdersFilter, request: str, permission: str, work: Any
) -> dict[str, Any]:
    """Applies `work` to the selected orders, Controller by Controller."""
    caller.require(MANAGE)
    selection = _selection(body)
    if selection.date_from is None and not selection.order_ids and not selection.submission_ids:
        raise BadRequest("$: name the orders with dailyPlanDateFrom, orderIds or submissionHistoryIds")
    now = cockpit.now()
    async with cockpit.database.session() as db:
        rows = await _visible(db, caller, selection, require=True)
        by_controller: dict[str, list[DailyPlanOrder]] = {}
        for row in rows:
            by_controller.setdefault(row.controller_id, []).append(row)
        for controller_id in by_controller:
            caller.require(permission, controller_id)
        objects = [("ORDER", row.order_id) for row in rows]
        await _audit(db, caller, request, body, now, None if len(by_controller) != 1 else next(iter(by_controller)), objects)  # fmt: skip
        for controller_id, of_controller in by_controller.items():
            proxy = _proxy(cockpit, controller_id)
            await _at_controller(work(db, proxy, of_controller, caller, now))
    return ok_answer()


async def _submit(
    db: AsyncSession, proxy: plan.Proxy, rows: list[DailyPlanOrder], caller: Caller, now: int
) -> None:
    await plan.submit(db, proxy, rows, caller.account, now)


async def _cancel(
    db: AsyncSession, proxy: plan.Proxy, rows: list[DailyPlanOrder], caller: Caller, now: int
) -> None:
    await plan.cancel(db, proxy, rows, now)


async def _delete(
    db: AsyncSession, proxy: plan.Proxy, rows: list[DailyPlanOrder], caller: Caller, now: int
) -> None:
    await plan.delete(db, proxy, rows, now)


def _proxy(cockpit: Cockpit, controller_id: str) -> plan.Proxy:
    return lambda: cockpit.proxies.get(controller_id)


async def _at_controller(work: Any) -> Any:
    try:
        return await work
    except (ControllerUnreachable, Conflict):
        raise
    except JocError as error:
        raise BadRequest(refusal(error)) from None


async def _audit(
    db: AsyncSession,
    caller: Caller,
    request: str,
    body: Any,
    now: int,
    controller_id: str | None,
    objects: list[tuple[str, str]],
) -> None:
    await audit(
        db, caller, request, AuditCategory.DAILYPLAN, body, now, controller_id=controller_id, objects=objects
    )


def _selection(body: PlanOrdersFilter) -> PlanSelection:
    unknown = sorted(set(body.states) - set(_STATES))
    if unknown:
        raise BadRequest(f"$.states: unknown states {', '.join(unknown)} (known: {', '.join(_STATES)})")
    controllers = [*body.controller_ids, *([body.controller_id] if body.controller_id else [])]
    return PlanSelection(
        date_from=_date(body.daily_plan_date_from, "$.dailyPlanDateFrom"),
        date_to=_date(body.daily_plan_date_to, "$.dailyPlanDateTo")
        or _date(body.daily_plan_date_from, "$.dailyPlanDateFrom"),  # fmt: skip
        controller_ids=tuple(controllers),
        order_ids=tuple(body.order_ids),
        schedule_paths=tuple(body.schedule_paths),
        workflow_paths=tuple(body.workflow_paths),
        schedule_folders=tuple(folder.filter() for folder in body.schedule_folders),
        workflow_folders=tuple(folder.filter() for folder in body.workflow_folders),
        states=tuple(body.states),
        submission_ids=tuple(body.submission_history_ids),
    )


async def _visible(
    db: AsyncSession, caller: Caller, selection: PlanSelection, *, require: bool = False
) -> list[DailyPlanOrder]:
    """The selected orders the caller may see; with `require`, an order outside the caller's folders refuses."""
    rows = await store.selected_orders(db, selection)
    if require:
        _require_folders(caller, rows)
        return rows
    return [row for row in rows if caller.sees(row.workflow_path, row.controller_id)]


def _require_folders(caller: Caller, rows: Sequence[DailyPlanOrder]) -> None:
    for row in rows:
        caller.require_folder(row.workflow_path, row.controller_id)


async def _runs(db: AsyncSession, rows: Sequence[DailyPlanOrder]) -> dict[tuple[str, str], HistoryOrder]:
    """The history of the submitted orders that have started (the first run of each)."""
    ids = [row.order_id for row in rows if row.state != DailyPlanOrderState.PLANNED]
    if not ids:
        return {}
    found = await db.scalars(
        select(HistoryOrder).where(HistoryOrder.order_id.in_(ids), HistoryOrder.parent_id.is_(None))
    )
    runs: dict[tuple[str, str], HistoryOrder] = {}
    for run in found:
        runs.setdefault((run.controller_id, run.order_id), run)
    return runs


def _item(row: DailyPlanOrder, run: HistoryOrder | None, now: int) -> dict[str, Any]:
    state = (
        DailyPlanOrderState.FINISHED.value
        if run is not None and run.end_time is not None
        else row.state.value
    )
    item: dict[str, Any] = {
        "controllerId": row.controller_id,
        "surveyDate": iso(now),
        "workflowPath": row.workflow_path,
        "schedulePath": row.schedule_path,
        "orderId": row.order_id,
        "plannedStartTime": iso(row.planned_start),
        "expectedEndTime": iso(row.expected_end if row.expected_end is not None else row.planned_start),
        "startMode": 0 if row.repeat_interval is None else 1,
        "late": is_late(row.planned_start, now, run is not None),
        "submitted": row.state != DailyPlanOrderState.PLANNED,
        "state": {"severity": _SEVERITY[state], "_text": state},
    }
    if row.order_name:
        item["orderName"] = row.order_name
    if row.repeat_interval is not None and row.period_begin is not None and row.period_end is not None:
        item["period"] = {
            "begin": iso(row.period_begin),
            "end": iso(row.period_end),
            "repeat": row.repeat_interval,
        }
    if run is not None:
        item |= {"startTime": iso(run.start_time), "historyId": str(run.id)}
        if run.end_time is not None:
            item["endTime"] = iso(run.end_time)
    return item


def _plan_dates(body: GenerateRequest) -> list[date]:
    texts = [*body.daily_plan_dates, *([body.daily_plan_date] if body.daily_plan_date else [])]
    if not texts:
        raise BadRequest("$.dailyPlanDates: one date at least is required")
    return sorted({_required_date(text, f"$.dailyPlanDates[{index}]") for index, text in enumerate(texts)})


def _required_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{field}: not a date: {text!r}") from None


def _start(body: CopyPlanOrders, now: int) -> int | None:
    if body.scheduled_for is None:
        return None
    try:
        start = scheduled_for(body.scheduled_for, now, body.time_zone)
    except TimeError as error:
        raise BadRequest(f"$.scheduledFor: {error}") from None
    return now if start is None else start


def _submission_range(body: SubmissionsRequest) -> tuple[date | None, date | None]:
    chosen = body.filter
    if chosen.date_for is not None:
        day = _date(chosen.date_for, "$.filter.dateFor")
        return day, day
    if chosen.date_to is None:
        raise BadRequest("$.filter.dateTo: required (or dateFor)")
    return _date(chosen.date_from, "$.filter.dateFrom"), _date(chosen.date_to, "$.filter.dateTo")


def _date(text: str | None, field: str) -> date | None:
    return None if text is None else _required_date(text, field)
