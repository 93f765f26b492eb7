"""The Workflows views: the deployed workflows by folder (with a search), and one workflow drawn as a graph of
its instructions (cytoscape with dagre in the browser) with how many orders wait at each position, live."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import workflow as workflow_api
from stellwerk.cockpit.api import workflows as workflows_api
from stellwerk.cockpit.api.orders_common import VIEW, WORKFLOWS_VIEW, controller_orders
from stellwerk.cockpit.api.orders_models import WorkflowFilter, WorkflowsFilter
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.repositories.folders import folder_of
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.services.orders import joc_path
from stellwerk.cockpit.ui import live
from stellwerk.cockpit.ui.graph import elements
from stellwerk.cockpit.ui.pages import controller_ids
from stellwerk.cockpit.ui.web import Refused, UiCaller, UiRoute, body_of, page, templates
from stellwerk.model.position import to_string

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)


async def deployed(cockpit: Cockpit, caller: Caller, controller_id: str, path: str) -> dict[str, Any]:
    """The newest deployed version of a workflow (JOC's view), through the API's handler."""
    body = body_of(WorkflowFilter, {"controllerId": controller_id, "workflowId": {"path": path}})
    found: dict[str, Any] = (await workflow_api.workflow(body, caller, cockpit))["workflow"]
    return found


async def _positions(cockpit: Cockpit, caller: Caller, controller_id: str, path: str) -> list[str]:
    """Where the workflow's orders are (position strings), when the account may see orders."""
    if not caller.allows(VIEW, controller_id):
        return []
    orders, paths = await controller_orders(cockpit, controller_id)
    return [
        to_string(order.position)
        for order in orders
        if joc_path(order.workflow_id.path, paths) == path and not order.is_terminated
    ]


async def graph_of(cockpit: Cockpit, caller: Caller, controller_id: str, path: str) -> list[dict[str, Any]]:
    """The workflow's graph elements with the orders at each position."""
    workflow = await deployed(cockpit, caller, controller_id, path)
    return elements(workflow["instructions"], await _positions(cockpit, caller, controller_id, path))


@router.get("/workflows", response_class=HTMLResponse)
async def workflows_page(
    request: Request, caller: UiCaller, cockpit: CockpitDep, controller: str | None = None, q: str = ""
) -> Response:
    ids = await controller_ids(cockpit, caller)
    controller_id = controller if controller in ids else (ids[0] if ids else None)
    if controller_id is None:
        caller.require(WORKFLOWS_VIEW)
        raise Refused(404, "No Controller is registered (or none the account may see)")
    body = body_of(WorkflowsFilter, {"controllerId": controller_id, "compact": True})
    found = (await workflows_api.workflows(body, caller, cockpit))["workflows"]
    wanted = q.strip().lower()
    by_folder: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for workflow in sorted(found, key=lambda w: str(w["path"])):
        if not wanted or wanted in str(workflow["path"]).lower():
            by_folder[folder_of(str(workflow["path"]))].append(workflow)
    return page(
        request, "workflows.html", controller_id=controller_id, folders=dict(sorted(by_folder.items())), q=q
    )


@router.get("/workflow", response_class=HTMLResponse)
async def workflow_page(
    request: Request, caller: UiCaller, cockpit: CockpitDep, controller: str, path: str
) -> Response:
    workflow = await deployed(cockpit, caller, controller, path)
    graph = elements(workflow["instructions"], await _positions(cockpit, caller, controller, path))
    return page(request, "workflow.html", controller_id=controller, workflow=workflow, graph=graph)


@router.get("/live/workflow")
async def workflow_live(caller: UiCaller, cockpit: CockpitDep, controller: str, path: str) -> Response:
    """The graph's order counts whenever they change (the page moves nothing, it relabels the nodes)."""
    workflow = await deployed(cockpit, caller, controller, path)
    counts = templates.get_template("_graph_data.html")

    async def fragments() -> list[live.Fragment]:
        graph = elements(workflow["instructions"], await _positions(cockpit, caller, controller, path))
        return [("graph", counts.render(graph=graph), False)]

    return live.stream(fragments)
