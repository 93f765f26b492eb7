"""`/joc/api/workflows`: the workflows deployed to a Controller (JOC's controller workflow with its sync state,
every instruction with its position), how many orders each has in JOC's state groups (`/workflows/order_count`).
`/workflows/suspend|resume` suspend and resume whole workflows (the Controller's ControlWorkflowPath), and the
listing shows them suspended, with their skipped and stopped jobs, as JOC does."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stellwerk.cockpit.api.models import Audited
from stellwerk.cockpit.api.orders_common import (
    SUSPEND_RESUME,
    VIEW,
    WORKFLOWS_VIEW,
    controller_orders,
    ok_answer,
    paths_of,
    refusal,
)
from stellwerk.cockpit.api.orders_models import ModifyWorkflows, WorkflowOrderCountFilter, WorkflowsFilter
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.repositories.folders import FolderFilter
from stellwerk.cockpit.errors import (
    BadRequest,
    ControllerUnreachable,
    JocError,
    NotSupported,
    UnknownObject,
    delivery_date,
)
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.order_states import joc_state, summary
from stellwerk.cockpit.services.orders import WorkflowRef, in_folder, joc_path
from stellwerk.cockpit.services.workflows import WorkflowControls, workflow_view

router = APIRouter(prefix="/joc/api/workflows", tags=["workflows"], strict_content_type=False)


async def deployed_workflows(
    cockpit: Cockpit, controller_id: str, items: list[Any] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """The Controller's workflows (engine JSON) with their inventory paths; the newest version of a path
    last. `items`: the Controller's items, if they have been read already."""
    if items is None:
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


def _in_states(view: dict[str, Any], states: list[str] | None, instruction_states: list[str] | None) -> bool:
    if states and view["state"]["_text"] not in states:
        return False
    counts = {"SKIPPED": view["numOfSkippedInstructions"], "STOPPED": view["numOfStoppedInstructions"]}
    return not instruction_states or any(counts.get(state, 0) for state in instruction_states)


@router.post("")
async def workflows(body: WorkflowsFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The deployed workflows, filtered by ids, folders, their state (SUSPENDED, IN_SYNC) and the states of their
    jobs (SKIPPED, STOPPED)."""
    caller.require(WORKFLOWS_VIEW, body.controller_id)
    if body.workflow_tags or body.order_tags or body.agent_names:
        raise NotSupported("$: filtering workflows by tags or agents is not supported by Stellwerk")
    refs = tuple(w.ref() for w in body.workflow_ids or ())
    folders = tuple(f.filter() for f in body.folders or ())
    found = []
    items = await cockpit.proxies.get(body.controller_id).items()
    for path, item in await deployed_workflows(cockpit, body.controller_id, items):
        version_id = str(item.get("versionId", ""))
        if caller.sees(path, body.controller_id) and _wanted(path, version_id, refs, folders):
            controls = WorkflowControls.of(items, str(item.get("path")), version_id)
            view = workflow_view(item, path, version_id, compact=body.compact, controls=controls)
            if _in_states(view, body.states, body.instruction_states):
                found.append(view)
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


async def send_controls(
    cockpit: Cockpit,
    caller: Caller,
    body: Audited,
    *,
    controller_id: str,
    request: str,
    workflow_paths: list[str],
    commands: list[dict[str, Any]],
    object_type: str = "WORKFLOW",
) -> dict[str, Any]:
    """Sends the control commands (one Batch, all or nothing) with the audit entry naming the objects (workflows,
    unless `object_type` says otherwise), in one transaction: a command the Controller refuses writes no entry."""
    proxy = cockpit.proxies.get(controller_id)
    async with cockpit.database.session() as db:
        await audit(
            db, caller, request, AuditCategory.CONTROLLER, body, cockpit.now(),
            controller_id=controller_id, objects=[(object_type, path) for path in workflow_paths],
        )  # fmt: skip
        try:
            await proxy.command({"TYPE": "Batch", "commands": commands})
        except ControllerUnreachable:
            raise
        except JocError as error:
            raise BadRequest(refusal(error)) from None
    return ok_answer()


async def chosen_workflows(
    cockpit: Cockpit, caller: Caller, body: ModifyWorkflows
) -> list[tuple[str, dict[str, Any]]]:
    """The newest deployed version of each workflow the body names (by paths, or the folders, or all); a named
    workflow that is not deployed is a 420 naming it."""
    controller_id = body.controller_id
    newest = dict(await deployed_workflows(cockpit, controller_id))
    if body.workflow_paths:
        wanted = [
            _deployed_path(path, newest, f"$.workflowPaths[{n}]")
            for n, path in enumerate(body.workflow_paths)
        ]
    elif body.workflow_id is not None:
        wanted = [_deployed_path(body.workflow_id.path, newest, "$.workflowId.path")]
    elif body.folders or body.all:
        folders = tuple(f.filter() for f in body.folders or ())
        wanted = [p for p in newest if caller.sees(p, controller_id) and _wanted(p, "", (), folders)]
    else:
        raise BadRequest("$: name the workflows with workflowPaths, folders or all")
    for path in wanted:
        caller.require_folder(path, controller_id)
    return [(path, newest[path]) for path in dict.fromkeys(wanted)]


def _deployed_path(given: str, newest: dict[str, dict[str, Any]], field: str) -> str:
    """The inventory path of a deployed workflow named by its path (or, without a slash, its name)."""
    if given in newest:
        return given
    by_name = [path for path, item in newest.items() if "/" not in given and item.get("path") == given]
    if not by_name:
        raise UnknownObject(f"{field}: {given} is not deployed")
    return by_name[0]


async def _suspend_or_resume(
    body: ModifyWorkflows, caller: Caller, cockpit: Cockpit, suspend: bool
) -> dict[str, Any]:
    caller.require(SUSPEND_RESUME, body.controller_id)
    if body.workflow_tags:
        raise NotSupported("$.workflowTags: tags are not supported by Stellwerk")
    chosen = await chosen_workflows(cockpit, caller, body)
    if not chosen:
        return ok_answer()
    commands = [
        {"TYPE": "ControlWorkflowPath", "workflowPath": item["path"], "suspend": suspend}
        for _, item in chosen
    ]
    return await send_controls(
        cockpit, caller, body, controller_id=body.controller_id,
        request=f"./workflows/{'suspend' if suspend else 'resume'}",
        workflow_paths=[path for path, _ in chosen], commands=commands,
    )  # fmt: skip


@router.post("/suspend")
async def suspend(body: ModifyWorkflows, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Suspends the workflows: their orders start no new instruction (a running job finishes) until resumed."""
    return await _suspend_or_resume(body, caller, cockpit, suspend=True)


@router.post("/resume")
async def resume(body: ModifyWorkflows, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Resumes suspended workflows: their orders go on."""
    return await _suspend_or_resume(body, caller, cockpit, suspend=False)
