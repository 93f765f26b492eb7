"""The History view: the order runs of a Controller, newest first, a page at a time by cursor (the page after a
run's start time and id), so the millionth row is as quick as the first; filtered by outcome and limited to the
account's folders as the API's `/orders/history` is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api.history import order_item
from stellwerk.cockpit.api.orders_common import VIEW
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import HistoryState
from stellwerk.cockpit.db.repositories.folders import FolderFilter
from stellwerk.cockpit.db.repositories.history_query import HistoryCursor, HistoryFilter
from stellwerk.cockpit.db.repositories.order_history import OrderHistoryRepository
from stellwerk.cockpit.errors import delivery_date
from stellwerk.cockpit.ui.orders import choose_controller
from stellwerk.cockpit.ui.web import Refused, UiCaller, UiRoute, page

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

PAGE_SIZE = 50


def cursor_of(text: str | None) -> HistoryCursor | None:
    """`start:id` of the last row of the previous page."""
    if not text:
        return None
    start, _, row_id = text.partition(":")
    if not (start.isdigit() and row_id.isdigit()):
        raise Refused(400, f"after: {text!r} is no page position")
    return HistoryCursor(start_time=int(start), id=int(row_id))


def severity_filter(text: str | None) -> tuple[HistoryState, ...]:
    if not text:
        return ()
    try:
        return (HistoryState(text),)
    except ValueError:
        raise Refused(400, f"state: {text} is none of {', '.join(s.value for s in HistoryState)}") from None


@router.get("/history", response_class=HTMLResponse)
async def history_page(
    request: Request,
    caller: UiCaller,
    cockpit: CockpitDep,
    controller: str | None = None,
    state: str | None = None,
    after: Annotated[str | None, Query()] = None,
) -> Response:
    controller_id = await choose_controller(cockpit, caller, controller)
    caller.require(VIEW, controller_id)
    granted = caller.grants_for(controller_id).folders
    wanted = HistoryFilter(
        controller_id=controller_id,
        severities=severity_filter(state),
        folders=tuple(FolderFilter(folder=folder, recursive=recursive) for folder, recursive in granted),
        limit=PAGE_SIZE,
        after=cursor_of(after),
    )
    async with cockpit.database.reading() as db:
        found = await OrderHistoryRepository(db).search(wanted)
    stamp = delivery_date()
    rows = [order_item(row, stamp) for row in found.items if caller.sees(row.workflow_path, controller_id)]
    following = f"{found.next.start_time}:{found.next.id}" if found.next else None
    return page(
        request, "history.html", controller_id=controller_id, rows=rows, state=state or "",
        states=[s.value for s in HistoryState], after=after, following=following,
    )  # fmt: skip
