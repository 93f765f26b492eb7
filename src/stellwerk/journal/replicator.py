"""Replication of written journal bytes to a standby node: a plug-in point, with the standalone no-op."""

from __future__ import annotations

from typing import Protocol

import msgspec


class WrittenBatch(msgspec.Struct, frozen=True, kw_only=True):
    """Bytes `start`..`end` of segment `segment`, durable on this node, ending with EventId `last_event_id`."""

    segment: str
    start: int
    end: int
    last_event_id: int


class Replicator(Protocol):
    async def replicate(self, written: WrittenBatch, data: bytes) -> None:
        """Returns when the standby has the segment up to `written.end` (acknowledged). Called once per
        batch, in the order of the file, after the batch is durable here and before its events are applied.
        Raising fails the batch's persist calls and stops the journal."""
        ...


class NoReplication:
    """A standalone node: nothing to wait for."""

    async def replicate(self, written: WrittenBatch, data: bytes) -> None:
        return None
