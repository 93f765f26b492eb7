"""Released JOC-only objects (schedules, calendars, include scripts, job templates, reports): the version the
Daily Plan and the deployments use, separate from the draft being edited."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import ConfigurationType
from stellwerk.cockpit.db.repositories.folders import in_folder
from stellwerk.cockpit.db.tables import InvConfiguration, InvReleased


class Released(msgspec.Struct, frozen=True, kw_only=True):
    """A released object: the draft's content at the time of its release."""

    id: int
    configuration_id: int | None
    object_type: ConfigurationType
    path: str
    name: str
    folder: str
    content: str
    created: int
    modified: int


def _released(row: InvReleased) -> Released:
    return Released(
        id=row.id,
        configuration_id=row.configuration_id,
        object_type=row.object_type,
        path=row.path,
        name=row.name,
        folder=row.folder,
        content=row.content,
        created=row.created,
        modified=row.modified,
    )


class ReleaseRepository:
    """Releasing drafts, reading and recalling releases."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def release(self, object_type: ConfigurationType, path: str, now: int) -> Released | None:
        """Releases the draft at (type, path): its content replaces the release of that name, and the draft is
        marked released. None when there is no such draft or it has no content."""
        draft = await self._session.scalar(
            select(InvConfiguration).where(
                InvConfiguration.object_type == object_type, InvConfiguration.path == path
            )
        )
        if draft is None or draft.content is None:
            return None
        row = await self._by_name(object_type, draft.name)
        if row is None:
            row = InvReleased(object_type=object_type, name=draft.name, created=now)
            self._session.add(row)
        row.configuration_id, row.path, row.folder = draft.id, draft.path, draft.folder
        row.content, row.modified = draft.content, now
        draft.released = True
        await self._session.flush()
        return _released(row)

    async def released(self, object_type: ConfigurationType, name: str) -> Released | None:
        """The release of that type and name."""
        row = await self._by_name(object_type, name)
        return None if row is None else _released(row)

    async def list_released(
        self, folder: str = "/", *, recursive: bool = True, object_types: Sequence[ConfigurationType] = ()
    ) -> list[Released]:
        """The releases in `folder`, ordered by path."""
        query = select(InvReleased).where(in_folder(InvReleased.folder, folder, recursive))
        if object_types:
            query = query.where(InvReleased.object_type.in_(object_types))
        return [_released(row) for row in await self._session.scalars(query.order_by(InvReleased.path))]

    async def recall(self, object_type: ConfigurationType, name: str) -> bool:
        """Withdraws a release (JOC's "recall"); the draft stays, no longer released."""
        row = await self._by_name(object_type, name)
        if row is None:
            return False
        if row.configuration_id is not None:
            draft = await self._session.get(InvConfiguration, row.configuration_id)
            if draft is not None:
                draft.released = False
        await self._session.execute(delete(InvReleased).where(InvReleased.id == row.id))
        return True

    async def _by_name(self, object_type: ConfigurationType, name: str) -> InvReleased | None:
        return await self._session.scalar(
            select(InvReleased).where(InvReleased.object_type == object_type, InvReleased.name == name)
        )
