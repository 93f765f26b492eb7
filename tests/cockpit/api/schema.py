"""Checks of the Cockpit's answers against the JOC API's published schemas."""

from __future__ import annotations

from typing import Any

from tests import jsonschemas


def api_schema_errors(schema: str, document: Any) -> list[str]:
    """Violations of the API schema `schema` (relative to the API's schema folder, e.g.
    `security/securityConfiguration/permissions-schema.json`)."""
    return jsonschemas.schema_errors(jsonschemas.API + schema, document)


def assert_valid(schema: str, document: Any) -> None:
    errors = api_schema_errors(schema, document)
    assert not errors, "\n".join(errors[:20])
