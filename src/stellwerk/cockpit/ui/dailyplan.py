"""The Daily Plan view: month calendars with the schedules' projections, a plan date's orders (server-paginated)
with their state, lateness and progress (how many of the day's orders have finished), read through the API's
handlers, and the operations an account may do on them (dailyplan_operations.py); the day's progress for the
Dashboard."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import controller as controller_api
from stellwerk.cockpit.api import dailyplan as dailyplan_api
from stellwerk.cockpit.api.dailyplan import MANAGE
from stellwerk.cockpit.api.dailyplan_models import PlanOrdersFilter
from stellwerk.cockpit.api.orders_common import CANCEL, CREATE
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.ui.dailyplan_calendar import add_months, month_start, projected_months
from stellwerk.cockpit.ui.web import Refused, UiCaller, UiRoute, body_of, page

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

PAGE_SIZE = 100
STATES = ("PLANNED", "SUBMITTED", "FINISHED")


def plan_date(text: str | None, now: int) -> date:
    """The plan date asked for (yyyy-mm-dd), today (UTC) without one."""
    if not text:
        return datetime.fromtimestamp(now / 1000, UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused(400, f"date: {text!r} is not a date (yyyy-mm-dd)") from None


def progress(items: list[dict[str, Any]]) -> dict[str, Any]:
    """How many of the plan's orders are in each state, how many are late, and the finished share in percent."""
    counts = Counter(str(item["state"]["_text"]) for item in items)
    total = len(items)
    return {
        "total": total,
        "counts": {state: counts.get(state, 0) for state in STATES},
        "late": sum(1 for item in items if item.get("late")),
        "percent": round(100 * counts.get("FINISHED", 0) / total) if total else 0,
    }


async def plan_of(cockpit: Cockpit, caller: Caller, day: date) -> list[dict[str, Any]]:
    wanted = body_of(
        PlanOrdersFilter, {"dailyPlanDateFrom": day.isoformat(), "dailyPlanDateTo": day.isoformat()}
    )
    items: list[dict[str, Any]] = (await dailyplan_api.planned_orders(wanted, caller, cockpit))[
        "plannedOrderItems"
    ]
    return sorted(items, key=lambda item: (str(item["plannedStartTime"]), str(item["orderId"])))


def permitted(caller: Caller) -> dict[str, bool]:
    """Which operations the account may start (the handlers check each Controller again)."""
    manage = caller.allows(MANAGE)
    return {
        "generate": manage,
        "submit": manage and caller.allows(CREATE),
        "cancel": manage and caller.allows(CANCEL),
        "modify": manage and caller.allows(CREATE),
    }


async def _table(cockpit: Cockpit, caller: Caller, shown: date, page_number: int) -> dict[str, Any]:
    items = await plan_of(cockpit, caller, shown)
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    number = min(max(page_number, 1), pages)
    return {
        "day": shown.isoformat(), "progress": progress(items), "pages": pages, "page_number": number,
        "items": items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE], "can": permitted(caller),
    }  # fmt: skip


@router.get("/dailyplan", response_class=HTMLResponse)
async def daily_plan_page(
    request: Request,
    caller: UiCaller,
    cockpit: CockpitDep,
    day: Annotated[str | None, Query(alias="date")] = None,
    page_number: Annotated[int, Query(alias="page")] = 1,
) -> Response:
    shown = plan_date(day, cockpit.now())
    today = plan_date(None, cockpit.now())
    return page(
        request, "dailyplan.html", **await _table(cockpit, caller, shown, page_number),
        months=await projected_months(cockpit, caller, shown), today=today,
        controllers=(await controller_api.ids(cockpit, caller))["controllerIds"],
        before=(shown - timedelta(days=1)).isoformat(), after=(shown + timedelta(days=1)).isoformat(),
        earlier=add_months(month_start(shown), -1).isoformat(), later=add_months(month_start(shown), 1).isoformat(),
    )  # fmt: skip


@router.get("/dailyplan/table", response_class=HTMLResponse)
async def plan_table(
    request: Request,
    caller: UiCaller,
    cockpit: CockpitDep,
    day: Annotated[str | None, Query(alias="date")] = None,
    page_number: Annotated[int, Query(alias="page")] = 1,
) -> Response:
    """The plan's progress and table again, after an operation changed them."""
    shown = plan_date(day, cockpit.now())
    return page(request, "_plan_table.html", **await _table(cockpit, caller, shown, page_number))
