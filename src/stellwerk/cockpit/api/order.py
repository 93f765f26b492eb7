"""`/joc/api/order`: one order of the Controller now; its log (`/order/log`: JOC's order log entries of one order
run, from the history the History service writes), why it does not move (`/order/obstacles`), and what was added
to the log of a running order after what the caller has (`/order/log/running`, `eventId` being the last log chunk
the caller read)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stellwerk.cockpit.api.orders_common import VIEW, controller_orders
from stellwerk.cockpit.api.orders_models import OrderFilter, OrderHistoryFilter, OrderRunningLogFilter
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.repositories.logs import LogRepository
from stellwerk.cockpit.db.repositories.order_history import OrderHistory, OrderHistoryRepository
from stellwerk.cockpit.errors import BadRequest, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.joc_time import iso
from stellwerk.cockpit.services.order_log import log_entries
from stellwerk.cockpit.services.orders import joc_path, order_view

router = APIRouter(prefix="/joc/api/order", tags=["order"], strict_content_type=False)


@router.post("")
async def order(body: OrderFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """One of the Controller's orders (JOC's `OrderV`)."""
    caller.require(VIEW, body.controller_id)
    found, paths = await controller_orders(cockpit, body.controller_id)
    wanted = next((o for o in found if o.id == body.order_id), None)
    if wanted is None:
        raise UnknownObject(f"$.orderId: there is no order {body.order_id} on {body.controller_id}")
    caller.require_folder(joc_path(wanted.workflow_id.path, paths), body.controller_id)
    has_children = any(o.parent == wanted.id for o in found)
    view = order_view(wanted, paths, with_children=has_children)
    stamp = delivery_date()
    return {"deliveryDate": stamp, "surveyDate": stamp, **view}


@router.post("/obstacles")
async def obstacles(body: OrderFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Why the order does not move, as JS7 types it (JOC's `Obstacle200`): `WorkflowIsSuspended`,
    `WaitingForAdmission` (with `until`), `JobProcessLimitReached`, `AgentProcessLimitReached`; an order the
    Controller does not have is `OrderNotExisting`."""
    caller.require(VIEW, body.controller_id)
    found, paths = await controller_orders(cockpit, body.controller_id)
    wanted = next((o for o in found if o.id == body.order_id), None)
    typed = None
    if wanted is not None:
        caller.require_folder(joc_path(wanted.workflow_id.path, paths), body.controller_id)
        typed = await cockpit.proxies.get(body.controller_id).obstacles(body.order_id)
    stamp = delivery_date()
    items = [{"type": "OrderNotExisting"}] if typed is None else [_obstacle(obstacle) for obstacle in typed]
    return {"deliveryDate": stamp, "surveyDate": stamp, "orderId": body.order_id, "obstacles": items}


def _obstacle(obstacle: dict[str, Any]) -> dict[str, Any]:
    until = obstacle.get("until")
    return {"type": obstacle["type"]} if until is None else {"type": obstacle["type"], "until": iso(until)}


async def history_row(cockpit: Cockpit, caller: Caller, body: OrderHistoryFilter) -> OrderHistory:
    """The order run, if the account may see its workflow's folder (the check of every order log reader)."""
    caller.require(VIEW, body.controller_id)
    async with cockpit.database.session() as db:
        repository = OrderHistoryRepository(db)
        if body.history_id is not None:
            row = await repository.get(body.history_id)
        elif body.order_id is not None:
            row = await repository.latest(body.controller_id, body.order_id)
        else:
            raise BadRequest("$: historyId or orderId is required")
    if row is None or row.controller_id != body.controller_id:
        raise UnknownObject(
            f"$.historyId: no order run {body.history_id or body.order_id} on {body.controller_id}"
        )
    caller.require_folder(row.workflow_path, body.controller_id)
    return row


@router.post("/log")
async def log(body: OrderHistoryFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The order log of one order run; `complete` once the order has ended, `eventId` to continue from."""
    row = await history_row(cockpit, caller, body)
    async with cockpit.database.session() as db:
        tail = await LogRepository(db).order_log_after(row.history_id, 0)
    return {
        "deliveryDate": delivery_date(),
        "historyId": row.history_id,
        "complete": row.end_time is not None,
        "eventId": tail.last_chunk_id,
        "logEvents": log_entries(tail.text),
    }


@router.post("/log/running")
async def running_log(body: OrderRunningLogFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The order log entries written after the chunk `eventId`."""
    wanted = OrderHistoryFilter(controller_id=body.controller_id, history_id=body.history_id)
    row = await history_row(cockpit, caller, wanted)
    async with cockpit.database.session() as db:
        tail = await LogRepository(db).order_log_after(row.history_id, body.event_id)
    return {
        "deliveryDate": delivery_date(),
        "controllerId": body.controller_id,
        "historyId": row.history_id,
        "complete": row.end_time is not None,
        "eventId": tail.last_chunk_id,
        "logEvents": log_entries(tail.text),
    }
