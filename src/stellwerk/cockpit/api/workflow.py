"""`/joc/api/workflow`: one deployed workflow with JOC's graph data (every instruction's position). Skipping and
stopping jobs (`/workflow/skip|unskip|stop|unstop`) needs Controller commands the engine does not have: those
endpoints check the permission and answer that they are not supported."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stellwerk.cockpit.api.orders_common import MANAGE_POSITIONS, WORKFLOWS_VIEW
from stellwerk.cockpit.api.orders_models import ModifyWorkflowLabels, ModifyWorkflowPositions, WorkflowFilter
from stellwerk.cockpit.api.workflows import deployed_workflows
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.errors import NotSupported, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import CallerDep
from stellwerk.cockpit.services.workflows import workflow_view

router = APIRouter(prefix="/joc/api/workflow", tags=["workflow"], strict_content_type=False)


@router.post("")
async def workflow(body: WorkflowFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The workflow (its newest version, or the version asked for)."""
    caller.require(WORKFLOWS_VIEW, body.controller_id)
    wanted = body.workflow_id
    caller.require_folder(wanted.path, body.controller_id)
    versions = [
        item
        for path, item in await deployed_workflows(cockpit, body.controller_id)
        if path == wanted.path and wanted.version_id in (None, item.get("versionId"))
    ]
    if not versions:
        raise UnknownObject(f"$.workflowId: {wanted.path} is not deployed to {body.controller_id}")
    item = versions[-1]
    view = workflow_view(item, wanted.path, str(item.get("versionId", "")), compact=body.compact)
    stamp = delivery_date()
    return {"deliveryDate": stamp, "surveyDate": stamp, "workflow": view}


def _not_supported(what: str) -> NotSupported:
    return NotSupported(f"{what} jobs is not supported by Stellwerk: the Controller has no command for it")


@router.post("/skip")
async def skip(body: ModifyWorkflowLabels, caller: CallerDep) -> dict[str, Any]:
    """Not supported (checked for the permission first)."""
    caller.require(MANAGE_POSITIONS, body.controller_id)
    raise _not_supported("Skipping")


@router.post("/unskip")
async def unskip(body: ModifyWorkflowLabels, caller: CallerDep) -> dict[str, Any]:
    """Not supported (checked for the permission first)."""
    caller.require(MANAGE_POSITIONS, body.controller_id)
    raise _not_supported("Unskipping")


@router.post("/stop")
async def stop(body: ModifyWorkflowPositions, caller: CallerDep) -> dict[str, Any]:
    """Not supported (checked for the permission first)."""
    caller.require(MANAGE_POSITIONS, body.controller_id)
    raise _not_supported("Stopping")


@router.post("/unstop")
async def unstop(body: ModifyWorkflowPositions, caller: CallerDep) -> dict[str, Any]:
    """Not supported (checked for the permission first)."""
    caller.require(MANAGE_POSITIONS, body.controller_id)
    raise _not_supported("Unstopping")
