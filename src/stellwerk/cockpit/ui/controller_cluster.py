"""A Controller's operations from the Dashboard's Product Status panel: a node's termination, restart, abort and
abort and restart, and its log for download; a cluster's switch-over, and confirming the loss of a node that the
Cockpit's Cluster Watch refused to declare lost — through JOC's handlers (permission, checks, audit)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse

from stellwerk.cockpit.api import controller_cluster, controller_node
from stellwerk.cockpit.api.controller_cluster import ClusterParams
from stellwerk.cockpit.api.controller_node import NodeParams
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.errors import JocError
from stellwerk.cockpit.ui.web import PostingCaller, Refused, UiCaller, UiRoute, body_of, done

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

GET_LOG = "sos:products:controller:getLog"

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


@router.get("/controller/log")
async def node_log(caller: UiCaller, cockpit: CockpitDep, controller: str, url: str) -> Response:
    """The node's log file, streamed through from the Controller (which keeps one when started with --log-file)."""
    caller.require(GET_LOG, controller)
    proxy = cockpit.proxies.get(controller)
    if url not in proxy.urls:
        raise Refused(404, f"url: {url} is no node of Controller {controller}")
    lines = proxy.log_lines(url)
    try:
        first = await anext(lines, None)
    except JocError as error:
        raise Refused(404, error.message) from None

    async def body() -> AsyncIterator[bytes]:
        if first is not None:
            yield first + b"\n"
            async for line in lines:
                yield line + b"\n"

    name = f"controller-{controller}.log"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(body(), media_type="text/plain; charset=utf-8", headers=headers)
