"""The node's side of the Cluster Watch protocol. The watch connects to the node, never the reverse: it polls
`POST /controller/api/cluster/watch` with its answers to earlier requests and gets the node's new requests
(long-poll). `ask` queues a request and waits for the answer of whichever watch polls."""

from __future__ import annotations

import asyncio
import contextlib
import itertools

import msgspec

from stellwerk.cluster.decide import Answer, WatchRequest
from stellwerk.cluster.states import Timing


class PendingRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A node's request; `timing` is the node's, for the watch to judge its heartbeats by."""

    id: int
    request: WatchRequest
    timing: Timing | None = None


class AnsweredRequest(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    answer: Answer


class WatchPoll(msgspec.Struct, frozen=True, kw_only=True):
    """The watch's poll: answers, and how long to wait for a request."""

    answers: tuple[AnsweredRequest, ...] = ()
    timeout: float = 1.0


class WatchChannel:
    """Requests waiting for the watch. `watch_seen_at` is when a watch last polled (loop time)."""

    def __init__(self, timing: Timing | None = None) -> None:
        self._timing = timing
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[WatchRequest, asyncio.Future[Answer]]] = {}
        self._unsent: list[int] = []
        self._new = asyncio.Event()
        self.watch_seen_at: float | None = None

    async def ask(self, request: WatchRequest, within: float) -> Answer | None:
        """The watch's answer, or None if none came within `within` seconds."""
        request_id = next(self._ids)
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = (request, answer)
        self._unsent.append(request_id)
        self._new.set()
        try:
            return await asyncio.wait_for(answer, within)
        except TimeoutError:
            return None
        finally:
            self._waiting.pop(request_id, None)

    async def poll(self, poll: WatchPoll) -> list[PendingRequest]:
        """Takes the watch's answers, then returns the requests it has not seen, waiting for one up to the
        poll's timeout."""
        self.watch_seen_at = asyncio.get_running_loop().time()
        for answered in poll.answers:
            waiting = self._waiting.get(answered.id)
            if waiting is not None and not waiting[1].done():
                waiting[1].set_result(answered.answer)
        if not self._unsent:
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), poll.timeout)
        unsent, self._unsent = self._unsent, []
        return [
            PendingRequest(id=i, request=self._waiting[i][0], timing=self._timing)
            for i in unsent
            if i in self._waiting
        ]
