"""One inventory file (bytes and its name) -> the engine item or a Problem naming the file and the JSON path.

The dialect is JOC's inventory JSON unless the tree uses engine names only (or `dialect="engine"` is given).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from stellwerk.inventory import joc_items as ji
from stellwerk.inventory.convert import convert_inventory
from stellwerk.inventory.convert_instructions import SourceMap
from stellwerk.inventory.document import parse_document
from stellwerk.inventory.engine_json import Dialect, convert_engine, is_engine_json
from stellwerk.inventory.items import Item, RawItem
from stellwerk.inventory.kinds import FileName, ItemKind, split_file_name
from stellwerk.inventory.located import Finding, from_validation_error
from stellwerk.inventory.verify import verify_workflow
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow

_RAW_SCHEMAS: dict[ItemKind, type[msgspec.Struct]] = {
    ItemKind.CALENDAR: ji.JocCalendar,
    ItemKind.SCHEDULE: ji.JocSchedule,
    ItemKind.JOBTEMPLATE: ji.JocJobTemplate,
}
# Engine field names as the inventory spells them, for problems found on the converted workflow.
_INVENTORY_NAMES = {
    "lockPath": "lockName",
    "boardPaths": "noticeBoardNames",
    "workflowPath": "workflowName",
    "agentPath": "agentName",
    "jobResourcePaths": "jobResourceNames",
    "processLimit": "parallelism",
    "sigkillDelay": "graceTimeout",
    "subagentBundleIdExpr": "subagentClusterIdExpr",
    "namedValues": "outcome",
    "skipIfNoAdmissionStartForOrderDay": "skipIfNoAdmissionForOrderDay",
}
_FIELD = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)")


def decode_item(data: bytes, *, file_name: str, dialect: Dialect = "auto") -> Item | Problem:
    """Decode, convert and verify; every problem is returned, one per line, as "FILE: $.path: message"."""
    split = split_file_name(file_name)
    if isinstance(split, Problem):
        return split
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    try:
        result = _decode(data, split, dialect)
    except RecursionError:
        result = [Finding("$", "nesting too deep")]
    if isinstance(result, list):
        return Problem("\n".join(f"{base}: {finding}" for finding in result))
    return result


def _decode(data: bytes, split: FileName, dialect: Dialect) -> Item | list[Finding]:
    tree = parse_document(data, is_yaml=split.is_yaml)
    if isinstance(tree, Finding):
        return [tree]
    if split.kind in _RAW_SCHEMAS:
        return _raw_item(split, tree)
    source_map: SourceMap | None = None
    if dialect == "engine" or (dialect == "auto" and is_engine_json(tree)):
        item = convert_engine(split.kind, split.name, tree)
    else:
        converted = convert_inventory(split.kind, split.name, tree)
        item, source_map = converted if not isinstance(converted, Finding) else (converted, None)
    if isinstance(item, Finding):
        return [item]
    if isinstance(item, Workflow) and (findings := verify_workflow(item)):
        return [_in_inventory_terms(f, source_map) for f in findings] if source_map is not None else findings
    return item


def _raw_item(split: FileName, tree: dict[str, Any]) -> RawItem | list[Finding]:
    try:
        msgspec.convert(tree, _RAW_SCHEMAS[split.kind])
    except msgspec.ValidationError as error:
        return [from_validation_error(error, tree)]
    return RawItem(kind=split.kind, name=split.name, data=tree)


def _in_inventory_terms(finding: Finding, source_map: SourceMap) -> Finding:
    """The finding's engine path as the path in the inventory file (longest mapped prefix, then field names)."""
    path = finding.path
    for cut in [len(path), *sorted((m.start() for m in re.finditer(r"[.\[]", path)), reverse=True)]:
        if (inventory_prefix := source_map.get(path[:cut])) is not None:
            return Finding(inventory_prefix + _rename_fields(path[cut:]), finding.message)
    return Finding(_rename_fields(path), finding.message)


def _rename_fields(path: str) -> str:
    return _FIELD.sub(lambda m: "." + _INVENTORY_NAMES.get(m[1], m[1]), path)
