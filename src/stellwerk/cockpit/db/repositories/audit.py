"""The audit log: every modifying request with its account, time, category, comment, time spent, ticket link
and the objects it touched (JOC's `auditLog`)."""

from __future__ import annotations

import msgspec
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.repositories.folders import FolderFilter, folder_of, in_folders
from stellwerk.cockpit.db.tables import AuditLog, AuditLogObject


class AuditObject(msgspec.Struct, frozen=True, kw_only=True):
    """An object a request touched: JOC's audit object type (WORKFLOW, ORDER, …) and its path."""

    object_type: str
    path: str


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """What the API writes for one request."""

    account: str
    request: str
    category: AuditCategory
    controller_id: str | None = None
    comment: str | None = None
    parameters: str | None = None  # the request as JSON
    time_spent: int | None = None  # minutes
    ticket_link: str | None = None
    commit_id: str | None = None
    objects: tuple[AuditObject, ...] = ()


class AuditRecord(AuditEntry, frozen=True, kw_only=True):
    """A stored entry."""

    id: int
    created: int


class AuditFilter(msgspec.Struct, frozen=True, kw_only=True):
    """The audit-log view's filters; `folders` match the folders of the touched objects."""

    controller_id: str | None = None
    accounts: tuple[str, ...] = ()
    categories: tuple[AuditCategory, ...] = ()
    date_from: int | None = None
    date_to: int | None = None
    ticket_link: str | None = None
    comment: str | None = None  # a part of the comment
    object_types: tuple[str, ...] = ()
    folders: tuple[FolderFilter, ...] = ()
    limit: int | None = 1000


_ENTRY_FIELDS = tuple(f for f in AuditEntry.__struct_fields__ if f != "objects")


class AuditRepository:
    """Writing and reading the audit log."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def write(self, entry: AuditEntry, now: int) -> int:
        """Adds an entry; its id."""
        row = AuditLog(**{field: getattr(entry, field) for field in _ENTRY_FIELDS}, created=now)
        self._session.add(row)
        await self._session.flush()
        if entry.objects:
            # One executemany: the ORM would insert the objects one at a time to learn ids nobody needs.
            await self._session.execute(
                insert(AuditLogObject),
                [
                    {
                        "audit_id": row.id,
                        "object_type": o.object_type,
                        "path": o.path,
                        "folder": folder_of(o.path),
                    }
                    for o in entry.objects
                ],
            )
        return row.id

    async def search(self, wanted: AuditFilter) -> list[AuditRecord]:
        """Entries newest first, with their objects."""
        query = select(AuditLog)
        if wanted.controller_id is not None:
            query = query.where(AuditLog.controller_id == wanted.controller_id)
        if wanted.accounts:
            query = query.where(AuditLog.account.in_(wanted.accounts))
        if wanted.categories:
            query = query.where(AuditLog.category.in_(wanted.categories))
        if wanted.date_from is not None:
            query = query.where(AuditLog.created >= wanted.date_from)
        if wanted.date_to is not None:
            query = query.where(AuditLog.created < wanted.date_to)
        if wanted.ticket_link is not None:
            query = query.where(AuditLog.ticket_link == wanted.ticket_link)
        if wanted.comment is not None:
            query = query.where(AuditLog.comment.contains(wanted.comment, autoescape=True))
        if wanted.object_types:
            typed = select(AuditLogObject.audit_id).where(AuditLogObject.object_type.in_(wanted.object_types))
            query = query.where(AuditLog.id.in_(typed))
        if wanted.folders:
            touched = select(AuditLogObject.audit_id).where(in_folders(AuditLogObject.folder, wanted.folders))
            query = query.where(AuditLog.id.in_(touched))
        query = query.order_by(AuditLog.created.desc(), AuditLog.id.desc())
        if wanted.limit is not None:
            query = query.limit(wanted.limit)
        rows = list(await self._session.scalars(query))
        objects = await self._objects([row.id for row in rows])
        return [_record(row, objects.get(row.id, ())) for row in rows]

    async def entry(self, audit_id: int) -> AuditRecord | None:
        """One entry with its objects."""
        row = await self._session.get(AuditLog, audit_id)
        if row is None:
            return None
        objects = await self._objects([audit_id])
        return _record(row, objects.get(audit_id, ()))

    async def _objects(self, audit_ids: list[int]) -> dict[int, tuple[AuditObject, ...]]:
        found: dict[int, tuple[AuditObject, ...]] = {}
        if not audit_ids:
            return found
        rows = await self._session.scalars(
            select(AuditLogObject).where(AuditLogObject.audit_id.in_(audit_ids)).order_by(AuditLogObject.id)
        )
        for row in rows:
            found[row.audit_id] = (
                *found.get(row.audit_id, ()),
                AuditObject(object_type=row.object_type, path=row.path),
            )
        return found


def _record(row: AuditLog, objects: tuple[AuditObject, ...]) -> AuditRecord:
    fields = {field: getattr(row, field) for field in _ENTRY_FIELDS}
    return AuditRecord(**fields, objects=objects, id=row.id, created=row.created)
