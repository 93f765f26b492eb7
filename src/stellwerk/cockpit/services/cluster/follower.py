"""What a standby Cockpit does instead of History: it follows each Controller's event stream read-only and hands
every batch to the same listener History feeds (the event snapshots of `/joc/api/events`, the order views), so
a standby answers those APIs as the active member does. It writes no history and releases no events — the
active member's History does. It begins after the EventId History stored last, which the Controller still
keeps; when the Controller has released events it still wanted (History of the active member went ahead), it
starts again from the EventId stored then."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from stellwerk.cockpit.db.repositories.event_ids import EventIdRepository
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.errors import JocError
from stellwerk.cockpit.services.history import (
    BACKOFF,
    BATCH,
    CONSUMER,
    WAIT_SECONDS,
    BatchListener,
    HistoryServices,
)
from stellwerk.cockpit.services.proxy import ControllerProxy

logger = logging.getLogger(__name__)


async def follow(database: Database, proxy: ControllerProxy, on_batch: BatchListener | None) -> None:
    """Follows one Controller until cancelled."""
    after: int | None = None
    failures = 0
    while True:
        try:
            if after is None:
                async with database.reading() as db:
                    after = await EventIdRepository(db).load(proxy.controller_id, CONSUMER) or 0
            events = await proxy.events(after, WAIT_SECONDS, BATCH)
            failures = 0
            if events:
                if on_batch is not None:
                    on_batch(proxy.controller_id, events)
                after = int(events[-1]["eventId"])
        except (JocError, SQLAlchemyError, OSError) as error:
            after = None
            delay = BACKOFF[min(failures, len(BACKOFF) - 1)]
            failures += 1
            logger.info("Standby following %s: %s; again in %s s", proxy.controller_id, error, delay)
            await asyncio.sleep(delay)


class Followers(HistoryServices):
    """A follower per registered Controller while this member is standby (History's bookkeeping of tasks, each
    task a follower instead of a History)."""

    def registered(self, proxy: ControllerProxy) -> None:
        self.forgotten(proxy.controller_id)
        self._tasks[proxy.controller_id] = asyncio.create_task(
            follow(self._database, proxy, self._on_batch), name=f"standby follower {proxy.controller_id}"
        )
