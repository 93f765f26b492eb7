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
    """The watch's poll: who it is, its answers, and how long to wait for a request."""

    watch_id: str = ""
    answers: tuple[AnsweredRequest, ...] = ()
    timeout: float = 1.0


class WatchAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """The node's answer to a poll: its requests; `served` False when the node serves another watch, `fresh`
    when it has just switched to this one from another. Either way the watch must forget what it knew (it may
    have missed events another watch decided)."""

    requests: tuple[PendingRequest, ...] = ()
    served: bool = True
    fresh: bool = False


class WatchChannel:
    """Requests waiting for the watch. One watch at a time is served: requests split among several watches would
    leave each with part of the heartbeats, and its decisions unsafe. Another watch is served only when the
    served one has not polled for `heartbeat_timeout` (then it is like a restarted watch: untaught)."""

    def __init__(self, timing: Timing | None = None) -> None:
        self._timing = timing
        self._served: str | None = None
        self.watch_seen_at: float | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[WatchRequest, asyncio.Future[Answer]]] = {}
        self._unsent: list[int] = []
        self._new = asyncio.Event()

    def _serves(self, watch_id: str) -> bool:
        now = asyncio.get_running_loop().time()
        patience = 10.0 if self._timing is None else self._timing.heartbeat_timeout
        if self._served not in (None, watch_id) and self.watch_seen_at is not None:
            if now - self.watch_seen_at < patience:
                return False
        self._served, self.watch_seen_at = watch_id, now
        return True

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

    async def poll(self, poll: WatchPoll) -> WatchAnswer:
        """Takes the watch's answers, then returns the requests it has not seen, waiting for one up to the
        poll's timeout. Another watch than the one served gets nothing, after the timeout."""
        # A switch from another watch (not the first watch since this node started).
        fresh = self._served not in (None, poll.watch_id)
        if not self._serves(poll.watch_id):
            await asyncio.sleep(poll.timeout)
            return WatchAnswer(served=False)
        for answered in poll.answers:
            waiting = self._waiting.get(answered.id)
            if waiting is not None and not waiting[1].done():
                waiting[1].set_result(answered.answer)
        if not self._unsent:
            self._new.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), poll.timeout)
        unsent, self._unsent = self._unsent, []
        requests = tuple(
            PendingRequest(id=i, request=self._waiting[i][0], timing=self._timing)
            for i in unsent
            if i in self._waiting
        )
        return WatchAnswer(requests=requests, fresh=fresh)
