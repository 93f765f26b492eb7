"""The in-memory stream of recently persisted events, for readers that follow the journal (the event API).

Keeps the last `keep` events (at least); a reader asking for events after an EventId that is no longer kept
gets a Problem ("torn") and must start again from a snapshot, as in JS7.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import AsyncIterator, Sequence

from stellwerk.journal.stamped import Stamped
from stellwerk.model.problems import Problem


class TornEventStream(LookupError):
    """The events a reader follows are no longer kept in memory."""


class EventStream:
    """Published events in EventId order; readers poll `after`, long-poll `wait_after` or iterate."""

    def __init__(self, last_event_id: int, keep: int = 10_000) -> None:
        self._keep = keep
        self._events: list[Stamped] = []
        self._ids: list[int] = []
        # Readers may continue after this EventId or any later one.
        self._oldest_after = last_event_id
        self._last_event_id = last_event_id
        self._published = asyncio.Event()

    @property
    def last_event_id(self) -> int:
        return self._last_event_id

    def publish(self, stamped: Sequence[Stamped]) -> None:
        if not stamped:
            return
        self._events.extend(stamped)
        self._ids.extend(s.event_id for s in stamped)
        self._last_event_id = stamped[-1].event_id
        if len(self._events) > 2 * self._keep:
            drop = len(self._events) - self._keep
            self._oldest_after = self._ids[drop - 1]
            del self._events[:drop], self._ids[:drop]
        published, self._published = self._published, asyncio.Event()
        published.set()

    def after(self, event_id: int, limit: int | None = None) -> list[Stamped] | Problem:
        """The kept events after `event_id` (at most `limit`), at once."""
        if event_id < self._oldest_after:
            return Problem(f"Torn event stream: events after {event_id} are no longer kept")
        if event_id > self._last_event_id:
            return Problem(f"Unknown EventId {event_id} (the last is {self._last_event_id})")
        start = bisect_right(self._ids, event_id)
        end = len(self._events) if limit is None else start + limit
        return self._events[start:end]

    async def wait_after(
        self, event_id: int, max_wait: float, limit: int | None = None
    ) -> list[Stamped] | Problem:
        """Like `after`, but waits up to `max_wait` seconds for an event if there is none yet."""
        published = self._published
        found = self.after(event_id, limit)
        if isinstance(found, Problem) or found:
            return found
        try:
            await asyncio.wait_for(published.wait(), max_wait)
        except TimeoutError:
            return []
        return self.after(event_id, limit)

    async def events_after(self, event_id: int, poll_seconds: float = 60.0) -> AsyncIterator[Stamped]:
        """Every event after `event_id`, as it is published, without end. Stops (raises) when torn."""
        while True:
            found = await self.wait_after(event_id, poll_seconds)
            if isinstance(found, Problem):
                raise TornEventStream(found.message)
            for stamped in found:
                yield stamped
                event_id = stamped.event_id
