"""The Controller's events for a reader, in JS7's two forms (js7-reference §6.1 step 4, §7): a long-poll answer
(the events after an EventId, or one heartbeat line when none came within `timeout`), and, for a reader asking
`Accept: application/x-ndjson`, a stream that sends each event line as it is journaled, a heartbeat line after
`heartbeat` seconds without events, and ends at `timeout` (none: when the reader closes or the Controller stops).

Every wait here ends with the request: a reader that goes away cancels the stream, and the waiting tasks are
cancelled with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import TypeVar

import msgspec

from stellwerk.journal.event_log import EventLog, event_line, heartbeat_line
from stellwerk.journal.stamped import Stamped
from stellwerk.model.problems import Problem

T = TypeVar("T")

NDJSON = "application/x-ndjson"
EVENT_LIMIT = 10_000
DEFAULT_HEARTBEAT = 5.0


class EventQuery(msgspec.Struct, frozen=True, kw_only=True):
    """`timeout` None: the long poll answers at once, the stream has no end of its own."""

    after: int = 0
    timeout: float | None = None
    limit: int | None = None
    heartbeat: float = DEFAULT_HEARTBEAT


def event_query(params: dict[str, str]) -> EventQuery | Problem:
    try:
        query = msgspec.convert(params, EventQuery, strict=False)
    except msgspec.ValidationError as error:
        return Problem(f"Malformed query: {error}")
    if (query.limit is not None and query.limit < 1) or (query.timeout or 0) < 0 or query.heartbeat <= 0:
        return Problem("Malformed query: limit and heartbeat must be positive, timeout not negative")
    return query


def wants_stream(accept: str) -> bool:
    return NDJSON in accept


def event_lines(found: Iterable[Stamped]) -> bytes:
    """The events as NDJSON lines, as in the journal: with `timestamp` where it is not the EventId's (an Agent's
    time of an event the Controller took over)."""
    return b"".join(event_line(s) for s in found)


async def unless_stopping(stopping: asyncio.Event, awaitable: Awaitable[T]) -> T | None:
    """The awaitable's result, or None when `stopping` is set first. No task outlives this call, also when the
    caller is cancelled."""
    waiting = asyncio.ensure_future(awaitable)
    stopped = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait((waiting, stopped), return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
        stopped.cancel()
    return waiting.result() if waiting.done() and not waiting.cancelled() else None


async def long_poll(log: EventLog, query: EventQuery, stopping: asyncio.Event) -> bytes | Problem:
    limit = query.limit or EVENT_LIMIT
    found = await unless_stopping(stopping, log.wait_after(query.after, query.timeout or 0, limit))
    if isinstance(found, Problem):
        return found
    return event_lines(found) if found else heartbeat_line(log.last_event_id)


async def stream(
    log: EventLog, query: EventQuery, first: list[Stamped], stopping: asyncio.Event
) -> AsyncIterator[bytes]:
    """The lines of the stream; `first` are the events found at once (checked not to be torn)."""
    loop = asyncio.get_running_loop()
    deadline = None if query.timeout is None else loop.time() + query.timeout
    after, left = query.after, query.limit
    found: list[Stamped] | Problem | None = first
    while isinstance(found, list):
        if found:
            yield event_lines(found)
            after = found[-1].event_id
            left = None if left is None else left - len(found)
            if left is not None and left <= 0:
                return
        wait = query.heartbeat if deadline is None else min(query.heartbeat, deadline - loop.time())
        if wait <= 0:
            return
        found = await unless_stopping(stopping, log.wait_after(after, wait, left or EVENT_LIMIT))
        if found == [] and (deadline is None or loop.time() < deadline):
            yield heartbeat_line(log.last_event_id)
