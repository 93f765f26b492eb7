"""The inventory's drafts and folders: store, read, list by folder, rename (items and whole folders).

Folders are configurations of type FOLDER, created for every ancestor of a stored path. Names are unique per
object type across folders in JS7; `read_by_name` lets the API check that before storing.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import ConfigurationType
from stellwerk.cockpit.db.repositories.folders import ROOT, ancestors, folder_of, in_folder, moved, name_of
from stellwerk.cockpit.db.tables import InvConfiguration

FOLDER = ConfigurationType.FOLDER


class Draft(msgspec.Struct, frozen=True, kw_only=True):
    """What the API stores: an object's JSON (JOC inventory dialect) at a path."""

    object_type: ConfigurationType
    path: str
    content: str | None
    valid: bool = True
    title: str | None = None


class Configuration(msgspec.Struct, frozen=True, kw_only=True):
    """A stored draft with its state: `deployed` and `released` turn false when the draft changes."""

    id: int
    object_type: ConfigurationType
    path: str
    name: str
    folder: str
    title: str | None
    content: str | None
    valid: bool
    deployed: bool
    released: bool
    created: int
    modified: int


def configuration(row: InvConfiguration) -> Configuration:
    return Configuration(
        id=row.id,
        object_type=row.object_type,
        path=row.path,
        name=row.name,
        folder=row.folder,
        title=row.title,
        content=row.content,
        valid=row.valid,
        deployed=row.deployed,
        released=row.released,
        created=row.created,
        modified=row.modified,
    )


class InventoryRepository:
    """Drafts and folders of the inventory."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def store(self, draft: Draft, now: int) -> Configuration:
        """Inserts or replaces the draft at (type, path), creating missing folders above it. A changed content
        makes it neither deployed nor released (until the next deployment or release)."""
        await self.ensure_folders(ancestors(draft.path), now)
        row = await self._row(draft.object_type, draft.path)
        if row is None:
            row = _new_row(draft.object_type, draft.path, now)
            self._session.add(row)
        elif row.content != draft.content:
            row.deployed = row.released = False
        row.content, row.valid, row.title, row.modified = draft.content, draft.valid, draft.title, now
        await self._session.flush()
        return configuration(row)

    async def ensure_folders(self, paths: Sequence[str], now: int) -> None:
        """Creates the FOLDER rows of `paths` that do not exist yet."""
        wanted = [path for path in paths if path != ROOT]
        found = await self._session.scalars(
            select(InvConfiguration.path).where(
                InvConfiguration.object_type == FOLDER, InvConfiguration.path.in_(wanted)
            )
        )
        existing = set(found)
        for path in wanted:
            if path not in existing:
                row = _new_row(FOLDER, path, now)
                row.content, row.valid, row.title, row.modified = None, True, None, now
                self._session.add(row)
        await self._session.flush()

    async def read(self, object_type: ConfigurationType, path: str) -> Configuration | None:
        """The configuration at (type, path)."""
        row = await self._row(object_type, path)
        return None if row is None else configuration(row)

    async def read_by_name(self, object_type: ConfigurationType, name: str) -> Configuration | None:
        """The configuration of that type and name, in whatever folder (not for FOLDER: folder names repeat)."""
        row = await self._session.scalar(
            select(InvConfiguration).where(
                InvConfiguration.object_type == object_type, InvConfiguration.name == name
            )
        )
        return None if row is None else configuration(row)

    async def read_by_id(self, configuration_id: int) -> Configuration | None:
        """The configuration with that id."""
        row = await self._session.get(InvConfiguration, configuration_id)
        return None if row is None else configuration(row)

    async def list_folder(
        self,
        folder: str,
        *,
        recursive: bool = False,
        object_types: Sequence[ConfigurationType] = (),
    ) -> list[Configuration]:
        """The configurations in `folder` (and below, when recursive), folders included unless `object_types`
        names the types wanted; ordered by path."""
        query = select(InvConfiguration).where(in_folder(InvConfiguration.folder, folder, recursive))
        if object_types:
            query = query.where(InvConfiguration.object_type.in_(object_types))
        rows = await self._session.scalars(
            query.order_by(InvConfiguration.path, InvConfiguration.object_type)
        )
        return [configuration(row) for row in rows]

    async def rename(
        self, object_type: ConfigurationType, path: str, new_path: str, now: int
    ) -> Configuration | None:
        """Moves and/or renames one item (not a folder: see `rename_folder`); None when it does not exist.
        The renamed item is a new object for the Controllers, so it is no longer deployed or released."""
        row = await self._row(object_type, path)
        if row is None or object_type == FOLDER:
            return None
        await self.ensure_folders(ancestors(new_path), now)
        row.path, row.name, row.folder, row.modified = new_path, name_of(new_path), folder_of(new_path), now
        if name_of(new_path) != name_of(path):
            row.deployed = row.released = False
        await self._session.flush()
        return configuration(row)

    async def rename_folder(self, path: str, new_path: str, now: int) -> int:
        """Moves the folder `path` with everything in and below it to `new_path`; the number of rows moved."""
        rows = list(
            await self._session.scalars(
                select(InvConfiguration).where(
                    in_folder(InvConfiguration.folder, path)
                    | ((InvConfiguration.object_type == FOLDER) & (InvConfiguration.path == path))
                )
            )
        )
        await self.ensure_folders(ancestors(new_path), now)
        for row in rows:
            row.path, row.folder = moved(row.path, path, new_path), folder_of(moved(row.path, path, new_path))
            row.name, row.modified = name_of(row.path), now
        await self._session.flush()
        return len(rows)

    async def set_deployed(self, configuration_ids: Sequence[int], deployed: bool) -> None:
        """Marks drafts as deployed (their content is what the Controllers have) or not."""
        rows = await self._session.scalars(
            select(InvConfiguration).where(InvConfiguration.id.in_(configuration_ids))
        )
        for row in rows:
            row.deployed = deployed
        await self._session.flush()

    async def names(self, object_types: Sequence[ConfigurationType]) -> dict[ConfigurationType, set[str]]:
        """The names of every object of these types, by type."""
        rows = await self._session.execute(
            select(InvConfiguration.object_type, InvConfiguration.name).where(
                InvConfiguration.object_type.in_(object_types)
            )
        )
        found: dict[ConfigurationType, set[str]] = {kind: set() for kind in object_types}
        for kind, name in rows:
            found[kind].add(name)
        return found

    async def paths(self, object_type: ConfigurationType) -> dict[str, str]:
        """The path of every object of this type, by its name (names are unique per type)."""
        rows = await self._session.execute(
            select(InvConfiguration.name, InvConfiguration.path).where(
                InvConfiguration.object_type == object_type
            )
        )
        return {str(name): str(path) for name, path in rows}

    async def invalid(self, object_types: Sequence[ConfigurationType]) -> list[Configuration]:
        """The configurations of these types marked invalid."""
        rows = await self._session.scalars(
            select(InvConfiguration).where(
                InvConfiguration.object_type.in_(object_types), InvConfiguration.valid.is_(False)
            )
        )
        return [configuration(row) for row in rows]

    async def set_valid(self, configuration_id: int, valid: bool) -> None:
        """Marks a draft valid or invalid (after its references changed), leaving its other state alone."""
        row = await self._session.get(InvConfiguration, configuration_id)
        if row is not None:
            row.valid = valid
            await self._session.flush()

    async def _row(self, object_type: ConfigurationType, path: str) -> InvConfiguration | None:
        return await self._session.scalar(
            select(InvConfiguration).where(
                InvConfiguration.object_type == object_type, InvConfiguration.path == path
            )
        )


def _new_row(object_type: ConfigurationType, path: str, now: int) -> InvConfiguration:
    return InvConfiguration(
        object_type=object_type,
        path=path,
        name=name_of(path),
        folder=folder_of(path),
        deployed=False,
        released=False,
        created=now,
    )
