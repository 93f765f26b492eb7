"""The Resources view: a Controller's locks (holders and queue), notice boards (their notices, by plan) and file
order sources, as the Controller holds them now. Each part is shown to an account that may view it (JOC's
`locks:view`, `noticeBoards:view`, `fileOrderSources` with the workflows' view)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.ui.orders import choose_controller
from stellwerk.cockpit.ui.web import Refused, UiCaller, UiRoute, page

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

LOCKS_VIEW = "sos:products:controller:locks:view"
BOARDS_VIEW = "sos:products:controller:noticeBoards:view"
WORKFLOWS_VIEW = "sos:products:controller:workflows:view"
RESOURCES_VIEWS = (LOCKS_VIEW, BOARDS_VIEW, WORKFLOWS_VIEW)


def visible_parts(caller: Caller, controller_id: str, found: dict[str, Any]) -> dict[str, Any]:
    """The parts of the Controller's resources the account may see; a Refused when it may see none."""
    parts = {
        "locks": found["locks"] if caller.allows(LOCKS_VIEW, controller_id) else None,
        "boards": found["boards"] if caller.allows(BOARDS_VIEW, controller_id) else None,
        "file_order_sources": found["fileOrderSources"]
        if caller.allows(WORKFLOWS_VIEW, controller_id)
        else None,
    }
    if all(part is None for part in parts.values()):
        raise Refused(403, "The account may view no resources of this Controller")
    return parts


@router.get("/resources", response_class=HTMLResponse)
async def resources_page(
    request: Request, caller: UiCaller, cockpit: CockpitDep, controller: str | None = None
) -> Response:
    controller_id = await choose_controller(cockpit, caller, controller)
    if not any(caller.allows(view, controller_id) for view in RESOURCES_VIEWS):
        raise Refused(403, "The account may view no resources of this Controller")
    found = await cockpit.proxies.get(controller_id).resources()
    return page(
        request, "resources.html", controller_id=controller_id, **visible_parts(caller, controller_id, found)
    )
