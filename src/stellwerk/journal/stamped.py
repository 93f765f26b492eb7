"""A persisted event: the keyed event with its EventId and the time it was stamped."""

from __future__ import annotations

import msgspec

from stellwerk.model.events import KeyedEvent


class Stamped(msgspec.Struct, frozen=True, kw_only=True):
    """`event_id` is unique and strictly increasing per journal; `timestamp` is epoch milliseconds."""

    event_id: int
    timestamp: int
    keyed: KeyedEvent
