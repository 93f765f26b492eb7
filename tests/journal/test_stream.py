"""The in-memory event stream: reading after an EventId, long polls, and the torn error when too old."""

from __future__ import annotations

import asyncio

from stellwerk.journal.stamped import Stamped
from stellwerk.journal.stream import EventStream
from stellwerk.model import events as e
from stellwerk.model.problems import Problem


def _stamped(event_id: int) -> Stamped:
    return Stamped(event_id=event_id, timestamp=event_id // 1000, keyed=e.KeyedEvent("o", e.OrderStarted()))


def test_after_returns_the_events_after_an_event_id() -> None:
    stream = EventStream(last_event_id=100)
    stream.publish([_stamped(101), _stamped(102), _stamped(105)])
    assert stream.after(101) == [_stamped(102), _stamped(105)]
    assert stream.after(100, limit=1) == [_stamped(101)]
    assert stream.after(105) == []
    assert isinstance(stream.after(106), Problem)


def test_events_no_longer_kept_are_a_torn_problem() -> None:
    stream = EventStream(last_event_id=0, keep=2)
    stream.publish([_stamped(n) for n in range(1, 6)])
    assert isinstance(stream.after(0), Problem)
    kept = stream.after(3)
    assert kept == [_stamped(4), _stamped(5)]


async def test_wait_after_returns_when_an_event_is_published() -> None:
    stream = EventStream(last_event_id=0)
    waiting = asyncio.create_task(stream.wait_after(0, max_wait=10))
    await asyncio.sleep(0)
    assert not waiting.done()
    stream.publish([_stamped(1)])
    assert await waiting == [_stamped(1)]


async def test_wait_after_returns_nothing_after_the_wait() -> None:
    stream = EventStream(last_event_id=0)
    assert await stream.wait_after(0, max_wait=0.01) == []


async def test_events_after_follows_the_stream() -> None:
    stream = EventStream(last_event_id=0)

    async def first_three() -> list[int]:
        found = []
        async for stamped in stream.events_after(0, poll_seconds=10):
            found.append(stamped.event_id)
            if len(found) == 3:
                return found
        return found

    reading = asyncio.create_task(first_three())
    stream.publish([_stamped(1), _stamped(2)])
    await asyncio.sleep(0)
    stream.publish([_stamped(3)])
    assert await reading == [1, 2, 3]
