"""Deployed workflows as JOC shows them: the inventory path of each workflow the Controller knows by name (from
the deployment history), the workflow's JSON with every instruction's `position` and `positionString` (JOC's
graph data), and its sync state. `with_positions` and `workflow_view` are pure."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import ConfigurationType
from stellwerk.cockpit.db.repositories.deployments import DeploymentRepository
from stellwerk.cockpit.db.repositories.inventory import InventoryRepository
from stellwerk.model.position import Position, normalized, to_string

IN_SYNC = {"severity": 6, "_text": "IN_SYNC"}
# The severities JOC gives a suspended workflow and a stopped or skipped job [?: JOC's colour codes].
SUSPENDED = {"severity": 5, "_text": "SUSPENDED"}
INSTRUCTION_SEVERITY = {"SKIPPED": 5, "STOPPED": 2}

# Blocks an instruction holds (in engine JSON and in JOC's inventory JSON alike) and their branch ids.
_BLOCKS = {
    "then": "then",
    "else": "else",
    "try": "try+0",
    "catch": "catch+0",
    "lockedWorkflow": "lock",
    "cycleWorkflow": "cycle",
}
_BY_TYPE = {
    ("ForkList", "workflow"): "fork",
    ("ConsumeNotices", "subworkflow"): "consumeNotices",
    ("StickySubagent", "subworkflow"): "stickySubagent",
    ("Options", "block"): "options",
    ("AdmissionTime", "block"): "admissionTime",
}


async def workflow_paths(db: AsyncSession, controller_id: str) -> dict[str, str]:
    """The inventory path of every workflow by its name on the Controller: where it was deployed to the
    Controller, else (deployed some other way) where the inventory has a workflow of that name."""
    return await item_paths(db, controller_id, ConfigurationType.WORKFLOW)


async def item_paths(db: AsyncSession, controller_id: str, object_type: ConfigurationType) -> dict[str, str]:
    """The inventory path of every item of a type by its name on the Controller (see `workflow_paths`)."""
    deployed = await DeploymentRepository(db).deployed(controller_id, object_types=(object_type,))
    known = await InventoryRepository(db).paths(object_type)
    return known | {item.name: item.path for item in deployed}


def _block(block: dict[str, Any], branch: tuple[int | str, ...]) -> dict[str, Any]:
    return {**block, "instructions": with_positions(list(block["instructions"]), branch)}


def _is_block(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("instructions"), list)


def _inner_positions(instruction: dict[str, Any], position: tuple[int | str, ...]) -> dict[str, Any]:
    kind = str(instruction.get("TYPE"))
    shown = dict(instruction)
    for field, value in instruction.items():
        bid = _BLOCKS.get(field) or _BY_TYPE.get((kind, field))
        if bid is not None and _is_block(value):
            shown[field] = _block(value, (*position, bid))
    if isinstance(instruction.get("ifThens"), list):
        shown["ifThens"] = [
            {**item, "then": _block(item["then"], (*position, "then" if k == 1 else f"then+{k}"))}
            if isinstance(item, dict) and _is_block(item.get("then"))
            else item
            for k, item in enumerate(instruction["ifThens"], 1)
        ]
    if isinstance(instruction.get("branches"), list):
        shown["branches"] = [
            {**item, "workflow": _block(item["workflow"], (*position, f"fork+{item.get('id', '')}"))}
            if isinstance(item, dict) and _is_block(item.get("workflow"))
            else item
            for item in instruction["branches"]
        ]
    return shown


def with_positions(instructions: list[Any], branch: tuple[int | str, ...] = ()) -> list[Any]:
    """The instructions (a copy) with each one's `position` (array) and `positionString` ("1/then:0")."""
    annotated = []
    for n, instruction in enumerate(instructions):
        if isinstance(instruction, dict):
            position = (*branch, n)
            instruction = _inner_positions(instruction, position)
            instruction["position"] = list(position)
            instruction["positionString"] = to_string(position)
        annotated.append(instruction)
    return annotated


# The engine's names of job fields and JOC's (js7-reference §1.11), for showing a deployed job as JOC does.
_JOC_JOB_FIELDS = {
    "agentPath": "agentName",
    "processLimit": "parallelism",
    "jobResourcePaths": "jobResourceNames",
    "subagentBundleIdExpr": "subagentClusterIdExpr",
    "subagentBundleId": "subagentClusterId",
}


def joc_job(job: dict[str, Any]) -> dict[str, Any]:
    """A job of a deployed workflow with JOC's field names."""
    return {_JOC_JOB_FIELDS.get(field, field): value for field, value in job.items()}


def workflow_view(
    content: dict[str, Any],
    path: str,
    version_id: str,
    *,
    compact: bool,
    controls: WorkflowControls | None = None,
) -> dict[str, Any]:
    """JOC's controller workflow of a deployed workflow's JSON; compact leaves out all but the instructions (which
    the published schema requires). With the workflow's controls: suspended, and its skipped and stopped jobs."""
    view: dict[str, Any] = {"path": path, "versionId": version_id}
    view["instructions"] = with_positions(list(content.get("instructions") or ()))
    if not compact:
        for field in ("orderPreparation", "jobResourceNames", "timeZone", "title", "documentationName"):
            if field in content:
                view[field] = content[field]
        if content.get("jobs"):
            view["jobs"] = {name: joc_job(job) for name, job in content["jobs"].items()}
    view.update({"state": IN_SYNC, "suspended": False, "isCurrentVersion": True, "deployed": True})
    return _controlled(view, controls) if controls is not None else view


class WorkflowControls(NamedTuple):
    """The Controller's WorkflowPathControl of the workflow's path and WorkflowControl of its version (engine
    JSON), if it has them."""

    path: dict[str, Any] | None = None
    version: dict[str, Any] | None = None

    @staticmethod
    def of(items: list[Any], name: str, version_id: str) -> WorkflowControls:
        def find(kind: str, wanted: Any) -> dict[str, Any] | None:
            key = "path" if kind == "WorkflowPathControl" else "id"
            return next((i for i in items if i.get("TYPE") == kind and i.get(key) == wanted), None)

        return WorkflowControls(
            find("WorkflowPathControl", name),
            find("WorkflowControl", {"path": name, "versionId": version_id}),
        )


def _controlled(view: dict[str, Any], controls: WorkflowControls) -> dict[str, Any]:
    skip = set((controls.path or {}).get("skip", ()))
    breakpoints = {normalized(tuple(p)) for p in (controls.version or {}).get("breakpoints", ())}
    counts = {"SKIPPED": 0, "STOPPED": 0}

    def mark(value: Any) -> Any:
        if isinstance(value, list):
            return [mark(item) for item in value]
        if not isinstance(value, dict):
            return value
        marked = {field: mark(item) for field, item in value.items()}
        states = _instruction_states(value, skip, breakpoints)
        for state in states:
            counts[state] += 1
        if states:  # a job both stopped and skipped shows as stopped
            marked["state"] = {"severity": INSTRUCTION_SEVERITY[states[0]], "_text": states[0]}
        return marked

    shown = {**view, "instructions": mark(view["instructions"])}
    if (controls.path or {}).get("suspended"):
        shown.update(state=SUSPENDED, suspended=True)
    shown.update(numOfSkippedInstructions=counts["SKIPPED"], numOfStoppedInstructions=counts["STOPPED"])
    return shown


def _instruction_states(value: dict[str, Any], skip: set[str], breakpoints: set[Position]) -> list[str]:
    position = value.get("position")
    if not isinstance(position, list) or "TYPE" not in value:
        return []
    stopped = ["STOPPED"] if normalized(tuple(position)) in breakpoints else []
    is_job = str(value["TYPE"]).startswith("Execute")
    return stopped + (["SKIPPED"] if is_job and value.get("label") in skip else [])
