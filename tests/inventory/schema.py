"""Validation of inventory documents against the published JS7 inventory schemas (see tests/jsonschemas.py)."""

from __future__ import annotations

from typing import Any

from tests import jsonschemas

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
    return jsonschemas.schema_errors(jsonschemas.INVENTORY + KIND_SCHEMAS[kind], document)
