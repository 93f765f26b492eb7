"""The Daily Plan's operations: generate a date's plan (and submit it), and submit, cancel, delete or move the
start of the chosen planned orders, each through the API's handler (its permissions, folders and audit). The
answer is the notice, with the event `plan-changed` that reloads the plan's table."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import dailyplan as dailyplan_api
from stellwerk.cockpit.api.dailyplan_models import GenerateRequest, ModifyPlanOrders, PlanOrdersFilter
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.ui.web import PostingCaller, Refused, UiRoute, body_of, done

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

CHANGED = "plan-changed"
# operation → (the API's handler of chosen orders, what the notice says was done)
_CHOSEN = {
    "submit": (dailyplan_api.submit, "Submitted"),
    "cancel": (dailyplan_api.cancel, "Cancelled"),
    "delete": (dailyplan_api.delete, "Deleted from the plan"),
}
OrderIds = Annotated[list[str], Form(alias="orders")]


def chosen(values: list[str]) -> dict[str, list[str]]:
    """The chosen orders by Controller; each checkbox's value is `controllerId|orderId`."""
    by_controller: defaultdict[str, list[str]] = defaultdict(list)
    for value in values:
        controller_id, separator, order_id = value.partition("|")
        if not separator or not controller_id or not order_id:
            raise Refused(400, f"orders: {value!r} names no order (controllerId|orderId)")
        by_controller[controller_id].append(order_id)
    if not by_controller:
        raise Refused(400, "Choose at least one planned order")
    return dict(by_controller)


def _changed(request: Request, message: str) -> Response:
    response = done(request, message)
    response.headers["HX-Trigger"] = CHANGED
    return response


def _counted(verb: str, order_ids: list[str]) -> str:
    return f"{verb} {order_ids[0] if len(order_ids) == 1 else f'{len(order_ids)} orders'}"


@router.post("/dailyplan/generate", response_class=HTMLResponse)
async def generate(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    controller: Annotated[str, Form()],
    date: Annotated[str, Form()],
    submit: Annotated[str, Form()] = "",
) -> Response:
    """Plans the date's orders from the released schedules (only what is missing), and submits them if asked."""
    body = {
        "controllerId": controller,
        "dailyPlanDates": [date],
        "withSubmit": bool(submit),
        "includeNonAutoPlannedOrders": True,
    }
    await dailyplan_api.generate(body_of(GenerateRequest, body), caller, cockpit)
    return _changed(request, f"Generated the plan of {date}{' and submitted it' if submit else ''}")


@router.post("/dailyplan/modify", response_class=HTMLResponse)
async def modify(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    orders: OrderIds = [],  # noqa: B006 (FastAPI copies defaults)
    start: Annotated[str, Form()] = "",
    time_zone: Annotated[str, Form(alias="timeZone")] = "Etc/UTC",
) -> Response:
    """Moves the chosen orders' planned start (`now`, `now + seconds` or `yyyy-mm-dd hh:mm[:ss]`)."""
    if not start.strip():
        raise Refused(400, "start: give the new planned start (now, now + 600, or 2026-12-24 18:00)")
    changed: list[str] = []
    for controller_id, order_ids in chosen(orders).items():
        body = {
            "controllerId": controller_id,
            "orderIds": order_ids,
            "scheduledFor": start.strip(),
            "timeZone": time_zone,
        }
        answer = await dailyplan_api.modify(body_of(ModifyPlanOrders, body), caller, cockpit)
        renamed = answer["orderIds"]  # old id → new id (the id names the planned start)
        changed += list(renamed.values()) if isinstance(renamed, dict) else list(renamed)
    return _changed(request, _counted(f"Moved to {start.strip()}:", changed))


@router.post("/dailyplan/{operation}", response_class=HTMLResponse)
async def operate(
    request: Request,
    operation: str,
    caller: PostingCaller,
    cockpit: CockpitDep,
    orders: OrderIds = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    """Submits, cancels or deletes the chosen planned orders."""
    if operation not in _CHOSEN:
        raise Refused(404, f"There is no Daily Plan operation {operation}")
    by_controller = chosen(orders)
    handler, verb = _CHOSEN[operation]
    order_ids = [order_id for ids in by_controller.values() for order_id in ids]
    await _on_chosen(cockpit, caller, handler, by_controller)
    return _changed(request, _counted(verb, order_ids))


async def _on_chosen(
    cockpit: Cockpit, caller: Caller, handler: Any, by_controller: dict[str, list[str]]
) -> None:
    for controller_id, order_ids in by_controller.items():
        body = {"controllerIds": [controller_id], "orderIds": order_ids}
        await handler(body_of(PlanOrdersFilter, body), caller, cockpit)
