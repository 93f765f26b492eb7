"""The Daily Plan view: a plan date's orders (server-paginated) with their state, lateness and progress (how
many of the day's orders have finished), read through the API's handler; the day's progress for the Dashboard."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import dailyplan as dailyplan_api
from stellwerk.cockpit.api.dailyplan_models import PlanOrdersFilter
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.security.guard import Caller
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


@router.get("/dailyplan", response_class=HTMLResponse)
async def daily_plan_page(
    request: Request,
    caller: UiCaller,
    cockpit: CockpitDep,
    day: Annotated[str | None, Query(alias="date")] = None,
    page_number: Annotated[int, Query(alias="page")] = 1,
) -> Response:
    shown = plan_date(day, cockpit.now())
    items = await plan_of(cockpit, caller, shown)
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    number = min(max(page_number, 1), pages)
    return page(
        request, "dailyplan.html", day=shown.isoformat(), progress=progress(items),
        items=items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE], page_number=number, pages=pages,
        before=(shown - timedelta(days=1)).isoformat(), after=(shown + timedelta(days=1)).isoformat(),
    )  # fmt: skip
