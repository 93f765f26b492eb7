"""The inventory's trash: delete to the trash, list it, restore from it, empty it.

Deleting a folder moves the folder and everything below it. A path deleted twice keeps its latest version.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.base import affected_rows
from stellwerk.cockpit.db.enums import ConfigurationType
from stellwerk.cockpit.db.repositories.folders import ancestors, in_folder
from stellwerk.cockpit.db.repositories.inventory import Configuration, InventoryRepository, configuration
from stellwerk.cockpit.db.tables import InvConfiguration, InvTrash

FOLDER = ConfigurationType.FOLDER


class Trashed(msgspec.Struct, frozen=True, kw_only=True):
    """A configuration in the trash."""

    id: int
    object_type: ConfigurationType
    path: str
    name: str
    folder: str
    title: str | None
    content: str | None
    valid: bool
    created: int
    trashed: int


def _trashed(row: InvTrash) -> Trashed:
    return Trashed(
        id=row.id,
        object_type=row.object_type,
        path=row.path,
        name=row.name,
        folder=row.folder,
        title=row.title,
        content=row.content,
        valid=row.valid,
        created=row.created,
        trashed=row.trashed,
    )


def _subtree(
    table: type[InvConfiguration] | type[InvTrash], object_type: ConfigurationType, path: str
) -> ColumnElement[bool]:
    itself = (table.object_type == object_type) & (table.path == path)
    return itself | in_folder(table.folder, path) if object_type == FOLDER else itself


class TrashRepository:
    """Deleting to, listing, restoring from and emptying the trash."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def trash(self, object_type: ConfigurationType, path: str, now: int) -> int:
        """Moves the item (a folder: with everything below it) to the trash; the number of items moved."""
        rows = list(
            await self._session.scalars(
                select(InvConfiguration).where(_subtree(InvConfiguration, object_type, path))
            )
        )
        for row in rows:
            await self._session.execute(
                delete(InvTrash).where(InvTrash.object_type == row.object_type, InvTrash.path == row.path)
            )
            self._session.add(_to_trash(row, now))
            await self._session.delete(row)
        await self._session.flush()
        return len(rows)

    async def trashed(self, folder: str = "/", recursive: bool = True) -> list[Trashed]:
        """The trash's content in `folder`, ordered by path."""
        rows = await self._session.scalars(
            select(InvTrash).where(in_folder(InvTrash.folder, folder, recursive)).order_by(InvTrash.path)
        )
        return [_trashed(row) for row in rows]

    async def restore(self, object_type: ConfigurationType, path: str, now: int) -> list[Configuration]:
        """Moves the item (a folder: with everything below it) back into the inventory, with its folders;
        the items restored (none when an item of the same type and path exists again)."""
        rows = list(
            await self._session.scalars(select(InvTrash).where(_subtree(InvTrash, object_type, path)))
        )
        if not rows:
            return []
        taken = await self._session.scalar(
            select(InvConfiguration.id).where(
                InvConfiguration.object_type == object_type, InvConfiguration.path == path
            )
        )
        if taken is not None:
            return []
        await InventoryRepository(self._session).ensure_folders(ancestors(path), now)
        restored = [_from_trash(row, now) for row in rows]
        for row in rows:
            await self._session.delete(row)
        await self._session.flush()
        self._session.add_all(restored)
        await self._session.flush()
        return [configuration(row) for row in restored]

    async def empty(self, object_type: ConfigurationType, path: str) -> int:
        """Deletes the item (a folder: with everything below it) from the trash for good."""
        result = await self._session.execute(delete(InvTrash).where(_subtree(InvTrash, object_type, path)))
        return affected_rows(result)


def _to_trash(row: InvConfiguration, now: int) -> InvTrash:
    return InvTrash(
        object_type=row.object_type,
        path=row.path,
        name=row.name,
        folder=row.folder,
        title=row.title,
        content=row.content,
        valid=row.valid,
        created=row.created,
        trashed=now,
    )


def _from_trash(row: InvTrash, now: int) -> InvConfiguration:
    return InvConfiguration(
        object_type=row.object_type,
        path=row.path,
        name=row.name,
        folder=row.folder,
        title=row.title,
        content=row.content,
        valid=row.valid,
        deployed=False,
        released=False,
        created=row.created,
        modified=now,
    )
