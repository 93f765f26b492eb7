"""The audit log: every change made through the API writes one entry (account, request, the request's
parameters, JOC's `auditLog` comment, time spent and ticket link, the objects touched) in the transaction of
the change itself, so an entry exists exactly when the change does."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.api.models import Audited
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.repositories.audit import AuditEntry, AuditObject, AuditRepository
from stellwerk.cockpit.security.guard import Caller


async def audit(
    db: AsyncSession,
    caller: Caller,
    request: str,
    category: AuditCategory,
    body: BaseModel | None,
    now: int,
    *,
    controller_id: str | None = None,
    objects: Iterable[tuple[str, str]] = (),
) -> int:
    """Writes the entry for one request (`request` as JOC names it, e.g. `./orders/add`); `objects` are
    (object type, path) pairs. Returns the entry's id."""
    params = body.audit_log if isinstance(body, Audited) else None
    entry = AuditEntry(
        account=caller.account,
        request=request,
        category=category,
        controller_id=controller_id,
        comment=params.comment if params else None,
        parameters=body.model_dump_json(by_alias=True, exclude_none=True) if body is not None else None,
        time_spent=params.time_spent if params else None,
        ticket_link=params.ticket_link if params else None,
        objects=tuple(AuditObject(object_type=kind, path=path) for kind, path in objects),
    )
    return await AuditRepository(db).write(entry, now)
