"""`/joc/api/workflows`: the workflows deployed to a Controller (JOC's controller workflow with its sync state,
every instruction with its position), how many orders each has in JOC's state groups (`/workflows/order_count`).
Suspending and resuming whole workflows needs Controller commands the engine does not have: those endpoints
check the permission and answer that they are not supported."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stellwerk.cockpit.api.orders_common import (
    SUSPEND_RESUME,
    VIEW,
    WORKFLOWS_VIEW,
    controller_orders,
    paths_of,
)
from stellwerk.cockpit.api.orders_models import ModifyWorkflows, WorkflowOrderCountFilter, WorkflowsFilter
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.repositories.folders import FolderFilter
from stellwerk.cockpit.errors import NotSupported, delivery_date
from stellwerk.cockpit.security.guard import CallerDep
from stellwerk.cockpit.services.order_states import joc_state, summary
from stellwerk.cockpit.services.orders import WorkflowRef, in_folder, joc_path
from stellwerk.cockpit.services.workflows import workflow_view

router = APIRouter(prefix="/joc/api/workflows", tags=["workflows"], strict_content_type=False)


async def deployed_workflows(cockpit: Cockpit, controller_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The Controller's workflows (engine JSON) with their inventory paths; the newest version of a path
    last."""
    items = await cockpit.proxies.get(controller_id).items()
    paths = await paths_of(cockpit, controller_id)
    return [
        (joc_path(str(item.get("path", "")), paths), item)
        for item in items
        if isinstance(item, dict) and item.get("TYPE") == "Workflow"
    ]


def _wanted(
    path: str, version_id: str, refs: tuple[WorkflowRef, ...], folders: tuple[FolderFilter, ...]
) -> bool:
    if refs and not any(r.path == path and r.version_id in (None, version_id) for r in refs):
        return False
    return not folders or any(in_folder(path, f) for f in folders)


@router.post("")
async def workflows(body: WorkflowsFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The deployed workflows, filtered by ids and folders."""
    caller.require(WORKFLOWS_VIEW, body.controller_id)
    if body.workflow_tags or body.order_tags or body.states or body.instruction_states or body.agent_names:
        raise NotSupported("$: filtering workflows by tags, states or agents is not supported by Stellwerk")
    refs = tuple(w.ref() for w in body.workflow_ids or ())
    folders = tuple(f.filter() for f in body.folders or ())
    found = []
    for path, item in await deployed_workflows(cockpit, body.controller_id):
        version_id = str(item.get("versionId", ""))
        if caller.sees(path, body.controller_id) and _wanted(path, version_id, refs, folders):
            found.append(workflow_view(item, path, version_id, compact=body.compact))
    stamp = delivery_date()
    return {"deliveryDate": stamp, "surveyDate": stamp, "workflows": found}


@router.post("/order_count")
async def order_count(
    body: WorkflowOrderCountFilter, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """How many orders each workflow has in each of JOC's state groups, and in all."""
    caller.require(VIEW, body.controller_id)
    orders, paths = await controller_orders(cockpit, body.controller_id)
    counted = []
    for ref in body.workflow_ids:
        caller.require_folder(ref.path, body.controller_id)
        states = [
            joc_state(order).text
            for order in orders
            if joc_path(order.workflow_id.path, paths) == ref.path
            and ref.version_id in (None, order.workflow_id.version_id)
        ]
        entry: dict[str, Any] = {"path": ref.path, "numOfOrders": summary(states)}
        if ref.version_id is not None:
            entry["versionId"] = ref.version_id
        counted.append(entry)
    every = [
        joc_state(order).text for order in orders if caller.sees(joc_path(order.workflow_id.path, paths))
    ]
    stamp = delivery_date()
    return {
        "deliveryDate": stamp,
        "surveyDate": stamp,
        "workflows": counted,
        "numOfAllOrders": summary(every),
    }


def _not_supported(what: str) -> NotSupported:
    return NotSupported(f"{what} is not supported by Stellwerk: the Controller has no command for it")


@router.post("/suspend")
async def suspend(body: ModifyWorkflows, caller: CallerDep) -> dict[str, Any]:
    """Not supported (checked for the permission first)."""
    caller.require(SUSPEND_RESUME, body.controller_id)
    raise _not_supported("Suspending workflows")


@router.post("/resume")
async def resume(body: ModifyWorkflows, caller: CallerDep) -> dict[str, Any]:
    """Not supported (checked for the permission first)."""
    caller.require(SUSPEND_RESUME, body.controller_id)
    raise _not_supported("Resuming workflows")
