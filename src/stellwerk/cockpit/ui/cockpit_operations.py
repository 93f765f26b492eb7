"""The Cockpit's own operations from the Dashboard's Product Status panel: restarting the active member's
services and running one now, switching the services over to another member, setting the URL a member is
reached at, and downloading this member's log, through JOC's handlers (permission, checks, audit)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import joc_cluster
from stellwerk.cockpit.api.joc_cluster import CockpitUrl, ServiceRequest, SwitchMember
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.ui.web import PostingCaller, Refused, UiCaller, UiRoute, body_of, done

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

_SERVICE_OPERATIONS = {
    "restart": (joc_cluster.restart, "Restarted"),
    "run": (joc_cluster.run, "Ran"),
}


@router.post("/joc/switch", response_class=HTMLResponse)
async def switch(request: Request, caller: PostingCaller, cockpit: CockpitDep, member: str) -> Response:
    await joc_cluster.switch_member(body_of(SwitchMember, {"memberId": member}), request, cockpit, caller)
    return done(request, f"Asked to hand the services over to {member}")


@router.post("/joc/url", response_class=HTMLResponse)
async def update_url(request: Request, caller: PostingCaller, cockpit: CockpitDep, member: str) -> Response:
    """The URL the browser asked for (htmx sends the answer to its prompt as the HX-Prompt header)."""
    url = request.headers.get("HX-Prompt", "").strip()
    if not url:
        raise Refused(400, "url: give the new URL of the Cockpit")
    body = body_of(CockpitUrl, {"instanceId": member or None, "url": url})
    await joc_cluster.set_url(body, request, cockpit, caller)
    return done(request, f"The Cockpit {member} is reached at {url} from its next heartbeat on")


@router.post("/joc/{operation}", response_class=HTMLResponse)
async def service(
    request: Request, operation: str, caller: PostingCaller, cockpit: CockpitDep, type: str
) -> Response:
    """Restarts a service of the active member, or runs one now."""
    if operation not in _SERVICE_OPERATIONS:
        raise Refused(404, f"There is no Cockpit operation {operation}")
    handler, verb = _SERVICE_OPERATIONS[operation]
    await handler(body_of(ServiceRequest, {"type": type}), request, cockpit, caller)
    return done(request, f"{verb} the {type} service")


@router.get("/joc/log")
async def log(caller: UiCaller, cockpit: CockpitDep) -> Response:
    """This member's current log file, for download."""
    return await joc_cluster.log(cockpit, caller)
