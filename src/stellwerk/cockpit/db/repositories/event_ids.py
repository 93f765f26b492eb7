"""The last Controller EventId each consumer (`history`, the proxy of a Cockpit member) stored, to read the
Controller's event stream from there after a reconnect or restart. History stores it in the same transaction as
the history rows it wrote for those events, so they are never written twice nor lost."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.tables import StoredEventId


class EventIdRepository:
    """Loading and storing EventIds."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def load(self, controller_id: str, consumer: str) -> int | None:
        """The stored EventId, None when the consumer never stored one for that Controller."""
        return await self._session.scalar(
            select(StoredEventId.event_id).where(
                StoredEventId.controller_id == controller_id, StoredEventId.consumer == consumer
            )
        )

    async def store(self, controller_id: str, consumer: str, event_id: int, now: int) -> None:
        """Stores the EventId up to which the consumer has taken the events."""
        row = await self._session.get(StoredEventId, (controller_id, consumer))
        if row is None:
            self._session.add(
                StoredEventId(controller_id=controller_id, consumer=consumer, event_id=event_id, modified=now)
            )
        else:
            row.event_id, row.modified = event_id, now
        await self._session.flush()

    async def forget(self, controller_id: str) -> None:
        """Forgets every EventId of a Controller (when it is unregistered or its journal was reset)."""
        rows = await self._session.scalars(
            select(StoredEventId).where(StoredEventId.controller_id == controller_id)
        )
        for row in rows:
            await self._session.delete(row)
        await self._session.flush()
