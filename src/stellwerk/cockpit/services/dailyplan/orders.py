"""The Daily Plan's work on planned orders: generating a plan date's orders from the released schedules, submitting
them to their Controller ahead of time (`scheduledFor` = planned start: the Controller starts them on time),
cancelling submitted ones at the Controller (they are planned again), deleting and modifying planned orders.

Each function works in the caller's database session (the caller writes the audit entry in the same transaction);
a Controller refusal raises before the session commits, so the rows stay as they were."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import DailyPlanOrderState
from stellwerk.cockpit.db.repositories.folders import FolderFilter
from stellwerk.cockpit.db.tables.dailyplan import DailyPlanOrder
from stellwerk.cockpit.errors import Conflict, ControllerUnreachable
from stellwerk.cockpit.services.dailyplan import store
from stellwerk.cockpit.services.dailyplan.planning import (
    NamedSchedule,
    Planned,
    copied_order_id,
    missing,
    moved_order_id,
    plan_date_orders,
)
from stellwerk.cockpit.services.dailyplan.selection import PlanSelection, in_any_folder
from stellwerk.cockpit.services.orders import decode_orders, fresh_order
from stellwerk.cockpit.services.proxy import ControllerProxy
from stellwerk.model.problems import Problem

_REMOVAL_POLLS, _REMOVAL_POLL_SECONDS = 100, 0.1
# Orders per AddOrders command: a day of 100,000 goes in several requests, each well within the proxy's timeout.
# A chunk that fails leaves the earlier ones at the Controller and the rows planned: submitting again adds them
# again, which the Controller ignores (AddOrder of an id it has is a no-op).
_ADD_CHUNK = 10_000

Proxy = Callable[[], ControllerProxy]
"""The proxy of the orders' Controller, asked for only when the Controller is needed."""

PLANNED, SUBMITTED = DailyPlanOrderState.PLANNED, DailyPlanOrderState.SUBMITTED


class ScheduleChoice(msgspec.Struct, frozen=True, kw_only=True):
    """Which schedules and workflows a generation plans, by path (or name) and by folder (all empty: all);
    `automatic_only` keeps the schedules that plan their orders automatically (JOC's default unless
    `includeNonAutoPlannedOrders`)."""

    schedules: tuple[str, ...] = ()
    workflows: tuple[str, ...] = ()
    schedule_folders: tuple[FolderFilter, ...] = ()
    workflow_folders: tuple[FolderFilter, ...] = ()
    automatic_only: bool = True


class Generated(msgspec.Struct, frozen=True):
    """The ids of the orders a generation added, and of those of them to submit now (their schedule says so)."""

    added: set[str]
    to_submit: set[str]


async def generate(
    db: AsyncSession,
    controller_id: str,
    plan_dates: Sequence[date],
    choice: ScheduleChoice,
    *,
    overwrite: bool,
    now: int,
) -> Generated | Problem:
    """Plans the dates' orders that are not planned yet (with `overwrite`, not-yet-submitted ones are planned
    afresh). Answers the ids of the new orders and of those of them to submit now (`store.planned_rows` reads
    their rows)."""
    schedules = [named for named in await store.released_schedules(db) if _wanted(named, choice)]
    library = await store.released_calendars(db)
    added: set[str] = set()
    to_submit: set[str] = set()
    auto_submit = {
        named.path for named in schedules if named.schedule.submit_order_to_controller_when_planned
    }
    for plan_date in plan_dates:
        wanted = plan_date_orders(schedules, library, plan_date)
        if isinstance(wanted, Problem):
            return wanted
        paths = await store.workflow_paths(db, {entry.workflow_name for entry in wanted})
        wanted = [entry for entry in wanted if _workflow_wanted(paths[entry.workflow_name], choice)]
        if overwrite:
            await _drop_unsubmitted(db, controller_id, plan_date, [entry.order_id for entry in wanted])
        new = missing(wanted, await store.existing_ids(db, controller_id, plan_date))
        await store.add_planned(db, controller_id, new, paths, now)
        added.update(entry.order_id for entry in new)
        to_submit.update(entry.order_id for entry in new if entry.schedule_path in auto_submit)
    return Generated(added, to_submit)


def _wanted(named: NamedSchedule, choice: ScheduleChoice) -> bool:
    if choice.automatic_only and not named.schedule.plan_order_automatically:
        return False
    return path_chosen(named.path, choice.schedules, choice.schedule_folders)


def _workflow_wanted(path: str, choice: ScheduleChoice) -> bool:
    return path_chosen(path, choice.workflows, choice.workflow_folders)


def path_chosen(path: str, paths: Sequence[str], folders: Sequence[FolderFilter]) -> bool:
    """Whether an object is chosen by its path (or name) or folder; nothing named: every object."""
    if not paths and not folders:
        return True
    return path in paths or path.rsplit("/", 1)[-1] in paths or in_any_folder(path, folders)


async def _drop_unsubmitted(db: AsyncSession, controller_id: str, plan_date: date, keep: list[str]) -> None:
    rows = await store.selected_orders(
        db, PlanSelection(date_from=plan_date, date_to=plan_date, controller_ids=(controller_id,))
    )
    await store.delete_orders(db, [row.id for row in rows if row.state == PLANNED and row.order_id in keep])


async def submit(
    db: AsyncSession, proxy: Proxy, rows: Sequence[DailyPlanOrder], account: str | None, now: int
) -> list[DailyPlanOrder]:
    """Adds the planned (not yet submitted) orders to the Controller, one submission per plan date; answers them."""
    planned = [row for row in rows if row.state == PLANNED]
    if not planned:
        return []
    controller = proxy()
    for first in range(0, len(planned), _ADD_CHUNK):
        command = {
            "TYPE": "AddOrders",
            "orders": [_fresh(row) for row in planned[first : first + _ADD_CHUNK]],
        }
        try:
            await controller.command(command)
        except ControllerUnreachable:
            # Once more: a kept-alive connection the Controller closed meanwhile breaks the first request, and an
            # AddOrders that did arrive is harmless again (orders the Controller has are ignored).
            await controller.command(command)
    by_date: defaultdict[date, list[DailyPlanOrder]] = defaultdict(list)
    for row in planned:
        by_date[row.plan_date].append(row)
    for plan_date, of_date in sorted(by_date.items()):
        submission = await store.new_submission(db, controller.controller_id, plan_date, account, now)
        await store.set_state(db, of_date, SUBMITTED, submission.id, now)
    return planned


def _fresh(row: DailyPlanOrder) -> dict[str, Any]:
    stored = msgspec.json.decode(row.arguments or "{}")
    return fresh_order(
        row.order_id,
        row.workflow_name,
        arguments=stored.get("variables", {}),
        scheduled_for=row.planned_start,
        priority=int(stored.get("priority", 0)),
        force_admission=bool(stored.get("forceJobAdmission", False)),
        start_position=None,
        end_positions=(),
        block_position=None,
    )


async def cancel(
    db: AsyncSession, proxy: Proxy, rows: Sequence[DailyPlanOrder], now: int
) -> list[DailyPlanOrder]:
    """Cancels the submitted orders still at the Controller, which are then planned again (not submitted);
    answers them. Ones the Controller no longer has (they ran) stay submitted."""
    submitted = [row for row in rows if row.state == SUBMITTED]
    if not submitted:
        return []
    at_controller = {order.id for order in decode_orders(await proxy().orders())}
    cancelled = [row for row in submitted if row.order_id in at_controller]
    if cancelled:
        ids = [row.order_id for row in cancelled]
        await proxy().command({"TYPE": "CancelOrders", "orderIds": ids, "mode": {"TYPE": "FreshOrStarted"}})
    await store.set_state(db, cancelled, PLANNED, None, now)
    return cancelled


async def delete(db: AsyncSession, proxy: Proxy, rows: Sequence[DailyPlanOrder], now: int) -> None:
    """Deletes the planned orders from the plan, cancelling the submitted ones at the Controller first."""
    await cancel(db, proxy, rows, now)
    await store.delete_orders(db, [row.id for row in rows])


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """A modification: a new planned start, variables set and removed, job admission forced (None: unchanged)."""

    start_ms: int | None = None
    variables: dict[str, Any] = msgspec.field(default_factory=dict)
    remove_variables: tuple[str, ...] = ()
    force_job_admission: bool | None = None


async def modify(
    db: AsyncSession,
    proxy: Proxy,
    rows: Sequence[DailyPlanOrder],
    change: Change,
    account: str | None,
    now: int,
) -> dict[str, str]:
    """Changes the orders' start and variables; submitted ones are cancelled at the Controller and submitted
    again. An order whose start moves gets a new id (it carries the start); answers old id → new id."""
    await _refuse_started(proxy, rows)
    resubmit = await cancel(db, proxy, rows, now)
    renamed: dict[str, str] = {}
    for row in rows:
        stored = msgspec.json.decode(row.arguments or "{}")
        variables = {k: v for k, v in stored.get("variables", {}).items() if k not in change.remove_variables}
        stored["variables"] = variables | change.variables
        if change.force_job_admission is not None:
            stored["forceJobAdmission"] = change.force_job_admission
        row.arguments = msgspec.json.encode(stored).decode()
        if change.start_ms is not None and change.start_ms != row.planned_start:
            new_id = moved_order_id(row.order_id, change.start_ms)
            renamed[row.order_id] = new_id
            row.order_id, row.planned_start = new_id, change.start_ms
        row.modified = now
    await db.flush()
    kept_ids = {row.order_id for row in resubmit} - set(renamed.values())
    if kept_ids:
        await _removed(proxy(), kept_ids)
    await submit(db, proxy, resubmit, account, now)
    return renamed


async def copy(
    db: AsyncSession,
    proxy: Proxy,
    controller_id: str,
    rows: Sequence[DailyPlanOrder],
    change: Change,
    account: str | None,
    now: int,
) -> dict[str, str] | Problem:
    """Copies the Controller's planned orders as new orders of their plan dates, at the change's start (else
    their own), with its variables; a copy of a submitted order is submitted. Answers original id → copy id; a
    Problem when a start has no free id left (100 orders of one schedule order at one start)."""
    dates = {row.plan_date for row in rows}
    taken = {
        order_id for plan_date in dates for order_id in await store.existing_ids(db, controller_id, plan_date)
    }
    copies: dict[str, str] = {}
    entries: list[Planned] = []
    for row in rows:
        start = row.planned_start if change.start_ms is None else change.start_ms
        copy_id = copied_order_id(row.order_id, start, taken)
        if copy_id is None:
            return Problem(f"$.orderIds: no id is left for another copy of {row.order_id}")
        taken.add(copy_id)
        copies[row.order_id] = copy_id
        entries.append(
            msgspec.structs.replace(_changed(_planned(row), change), order_id=copy_id, planned_start=start)
        )
    paths = {row.workflow_name: row.workflow_path for row in rows}
    await store.add_planned(db, controller_id, entries, paths, now)
    to_submit = {copies[row.order_id] for row in rows if row.state == SUBMITTED}
    await submit(db, proxy, await store.planned_rows(db, controller_id, dates, to_submit), account, now)
    return copies


def _planned(row: DailyPlanOrder) -> Planned:
    """The planned order of a row, as planning made it."""
    stored = msgspec.json.decode(row.arguments or "{}")
    return Planned(
        order_id=row.order_id,
        order_name=row.order_name,
        plan_date=row.plan_date,
        workflow_name=row.workflow_name,
        schedule_path=row.schedule_path,
        schedule_name=row.schedule_name,
        planned_start=row.planned_start,
        repeat_interval=row.repeat_interval,
        period_begin=row.period_begin,
        period_end=row.period_end,
        variables=dict(stored.get("variables", {})),
        priority=int(stored.get("priority", 0)),
        force_job_admission=bool(stored.get("forceJobAdmission", False)),
    )


def _changed(entry: Planned, change: Change) -> Planned:
    """The planned order with the change's variables and admission flag (its start is the caller's)."""
    variables = {k: v for k, v in entry.variables.items() if k not in change.remove_variables}
    force = entry.force_job_admission if change.force_job_admission is None else change.force_job_admission
    return msgspec.structs.replace(entry, variables=variables | change.variables, force_job_admission=force)


async def _refuse_started(proxy: Proxy, rows: Sequence[DailyPlanOrder]) -> None:
    """A submitted order the Controller no longer has has run: it cannot be modified (nothing is changed)."""
    submitted = {row.order_id for row in rows if row.state == SUBMITTED}
    if submitted:
        ran = submitted - {order.id for order in decode_orders(await proxy().orders())}
        if ran:
            raise Conflict(f"$.orderIds: {', '.join(sorted(ran))} ran already and cannot be modified")


async def _removed(controller: ControllerProxy, order_ids: set[str]) -> None:
    """Waits (a bounded time) until the Controller has removed the cancelled orders, so their ids can be added
    again (cancelling is asynchronous when an order is at an Agent)."""
    for _ in range(_REMOVAL_POLLS):
        if not order_ids & {order.id for order in decode_orders(await controller.orders())}:
            return
        await asyncio.sleep(_REMOVAL_POLL_SECONDS)
    raise Conflict(f"The Controller still has the cancelled orders {', '.join(sorted(order_ids))}")
