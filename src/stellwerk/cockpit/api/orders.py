"""`/joc/api/orders`: add orders to a Controller (AddOrders with JOC's ad-hoc order ids; the Controller checks the
arguments against the workflow's orderPreparation), cancel, suspend, resume, confirm a prompt, continue, remove
when terminated; the Controller's orders now (`/orders`) and their counts by JOC's state groups
(`/orders/overview/snapshot`). Every change is checked for its permission and the orders' folders first and
writes an audit-log entry in the transaction it is made in; a refused command changes nothing."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response

from stellwerk.cockpit.api.orders_common import (
    CANCEL,
    CONFIRM,
    CREATE,
    MANAGE_POSITIONS,
    SUSPEND_RESUME,
    VIEW,
    controller_orders,
    limit_of,
    ok_answer,
    refusal,
    time_param,
)
from stellwerk.cockpit.api.orders_models import (
    AddOrder,
    AddOrders,
    ModifyOrders,
    OrdersFilterV,
    OrdersSnapshotFilter,
)
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.repositories.folders import name_of
from stellwerk.cockpit.errors import BadRequest, ControllerUnreachable, JocError, NotSupported, UnknownObject
from stellwerk.cockpit.errors import delivery_date as joc_now
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.joc_time import TimeError, scheduled_for
from stellwerk.cockpit.services.order_states import joc_state, summary
from stellwerk.cockpit.services.orders import (
    OrderSelection,
    engine_position,
    fresh_order,
    joc_order_id,
    joc_path,
    order_view,
    selected,
    selected_with_paths,
)
from stellwerk.model import codec
from stellwerk.model import order as o

router = APIRouter(prefix="/joc/api/orders", tags=["orders"], strict_content_type=False)

# Bodies without Content-Type are JSON too (JOC clients send some so).
# Orders added in one millisecond differ in their id's last two digits.
_sequence = itertools.count()

Commands = Callable[[list[o.Order]], list[dict[str, Any]]]


# Adding ---------------------------------------------------------------------------------------------------------


def _fresh(entry: AddOrder, index: int, now: int) -> dict[str, Any]:
    try:
        start = scheduled_for(entry.scheduled_for, now, entry.time_zone)
    except TimeError as error:
        raise BadRequest(f"$.orders[{index}].scheduledFor: {error}") from None
    workflow = name_of(entry.workflow_path)
    order_id = joc_order_id(entry.order_name or workflow, now, next(_sequence), entry.time_zone)
    fresh = fresh_order(
        order_id,
        workflow,
        arguments=entry.arguments,
        scheduled_for=start,
        priority=entry.priority,
        force_admission=entry.force_job_admission,
        start_position=entry.start_position,
        end_positions=entry.end_positions,
        block_position=entry.block_position,
    )
    if entry.plan_id is not None:
        fresh["planId"] = [entry.plan_id.plan_schema_id, entry.plan_id.notice_space_key or ""]
    return fresh


def _check_add(caller: Caller, body: AddOrders) -> None:
    controller_id = body.controller_id
    caller.require(CREATE, controller_id)
    for entry in body.orders:
        if entry.start_position is not None or entry.end_positions or entry.block_position is not None:
            caller.require(MANAGE_POSITIONS, controller_id)
        caller.require_folder(entry.workflow_path, controller_id)
        if entry.tags:
            raise NotSupported("$.orders[].tags: order tags are not supported by Stellwerk")


@router.post("/add")
async def add(body: AddOrders, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Adds the orders, all or none; answers their ids."""
    _check_add(caller, body)
    proxy = cockpit.proxies.get(body.controller_id)
    now = cockpit.now()
    orders = [_fresh(entry, index, now) for index, entry in enumerate(body.orders)]
    ids = [fresh["id"] for fresh in orders]
    async with cockpit.database.session() as db:
        await audit(
            db, caller, "./orders/add", AuditCategory.CONTROLLER, body, now,
            controller_id=body.controller_id, objects=[("ORDER", order_id) for order_id in ids],
        )  # fmt: skip
        try:
            await proxy.command({"TYPE": "AddOrders", "orders": orders})
        except ControllerUnreachable:
            raise
        except JocError as error:
            where = "$.orders[0]" if len(orders) == 1 else "$.orders"
            raise BadRequest(f"{where}: {refusal(error)}") from None
    return {"deliveryDate": joc_now(), "orderIds": ids}


# Changing -------------------------------------------------------------------------------------------------------


def selection_of(body: ModifyOrders | OrdersFilterV | OrdersSnapshotFilter, now: int) -> OrderSelection:
    """The orders a request means."""
    order_ids = getattr(body, "order_ids", None)
    states = getattr(body, "states", None)
    return OrderSelection(
        order_ids=tuple(order_ids or ()),
        workflows=tuple(w.ref() for w in body.workflow_ids or ()),
        folders=tuple(f.filter() for f in body.folders or ()),
        states=tuple(states or ()),
        scheduled_before=time_param("dateTo", body.date_to, now, body.time_zone),
        regex=getattr(body, "regex", None),
    )


async def _modify(
    cockpit: Cockpit,
    caller: Caller,
    body: ModifyOrders,
    *,
    request: str,
    permission: str,
    applicable: Callable[[o.Order], bool],
    commands: Commands,
) -> dict[str, Any]:
    """Sends the commands for the orders the body selects. Orders named by id are all taken (the Controller
    refuses what does not apply to one of them, and nothing changes); orders selected by workflow, folder or
    state only where the operation applies."""
    controller_id = body.controller_id
    caller.require(permission, controller_id)
    if not (body.order_ids or body.workflow_ids or body.folders or body.states):
        raise BadRequest("$: name the orders with orderIds, workflowIds, folders or states")
    now = cockpit.now()
    orders, paths = await controller_orders(cockpit, controller_id)
    by_id = {order.id: order for order in orders}
    if body.order_ids:
        unknown = [order_id for order_id in body.order_ids if order_id not in by_id]
        if unknown:
            raise UnknownObject(f"$.orderIds: unknown orders on {controller_id}: {', '.join(unknown)}")
        chosen = [by_id[order_id] for order_id in body.order_ids]
        for order in chosen:
            caller.require_folder(joc_path(order.workflow_id.path, paths), controller_id)
    else:
        visible = lambda path: caller.sees(path, controller_id)  # noqa: E731
        chosen = [
            order for order in selected(orders, selection_of(body, now), paths, visible) if applicable(order)
        ]
    if not chosen:
        return ok_answer()
    proxy = cockpit.proxies.get(controller_id)
    async with cockpit.database.session() as db:
        await audit(
            db, caller, request, AuditCategory.CONTROLLER, body, now,
            controller_id=controller_id, objects=[("ORDER", order.id) for order in chosen],
        )  # fmt: skip
        for command in commands(chosen):
            try:
                await proxy.command(command)
            except ControllerUnreachable:
                raise
            except JocError as error:
                raise BadRequest(refusal(error)) from None
    return ok_answer()


def _ids(orders: list[o.Order]) -> list[str]:
    return [order.id for order in orders]


def _kill(body: ModifyOrders) -> dict[str, Any]:
    return {"kill": {"immediately": True}} if body.kill else {}


@router.post("/cancel")
async def cancel(body: ModifyOrders, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Cancels the orders; with `kill`, running jobs are killed at once."""

    def commands(orders: list[o.Order]) -> list[dict[str, Any]]:
        mode = {"TYPE": "FreshOrStarted", **_kill(body)}
        return [{"TYPE": "CancelOrders", "orderIds": _ids(orders), "mode": mode}]

    return await _modify(
        cockpit, caller, body, request="./orders/cancel", permission=CANCEL,
        applicable=lambda order: not order.is_terminated, commands=commands,
    )  # fmt: skip


@router.post("/suspend")
async def suspend(body: ModifyOrders, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Suspends the orders (after their current job, or at once with `kill`; `reset` leaves a waiting state)."""

    def commands(orders: list[o.Order]) -> list[dict[str, Any]]:
        mode = {"resetState": body.reset, **_kill(body)}
        return [{"TYPE": "SuspendOrders", "orderIds": _ids(orders), "mode": mode}]

    return await _modify(
        cockpit, caller, body, request="./orders/suspend", permission=SUSPEND_RESUME,
        applicable=lambda order: not order.is_suspended and not order.is_terminated, commands=commands,
    )  # fmt: skip


def _resume_position(body: ModifyOrders) -> list[int | str] | None:
    if body.position is None:
        return None
    position = engine_position(body.position)
    if isinstance(position, str):
        raise BadRequest(f"$.position: {position!r} is a label; resume needs a position such as [1] or '1'")
    return list(position)


def _resume_commands(body: ModifyOrders) -> Commands:
    position = _resume_position(body)

    def commands(orders: list[o.Order]) -> list[dict[str, Any]]:
        restart = {"restartKilledJob": True} if body.force else {}
        if position is None and body.variables is None:
            return [{"TYPE": "ResumeOrders", "orderIds": _ids(orders), **restart}]
        resumes = []
        for order in orders:
            resume: dict[str, Any] = {"TYPE": "ResumeOrder", "orderId": order.id, **restart}
            if position is not None:
                resume["position"] = position
            if body.variables is not None:
                outcome = {"TYPE": "Succeeded", "namedValues": body.variables}
                at = list(order.position)
                resume["historyOperations"] = [
                    {"TYPE": "Append", "outcome": {"position": at, "outcome": outcome}}
                ]
            resumes.append(resume)
        return [{"TYPE": "Batch", "commands": resumes}]

    return commands


@router.post("/resume")
async def resume(body: ModifyOrders, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Resumes suspended or failed orders, at their position or at `position`, with `variables` set."""
    return await _modify(
        cockpit, caller, body, request="./orders/resume", permission=SUSPEND_RESUME,
        applicable=lambda order: order.is_suspended or isinstance(order.state, o.FAILED_STATES),
        commands=_resume_commands(body),
    )  # fmt: skip


@router.post("/confirm")
async def confirm(body: ModifyOrders, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Answers the prompt of prompting orders, which then go on."""

    def commands(orders: list[o.Order]) -> list[dict[str, Any]]:
        answers = [{"TYPE": "AnswerOrderPrompt", "orderId": order.id} for order in orders]
        return [{"TYPE": "Batch", "commands": answers}]

    return await _modify(
        cockpit, caller, body, request="./orders/confirm", permission=CONFIRM,
        applicable=lambda order: isinstance(order.state, o.Prompting), commands=commands,
    )  # fmt: skip


_WAITING_FOR_TIME = (o.Fresh, o.Sleeping, o.DelayingRetry, o.BetweenCycles, o.WaitingForAdmission)


@router.post("/continue")
async def continue_(body: ModifyOrders, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Ends the time-based waits of the orders (start time, retry delay, sleep, cycle, admission) now."""

    def commands(orders: list[o.Order]) -> list[dict[str, Any]]:
        goes = [
            {"TYPE": "GoOrder", "orderId": order.id, "position": list(order.position)} for order in orders
        ]
        return [{"TYPE": "Batch", "commands": goes}]

    return await _modify(
        cockpit, caller, body, request="./orders/continue", permission=SUSPEND_RESUME,
        applicable=lambda order: isinstance(order.state, _WAITING_FOR_TIME), commands=commands,
    )  # fmt: skip


@router.post("/remove_when_terminated")
async def remove_when_terminated(
    body: ModifyOrders, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """Removes the orders from the Controller once they have terminated (at once when they have)."""

    def commands(orders: list[o.Order]) -> list[dict[str, Any]]:
        return [{"TYPE": "DeleteOrdersWhenTerminated", "orderIds": _ids(orders)}]

    return await _modify(
        cockpit, caller, body, request="./orders/remove_when_terminated", permission=CANCEL,
        applicable=lambda order: not order.delete_when_terminated, commands=commands,
    )  # fmt: skip


# Reading --------------------------------------------------------------------------------------------------------


def _refuse_unsupported(body: OrdersFilterV) -> None:
    if body.order_tags or body.workflow_tags:
        raise NotSupported("$.orderTags/$.workflowTags: tags are not supported by Stellwerk")
    if body.state_date_from is not None or body.state_date_to is not None:
        raise NotSupported(
            "$.stateDateFrom/$.stateDateTo: filtering by state time is not supported by Stellwerk"
        )


@router.post("")
async def orders(body: OrdersFilterV, caller: CallerDep, cockpit: CockpitDep) -> Response:
    """The Controller's orders now (in the Controller's order: as they were added), filtered by ids, workflows,
    folders, JOC's state groups and start time; the first `limit` of them. Each order's view is encoded once
    per change of the order (see the order view), the answer is joined from them."""
    caller.require(VIEW, body.controller_id)
    _refuse_unsupported(body)
    now = cockpit.now()
    selection = selection_of(body, now)
    found, paths = await controller_orders(cockpit, body.controller_id)
    visible = lambda path: caller.sees(path, body.controller_id)  # noqa: E731
    chosen, chosen_paths = selected_with_paths(found, selection, paths, visible, limit_of(body.limit))
    parents = {order.parent for order in found if order.parent}
    view = cockpit.order_views.get(body.controller_id)
    if view is None:
        views = [
            codec.encode(order_view(order, paths, with_children=order.id in parents)) for order in chosen
        ]
    else:
        views = [
            view.encoded(order, path, paths, order.id in parents)
            for order, path in zip(chosen, chosen_paths, strict=True)
        ]
    stamp = codec.encode(joc_now())
    content = b"".join(
        (b'{"deliveryDate":', stamp, b',"surveyDate":', stamp, b',"orders":[', b",".join(views), b"]}")
    )
    return Response(content, media_type="application/json")


@router.post("/overview/snapshot")
async def snapshot(body: OrdersSnapshotFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """How many of the Controller's orders are in each of JOC's state groups."""
    caller.require(VIEW, body.controller_id)
    found, paths = await controller_orders(cockpit, body.controller_id)
    visible = lambda path: caller.sees(path, body.controller_id)  # noqa: E731
    chosen = selected(found, selection_of(body, cockpit.now()), paths, visible)
    stamp = joc_now()
    return {
        "deliveryDate": stamp,
        "surveyDate": stamp,
        "orders": summary(joc_state(order).text for order in chosen),
    }
