"""`/joc/api/workflow`: one deployed workflow with JOC's graph data (every instruction's position) and the state of
its jobs; skipping jobs by label (`/workflow/skip|unskip`, the Controller's ControlWorkflowPath) and stopping them
by position (`/workflow/stop|unstop`, breakpoints of the version: ControlWorkflow)."""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import APIRouter

from stellwerk.cockpit.api.orders_common import MANAGE_POSITIONS, WORKFLOWS_VIEW
from stellwerk.cockpit.api.orders_models import (
    ModifyWorkflowLabels,
    ModifyWorkflowPositions,
    ModifyWorkflows,
    WorkflowFilter,
)
from stellwerk.cockpit.api.workflows import chosen_workflows, deployed_workflows, send_controls
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.errors import BadRequest, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.orders import JocPosition, engine_position
from stellwerk.cockpit.services.workflows import WorkflowControls, workflow_view
from stellwerk.model.workflow import Workflow, find_label

router = APIRouter(prefix="/joc/api/workflow", tags=["workflow"], strict_content_type=False)


async def _deployed_version(
    cockpit: Cockpit, controller_id: str, path: str, version_id: str | None, items: list[Any] | None = None
) -> dict[str, Any]:
    """The deployed workflow (engine JSON): the version asked for, or the newest."""
    versions = [
        item
        for joc_path, item in await deployed_workflows(cockpit, controller_id, items)
        if joc_path == path and version_id in (None, item.get("versionId"))
    ]
    if not versions:
        raise UnknownObject(f"$.workflowId: {path} is not deployed to {controller_id}")
    return versions[-1]


@router.post("")
async def workflow(body: WorkflowFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The workflow (its newest version, or the version asked for)."""
    caller.require(WORKFLOWS_VIEW, body.controller_id)
    wanted = body.workflow_id
    caller.require_folder(wanted.path, body.controller_id)
    items = await cockpit.proxies.get(body.controller_id).items()
    item = await _deployed_version(cockpit, body.controller_id, wanted.path, wanted.version_id, items)
    version_id = str(item.get("versionId", ""))
    controls = WorkflowControls.of(items, str(item.get("path")), version_id)
    view = workflow_view(item, wanted.path, version_id, compact=body.compact, controls=controls)
    stamp = delivery_date()
    return {"deliveryDate": stamp, "surveyDate": stamp, "workflow": view}


async def _skip(body: ModifyWorkflowLabels, caller: Caller, cockpit: Cockpit, skip: bool) -> dict[str, Any]:
    caller.require(MANAGE_POSITIONS, body.controller_id)
    chosen = await chosen_workflows(
        cockpit,
        caller,
        ModifyWorkflows(controller_id=body.controller_id, workflow_paths=[body.workflow_path]),
    )
    [(path, item)] = chosen
    command = {
        "TYPE": "ControlWorkflowPath",
        "workflowPath": item["path"],
        "skip": dict.fromkeys(body.labels, skip),
    }
    return await send_controls(
        cockpit, caller, body, controller_id=body.controller_id,
        request=f"./workflow/{'skip' if skip else 'unskip'}", workflow_paths=[path], commands=[command],
    )  # fmt: skip


@router.post("/skip")
async def skip(body: ModifyWorkflowLabels, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Skips the workflow's jobs with these labels: orders arriving there move past them."""
    return await _skip(body, caller, cockpit, skip=True)


@router.post("/unskip")
async def unskip(body: ModifyWorkflowLabels, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Runs the skipped jobs with these labels again."""
    return await _skip(body, caller, cockpit, skip=False)


async def _stop(
    body: ModifyWorkflowPositions, caller: Caller, cockpit: Cockpit, stop: bool
) -> dict[str, Any]:
    caller.require(MANAGE_POSITIONS, body.controller_id)
    if body.workflow_id is None:
        raise BadRequest("$.workflowId: required")
    wanted = body.workflow_id
    caller.require_folder(wanted.path, body.controller_id)
    item = await _deployed_version(cockpit, body.controller_id, wanted.path, wanted.version_id)
    workflow = msgspec.convert(item, Workflow)
    positions = [_position(workflow, given, n) for n, given in enumerate(body.positions)]
    command = {
        "TYPE": "ControlWorkflow",
        "workflowId": {"path": workflow.path, "versionId": workflow.version_id},
        "addBreakpoints" if stop else "removeBreakpoints": positions,
    }
    return await send_controls(
        cockpit, caller, body, controller_id=body.controller_id,
        request=f"./workflow/{'stop' if stop else 'unstop'}", workflow_paths=[wanted.path], commands=[command],
    )  # fmt: skip


def _position(workflow: Workflow, given: JocPosition, n: int) -> list[int | str]:
    """The engine position of a position (array or printed) or of a label."""
    position = engine_position(given)
    if isinstance(position, str):
        found = find_label(workflow, position)
        if found is None:
            raise BadRequest(f"$.positions[{n}]: no instruction is labelled {position!r}")
        position = found
    return list(position)


@router.post("/stop")
async def stop(body: ModifyWorkflowPositions, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Stops the jobs at these positions (or labels) of a workflow version: an order arriving there is suspended
    (resuming it runs the job)."""
    return await _stop(body, caller, cockpit, stop=True)


@router.post("/unstop")
async def unstop(body: ModifyWorkflowPositions, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Lets the stopped jobs at these positions run again."""
    return await _stop(body, caller, cockpit, stop=False)
