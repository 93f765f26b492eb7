"""Inventory changes: named groups of inventory objects (JS7 2.7) with their owner, state and times. An object
leaves every change when it leaves the inventory (the rows cascade)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import ChangeState
from stellwerk.cockpit.db.repositories.inventory import Configuration, configuration
from stellwerk.cockpit.db.tables import InvChange, InvChangeItem, InvConfiguration


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """A stored change; `configurations` only when asked for."""

    id: int
    name: str
    title: str | None
    state: ChangeState
    owner: str
    last_published_by: str | None
    created: int
    modified: int
    closed: int | None
    configurations: tuple[Configuration, ...] = ()


class ChangeFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which changes to list; a time span is (from, to) in epoch milliseconds, `to` open when None."""

    names: Sequence[str] = ()
    states: Sequence[ChangeState] = ()
    owner: str | None = None
    last_published_by: str | None = None
    created: tuple[int, int | None] | None = None
    modified: tuple[int, int | None] | None = None
    closed: tuple[int, int | None] | None = None
    details: bool = False


def _change(row: InvChange, configurations: Sequence[Configuration] = ()) -> Change:
    return Change(
        id=row.id,
        name=row.name,
        title=row.title,
        state=row.state,
        owner=row.owner,
        last_published_by=row.last_published_by,
        created=row.created,
        modified=row.modified,
        closed=row.closed,
        configurations=tuple(configurations),
    )


class ChangeRepository:
    """Storing, listing and deleting changes and the objects in them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def read(self, name: str, *, details: bool = False) -> Change | None:
        found = await self.changes(ChangeFilter(names=[name], details=details))
        return found[0] if found else None

    async def store(
        self, name: str, title: str | None, state: ChangeState | None, account: str, now: int
    ) -> Change:
        """Creates the change (OPEN unless a state is given, owned by `account`) or changes its title and
        state; closing stamps `closed`, publishing records `account` as the last publisher."""
        row = await self._row(name)
        if row is None:
            row = InvChange(name=name, owner=account, state=ChangeState.OPEN, created=now, closed=None)
            self._session.add(row)
        if title is not None:
            row.title = title
        if state is not None and state != row.state:
            row.state = state
            row.closed = None if state == ChangeState.OPEN else now
            if state == ChangeState.PUBLISHED:
                row.last_published_by = account
        row.modified = now
        await self._session.flush()
        return _change(row)

    async def add(self, change_id: int, configuration_ids: Sequence[int], now: int) -> int:
        """Puts objects into a change (those in it already stay); how many were added."""
        present = set(await self._item_ids(change_id))
        added = [i for i in dict.fromkeys(configuration_ids) if i not in present]
        self._session.add_all(InvChangeItem(change_id=change_id, configuration_id=i) for i in added)
        await self._touch(change_id, now)
        return len(added)

    async def remove(self, change_id: int, configuration_ids: Sequence[int], now: int) -> None:
        """Takes objects out of a change."""
        await self._session.execute(
            delete(InvChangeItem).where(
                InvChangeItem.change_id == change_id, InvChangeItem.configuration_id.in_(configuration_ids)
            )
        )
        await self._touch(change_id, now)

    async def delete(self, change_ids: Sequence[int]) -> None:
        await self._session.execute(delete(InvChangeItem).where(InvChangeItem.change_id.in_(change_ids)))
        await self._session.execute(delete(InvChange).where(InvChange.id.in_(change_ids)))

    async def changes(self, wanted: ChangeFilter) -> list[Change]:
        """The changes the filter selects, by name."""
        query = select(InvChange).order_by(InvChange.name)
        if wanted.names:
            query = query.where(InvChange.name.in_(wanted.names))
        if wanted.states:
            query = query.where(InvChange.state.in_(wanted.states))
        if wanted.owner is not None:
            query = query.where(InvChange.owner == wanted.owner)
        if wanted.last_published_by is not None:
            query = query.where(InvChange.last_published_by == wanted.last_published_by)
        for column, span in (
            (InvChange.created, wanted.created),
            (InvChange.modified, wanted.modified),
            (InvChange.closed, wanted.closed),
        ):
            if span is not None:
                query = query.where(column >= span[0])
                if span[1] is not None:
                    query = query.where(column <= span[1])
        rows = list(await self._session.scalars(query))
        if not wanted.details:
            return [_change(row) for row in rows]
        return [_change(row, await self.configurations(row.id)) for row in rows]

    async def configurations(self, change_id: int) -> list[Configuration]:
        """The objects of a change, by path."""
        rows = await self._session.scalars(
            select(InvConfiguration)
            .join(InvChangeItem, InvChangeItem.configuration_id == InvConfiguration.id)
            .where(InvChangeItem.change_id == change_id)
            .order_by(InvConfiguration.path, InvConfiguration.object_type)
        )
        return [configuration(row) for row in rows]

    async def _item_ids(self, change_id: int) -> list[int]:
        rows = await self._session.scalars(
            select(InvChangeItem.configuration_id).where(InvChangeItem.change_id == change_id)
        )
        return list(rows)

    async def _touch(self, change_id: int, now: int) -> None:
        row = await self._session.get(InvChange, change_id)
        assert row is not None
        row.modified = now
        await self._session.flush()

    async def _row(self, name: str) -> InvChange | None:
        return await self._session.scalar(select(InvChange).where(InvChange.name == name))
