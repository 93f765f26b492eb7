"""The base of every request model: JOC's camelCase names, unknown fields refused (with their JSON path), strict
types; and JOC's `auditLog` parameter, which every changing request may carry."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class JocModel(BaseModel):
    """A JOC request or response object."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", strict=True, frozen=True
    )


class AuditParams(JocModel):
    """Why a change was made, written to the audit log."""

    comment: str | None = Field(default=None, max_length=2000)
    time_spent: int | None = Field(default=None, ge=0)
    ticket_link: str | None = Field(default=None, max_length=255)


class Audited(JocModel):
    """A request that changes something."""

    audit_log: AuditParams | None = None
