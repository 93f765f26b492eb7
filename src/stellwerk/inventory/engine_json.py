"""Engine JSON read directly: which dialect a tree is in, and the engine's legacy names normalized (§1.11)."""

from __future__ import annotations

from typing import Any, Literal

from stellwerk.inventory.items import EngineItem
from stellwerk.inventory.kinds import ItemKind
from stellwerk.inventory.literals import quote_string
from stellwerk.inventory.located import Finding, Rejected, child, convert_struct
from stellwerk.model.items import FileWatch, GlobalBoard, JobResource, LockItem, PlannableBoard
from stellwerk.model.jobs import WorkflowJob
from stellwerk.model.workflow import Parameter, Workflow

Dialect = Literal["auto", "inventory", "engine"]

_ENGINE_KEYS = frozenset(
    {"agentPath", "jobResourcePaths", "ifThens", "lockPath", "boardPaths", "workflowPath", "processLimit",
     "sigkillDelay", "subagentBundleIdExpr", "variables", "postOrderToNoticeKey", "expectOrderToNoticeKey", "path"}
)  # fmt: skip
_INVENTORY_KEYS = frozenset(
    {"agentName", "jobResourceNames", "lockName", "noticeBoardNames", "noticeBoardName", "workflowName",
     "graceTimeout", "cases", "boardType", "subagentClusterId", "subagentClusterIdExpr", "remainWhenTerminated"}
)  # fmt: skip
# Maps whose keys are the user's names, not field names.
_USER_MAPS = frozenset(
    {"env", "arguments", "defaultArguments", "result", "jobArguments", "namedValues", "outcome"}
)

_ENGINE_TYPES: dict[ItemKind, Any] = {
    ItemKind.WORKFLOW: Workflow,
    ItemKind.LOCK: LockItem,
    ItemKind.NOTICEBOARD: GlobalBoard | PlannableBoard,
    ItemKind.JOBRESOURCE: JobResource,
    ItemKind.FILEORDERSOURCE: FileWatch,
}


def is_engine_json(tree: Any) -> bool:
    """Engine names and no inventory names anywhere (a mixture is read as inventory and rejected there)."""
    found: set[str] = set()
    _collect_keys(tree, found)
    return bool(found & _ENGINE_KEYS) and not found & _INVENTORY_KEYS


def _collect_keys(tree: Any, found: set[str]) -> None:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.update(node)
            stack.extend(v for k, v in node.items() if k not in _USER_MAPS)
            if node.get("TYPE") == "GlobalBoard":
                found.add("postOrderToNoticeKey")
        elif isinstance(node, list):
            stack.extend(node)


def convert_engine(kind: ItemKind, name: str, tree: dict[str, Any]) -> EngineItem | Finding:
    path = tree.get("path", name)
    if path != name:
        return Finding("$.path", f"{path!r} differs from the name {name!r} given by the file name")
    normalized = _normalize(tree) | {"path": name}
    if kind == ItemKind.NOTICEBOARD:
        normalized.setdefault("TYPE", "GlobalBoard")
    try:
        if kind == ItemKind.WORKFLOW:
            _check_entries(normalized, "jobs", WorkflowJob)
            _check_entries(normalized.get("orderPreparation"), "parameters", Parameter)
        item: EngineItem = convert_struct(normalized, _ENGINE_TYPES[kind])
    except Rejected as rejected:
        return rejected.finding
    return item


def _check_entries(tree: Any, field: str, type_: type[Any]) -> None:
    """Map entries one by one, so that a problem names the entry (msgspec says only `[...]`)."""
    entries = tree.get(field) if isinstance(tree, dict) else None
    path = "$.orderPreparation.parameters" if field == "parameters" else f"$.{field}"
    for name, entry in entries.items() if isinstance(entries, dict) else ():
        convert_struct(entry, type_, child(path, name))


def _normalize(tree: Any) -> Any:
    if isinstance(tree, list):
        return [_normalize(v) for v in tree if not (isinstance(v, dict) and v.get("TYPE") == "ImplicitEnd")]
    if not isinstance(tree, dict):
        return tree
    node = {k: (v if k in _USER_MAPS else _normalize(v)) for k, v in tree.items()}
    match node.get("TYPE"):
        case "If" if "predicate" in node:
            node["ifThens"] = [{"predicate": node.pop("predicate"), "then": node.pop("then", {})}]
        case "ScriptExecutable":
            node["TYPE"] = "ShellScriptExecutable"
        case "Board":
            node["TYPE"] = "GlobalBoard"
        case "AddOrder" | "AdmissionTime" | "Fail":
            node = _rename_legacy_fields(node)
        case "StickySubagent" | "ForkList":
            _rename(node, "subagentSelectionIdExpr", "subagentBundleIdExpr")
    _rename(node, "postOrderToNoticeId", "postOrderToNoticeKey")
    _rename(node, "expectOrderToNoticeId", "expectOrderToNoticeKey")
    if "executable" in node:  # a job
        _normalize_job(node)
    return node


def _rename_legacy_fields(node: dict[str, Any]) -> dict[str, Any]:
    _rename(node, "forceJobAdmission", "forceAdmission")
    _rename(node, "skipIfNoAdmissionForOrderDay", "skipIfNoAdmissionStartForOrderDay")
    return node


def _normalize_job(job: dict[str, Any]) -> None:
    _rename(job, "parallelism", "processLimit")
    _rename(job, "skipIfNoAdmissionForOrderDay", "skipIfNoAdmissionStartForOrderDay")
    _rename(job, "subagentSelectionIdExpr", "subagentBundleIdExpr")
    for constant in ("subagentBundleId", "subagentSelectionId"):
        if constant in job:
            value = job.pop(constant)
            job.setdefault("subagentBundleIdExpr", quote_string(value) if isinstance(value, str) else value)


def _rename(node: dict[str, Any], legacy: str, name: str) -> None:
    if legacy in node and name not in node:
        node[name] = node.pop(legacy)
