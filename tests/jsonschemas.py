"""Validation against the published JS7 schemas (unmodified copies in tests/spec: the inventory schemas and the
JOC API's schemas, laid out as in their repositories so that their relative references resolve).

The schemas use two things a standard validator does not know: `extends` (the Java class hierarchy: the child
gets the parent's properties; its own `required` replaces the parent's) and polymorphism by `TYPE` (a reference to
an abstract schema such as the instruction schema means "the schema of that TYPE").
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SPEC = Path(__file__).parent / "spec"
URN = "urn:js7:"
# Where each copy lives in the repositories' layout (`raml/api/schemas/x` refers to `../../inventory/schemas/y`).
TREES = {
    "raml/inventory/schemas": SPEC / "inventory-schemas",
    "raml/api/schemas": SPEC / "api-schemas",
    "raml/controller/schemas": SPEC / "controller-schemas",
}
INVENTORY = "raml/inventory/schemas/"
API = "raml/api/schemas/"

_INSTRUCTIONS = {
    "Execute.Named": "namedJob", "If": "ifelse", "Try": "tryCatch", "Fork": "forkJoin", "ForkList": "forkList",
    "Finish": "finish", "Fail": "fail", "Retry": "retryInCatch", "Lock": "lock", "Prompt": "prompt",
    "PostNotice": "postNotice", "PostNotices": "postNotices", "ExpectNotice": "expectNotice",
    "ExpectNotices": "expectNotices", "ConsumeNotices": "consumeNotices", "ImplicitEnd": "implicitEnd",
    "AddOrder": "addOrder", "Cycle": "cycle", "StickySubagent": "stickySubagent", "Options": "options",
    "Break": "break", "CaseWhen": "caseWhen", "Sleep": "sleep", "AdmissionTime": "admissionTime",
    "Segment": "segment",
}  # fmt: skip
DISPATCH: dict[str, Mapping[str, str]] = {
    INVENTORY + "instruction/instruction-schema.json": _INSTRUCTIONS,
    INVENTORY + "instruction/schedule/repeat-schema.json": {
        "Periodic": "periodic", "Ticking": "ticking", "Continuous": "continuous",
    },
    INVENTORY + "job/admissionTimePeriod-schema.json": {
        "DailyPeriod": "dailyPeriod", "WeekdayPeriod": "weekdayPeriod", "MonthlyDatePeriod": "monthlyDatePeriod",
        "MonthlyLastDatePeriod": "monthlyLastDatePeriod", "MonthlyWeekdayPeriod": "monthlyWeekdayPeriod",
        "MonthlyLastWeekdayPeriod": "monthlyLastWeekdayPeriod", "SpecificDatePeriod": "specificDatePeriod",
    },
    INVENTORY + "job/admissionRestriction-schema.json": {"MonthRestriction": "monthRestriction"},
}  # fmt: skip


def schema_errors(relative: str, document: Any) -> list[str]:
    """Every violation of the schema at `relative` (e.g. `raml/api/schemas/order/ordersV-schema.json`) as
    "$.path: message"; empty if the document is valid."""
    validator = _validator(relative)
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]


@cache
def _validator(relative: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator({"$ref": URN + relative}, registry=_registry())


@cache
def _registry() -> Registry[Any]:
    raw = {
        f"{prefix}/{path.relative_to(root).as_posix()}": json.loads(path.read_text())
        for prefix, root in TREES.items()
        for path in root.rglob("*.json")
    }
    resources: dict[str, Resource[Any]] = {}
    for relative in raw:
        contents = _dispatching(relative) if relative in DISPATCH else _merged(relative, raw)
        resources[URN + relative] = DRAFT7.create_resource(contents)
    return Registry().with_resources(resources.items())


def _dispatching(relative: str) -> dict[str, Any]:
    folder = posixpath.dirname(relative)
    types = DISPATCH[relative]
    return {
        "type": "object",
        "required": ["TYPE"],
        "properties": {"TYPE": {"enum": sorted(types)}},
        "allOf": [
            {
                "if": {"properties": {"TYPE": {"const": t}}},
                "then": {"$ref": f"{URN}{folder}/{name}-schema.json"},
            }
            for t, name in types.items()
        ],
    }


def _merged(relative: str, raw: dict[str, Any]) -> dict[str, Any]:
    schema = _absolute_refs(raw[relative], posixpath.dirname(relative))
    schema.pop("$schema", None)
    extends = schema.pop("extends", None)
    if extends is None or "$ref" not in extends:  # a Java base class alone adds no properties
        return dict(schema)
    parent_path = posixpath.normpath(posixpath.join(posixpath.dirname(relative), extends["$ref"]))
    parent = _merged(parent_path, raw)
    merged = {**parent, **schema}
    merged["properties"] = {**parent.get("properties", {}), **schema.get("properties", {})}
    merged["required"] = schema.get("required", parent.get("required", []))
    if not merged["required"]:
        del merged["required"]
    return merged


def _absolute_refs(node: Any, folder: str) -> Any:
    if isinstance(node, list):
        return [_absolute_refs(v, folder) for v in node]
    if not isinstance(node, dict):
        return node
    result = {k: _absolute_refs(v, folder) for k, v in node.items() if k != "extends"}
    if "extends" in node:
        result["extends"] = node["extends"]  # resolved by _merged against the raw parent
    if isinstance(node.get("$ref"), str) and not node["$ref"].startswith(URN):
        result["$ref"] = URN + posixpath.normpath(posixpath.join(folder, node["$ref"]))
    return result
