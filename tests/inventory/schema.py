"""Validation against the published JS7 inventory schemas (tests/spec/inventory-schemas, unmodified copies).

The schemas use two things a standard validator does not know: `extends` (the Java class hierarchy: the child
gets the parent's properties; its own `required` replaces the parent's) and polymorphism by `TYPE` (a reference to
the abstract instruction, repeat, period or restriction schema means "the schema of that TYPE").
"""

from __future__ import annotations

import json
import posixpath
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).parent.parent / "spec" / "inventory-schemas"
_URN = "urn:js7-inventory:"

_DISPATCH: dict[str, dict[str, str]] = {
    "instruction/instruction-schema.json": {
        "Execute.Named": "namedJob", "If": "ifelse", "Try": "tryCatch", "Fork": "forkJoin", "ForkList": "forkList",
        "Finish": "finish", "Fail": "fail", "Retry": "retryInCatch", "Lock": "lock", "Prompt": "prompt",
        "PostNotice": "postNotice", "PostNotices": "postNotices", "ExpectNotice": "expectNotice",
        "ExpectNotices": "expectNotices", "ConsumeNotices": "consumeNotices", "ImplicitEnd": "implicitEnd",
        "AddOrder": "addOrder", "Cycle": "cycle", "StickySubagent": "stickySubagent", "Options": "options",
        "Break": "break", "CaseWhen": "caseWhen", "Sleep": "sleep", "AdmissionTime": "admissionTime",
        "Segment": "segment",
    },
    "instruction/schedule/repeat-schema.json": {"Periodic": "periodic", "Ticking": "ticking", "Continuous": "continuous"},
    "job/admissionTimePeriod-schema.json": {
        "DailyPeriod": "dailyPeriod", "WeekdayPeriod": "weekdayPeriod", "MonthlyDatePeriod": "monthlyDatePeriod",
        "MonthlyLastDatePeriod": "monthlyLastDatePeriod", "MonthlyWeekdayPeriod": "monthlyWeekdayPeriod",
        "MonthlyLastWeekdayPeriod": "monthlyLastWeekdayPeriod", "SpecificDatePeriod": "specificDatePeriod",
    },
    "job/admissionRestriction-schema.json": {"MonthRestriction": "monthRestriction"},
}  # fmt: skip

KIND_SCHEMAS = {
    "workflow": "workflow/workflow-schema.json",
    "lock": "lock/lock-schema.json",
    "noticeboard": "board/board-schema.json",
    "jobresource": "jobresource/jobResource-schema.json",
    "fileordersource": "fileordersource/fileOrderSource-schema.json",
    "calendar": "calendar/calendar-schema.json",
    "schedule": "schedule/schedule-schema.json",
    "jobtemplate": "jobTemplate/jobTemplate-schema.json",
}


def schema_errors(kind: str, document: Any) -> list[str]:
    """Every violation as "$.path: message"; empty if the document is valid."""
    validator = _validator(KIND_SCHEMAS[kind])
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]


@cache
def _validator(relative: str) -> jsonschema.Draft7Validator:
    registry = _registry()
    return jsonschema.Draft7Validator({"$ref": _URN + relative}, registry=registry)


@cache
def _registry() -> Registry[Any]:
    raw = {
        path.relative_to(SCHEMAS).as_posix(): json.loads(path.read_text()) for path in SCHEMAS.rglob("*.json")
    }
    resources: dict[str, Resource[Any]] = {}
    for relative in raw:
        contents = _dispatching(relative) if relative in _DISPATCH else _merged(relative, raw)
        resources[_URN + relative] = DRAFT7.create_resource(contents)
    return Registry().with_resources(resources.items())


def _dispatching(relative: str) -> dict[str, Any]:
    folder = posixpath.dirname(relative)
    types = _DISPATCH[relative]
    return {
        "type": "object",
        "required": ["TYPE"],
        "properties": {"TYPE": {"enum": sorted(types)}},
        "allOf": [
            {
                "if": {"properties": {"TYPE": {"const": t}}},
                "then": {"$ref": f"{_URN}{folder}/{name}-schema.json"},
            }
            for t, name in types.items()
        ],
    }


def _merged(relative: str, raw: dict[str, Any]) -> dict[str, Any]:
    schema = _absolute_refs(raw[relative], posixpath.dirname(relative))
    schema.pop("$schema", None)
    extends = schema.pop("extends", None)
    if extends is None:
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
    if isinstance(node.get("$ref"), str) and not node["$ref"].startswith(_URN):
        result["$ref"] = _URN + posixpath.normpath(posixpath.join(folder, node["$ref"]))
    return result
