"""A Controller cluster's operations from the Dashboard's Product Status panel: switch-over, and confirming the
loss of a node that the Cockpit's Cluster Watch refused to declare lost — through JOC's handlers (permission,
checks, audit)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import controller_cluster
from stellwerk.cockpit.api.controller_cluster import ClusterParams
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.ui.web import PostingCaller, Refused, UiRoute, body_of, done

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

_OPERATIONS = {
    "switch-over": (controller_cluster.switch_over, "Asked the active node to switch over"),
    "confirm-node-loss": (controller_cluster.confirm_node_loss, "Confirmed the loss of the node"),
}


@router.post("/controller/cluster/{operation}", response_class=HTMLResponse)
async def operate(
    request: Request, operation: str, caller: PostingCaller, cockpit: CockpitDep, controller: str
) -> Response:
    if operation not in _OPERATIONS:
        raise Refused(404, f"There is no Controller cluster operation {operation}")
    handler, message = _OPERATIONS[operation]
    await handler(body_of(ClusterParams, {"controllerId": controller}), cockpit, caller)
    return done(request, f"{message} of the Controller {controller}")
