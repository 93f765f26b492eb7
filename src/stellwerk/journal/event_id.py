"""EventIds as JS7 makes them: epoch milliseconds x 1000 plus a counter, strictly increasing, below 2^53."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from stellwerk.journal.stamped import Stamped
from stellwerk.model.events import KeyedEvent

# Epoch milliseconds, injected so that tests run on a manual clock.
Clock = Callable[[], int]

# JavaScript's Number.MAX_SAFE_INTEGER + 1: clients read EventIds as doubles.
EVENT_ID_LIMIT = 2**53


class EventIdOverflow(Exception):
    """The next EventId would reach 2^53: a broken clock or a runaway loop, not something to handle."""


class EventIdGenerator:
    """`max(now_ms * 1000, last + 1)`: runs ahead of the clock under load and never goes back with it."""

    def __init__(self, clock: Clock, last: int = 0) -> None:
        self.clock = clock
        self._last = last

    @property
    def last(self) -> int:
        return self._last

    def next_id(self, now_ms: int) -> int:
        event_id = max(now_ms * 1000, self._last + 1)
        if event_id >= EVENT_ID_LIMIT:
            raise EventIdOverflow(f"EventId {event_id} reaches 2^53 (clock {now_ms} ms)")
        self._last = event_id
        return event_id

    def stamp(
        self, keyed_events: Sequence[KeyedEvent], timestamps: Sequence[int | None] | None = None
    ) -> tuple[Stamped, ...]:
        """Stamps the events with consecutive EventIds; the clock is read once for all of them. `timestamps`
        (one per event, None: now) keeps when an event happened elsewhere: an Agent's event taken over by the
        Controller keeps the Agent's time, as in JS7, while its EventId is the Controller's."""
        now = self.clock()
        if timestamps is None:
            return tuple(Stamped(event_id=self.next_id(now), timestamp=now, keyed=k) for k in keyed_events)
        return tuple(
            Stamped(event_id=self.next_id(now), timestamp=now if t is None else t, keyed=k)
            for k, t in zip(keyed_events, timestamps, strict=True)
        )
