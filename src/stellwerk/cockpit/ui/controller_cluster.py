"""A Controller's operations from the Dashboard's Product Status panel: a node's termination, restart, abort and
abort and restart; a cluster's switch-over, and confirming the loss of a node that the Cockpit's Cluster Watch
refused to declare lost — through JOC's handlers (permission, checks, audit)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import controller_cluster, controller_node
from stellwerk.cockpit.api.controller_cluster import ClusterParams
from stellwerk.cockpit.api.controller_node import NodeParams
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


_NODE_OPERATIONS = {
    "terminate": (controller_node.terminate, "Asked to terminate"),
    "restart": (controller_node.restart, "Asked to restart"),
    "abort": (controller_node.abort, "Asked to abort"),
    "abort-and-restart": (controller_node.abort_and_restart, "Asked to abort and restart"),
}


@router.post("/controller/{operation}", response_class=HTMLResponse)
async def end_node(
    request: Request,
    operation: str,
    caller: PostingCaller,
    cockpit: CockpitDep,
    controller: str,
    url: str,
    switchover: str = "1",
) -> Response:
    """Ends (and restarts) one Controller node; a cluster's active node switches over first unless told not."""
    if operation not in _NODE_OPERATIONS:
        raise Refused(404, f"There is no Controller operation {operation}")
    handler, message = _NODE_OPERATIONS[operation]
    body = {"controllerId": controller, "url": url, "withSwitchover": bool(switchover)}
    await handler(body_of(NodeParams, body), cockpit, caller)
    return done(request, f"{message} the Controller {controller} at {url}")
