"""The History's timeline of a day: each order run started that day (UTC) as a bar on a 24-hour axis, from its
start to its end (a running one to now), coloured by outcome, linking to the order; the previous and next day;
the same outcome filter and folder limits as the History list. At most TIMELINE_ROWS runs, the latest first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api.orders_common import VIEW
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import HistoryState
from stellwerk.cockpit.db.repositories.folders import FolderFilter
from stellwerk.cockpit.db.repositories.history_query import HistoryFilter
from stellwerk.cockpit.db.repositories.order_history import OrderHistory, OrderHistoryRepository
from stellwerk.cockpit.ui.dailyplan import plan_date
from stellwerk.cockpit.ui.history import severity_filter
from stellwerk.cockpit.ui.orders import choose_controller
from stellwerk.cockpit.ui.web import UiCaller, UiRoute, page

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

DAY_MS = 86_400_000
TIMELINE_ROWS = 500
_MIN_WIDTH = 0.15  # percent: a run of a second still shows


def day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def bar(row: OrderHistory, start_of_day: int, now: int) -> dict[str, Any]:
    """Where the run's bar lies on the day's axis, in percent of the day, and its outcome."""
    end = row.end_time if row.end_time is not None else now
    end = min(max(end, row.start_time), start_of_day + DAY_MS)
    left = (row.start_time - start_of_day) / DAY_MS * 100
    width = max(_MIN_WIDTH, (end - row.start_time) / DAY_MS * 100)
    return {
        "orderId": row.order_id,
        "workflow": row.workflow_path,
        "outcome": row.severity.value,
        "running": row.end_time is None,
        "left": round(left, 3),
        "width": round(min(width, 100 - left), 3),
        "seconds": round((end - row.start_time) / 1000, 1),
    }


@router.get("/history/timeline", response_class=HTMLResponse)
async def timeline_page(
    request: Request,
    caller: UiCaller,
    cockpit: CockpitDep,
    controller: str | None = None,
    day: str | None = None,
    state: str | None = None,
) -> Response:
    controller_id = await choose_controller(cockpit, caller, controller)
    caller.require(VIEW, controller_id)
    shown = plan_date(day, cockpit.now())
    start = day_start(shown)
    granted = caller.grants_for(controller_id).folders
    wanted = HistoryFilter(
        controller_id=controller_id,
        date_from=start,
        date_to=start + DAY_MS,
        severities=severity_filter(state),
        folders=tuple(FolderFilter(folder=folder, recursive=recursive) for folder, recursive in granted),
        limit=TIMELINE_ROWS,
    )
    async with cockpit.database.reading() as db:
        found = await OrderHistoryRepository(db).search(wanted)
    now = cockpit.now()
    bars = [bar(row, start, now) for row in found.items if caller.sees(row.workflow_path, controller_id)]
    return page(
        request, "timeline.html", controller_id=controller_id, day=shown, bars=bars, state=state or "",
        states=[s.value for s in HistoryState], more=found.next is not None,
        previous=shown - timedelta(days=1), following=shown + timedelta(days=1),
    )  # fmt: skip
