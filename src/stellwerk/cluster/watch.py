"""The Cluster Watch as a client: it polls each cluster node (`POST /controller/api/cluster/watch`, a
long-poll), decides the node's requests with `decide.py` and sends the answers with the next poll. It runs in
the Cockpit (its active instance) or in any process that can reach both nodes; it keeps its knowledge in memory
only, so a restarted watch is untaught (js7-reference §8.4)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import AsyncIterator, Callable

from stellwerk.cluster.decide import Answer, ConfirmNodeLoss, Watch, WatchRequest, decide
from stellwerk.cluster.states import NodeId, Timing
from stellwerk.cluster.watch_channel import AnsweredRequest, PendingRequest, WatchPoll
from stellwerk.transport.client import NodeClient, RetryPolicy, TransportError

logger = logging.getLogger(__name__)

WATCH_PATH = "/controller/api/cluster/watch"


class ClusterWatch:
    """The watch's knowledge and its decisions; `clock` gives seconds."""

    def __init__(self, timing: Timing, clock: Callable[[], float] = time.monotonic) -> None:
        self.timing = timing
        self.watch = Watch()
        self._clock = clock

    def answer(self, request: WatchRequest) -> Answer:
        self.watch, answer = decide(self.watch, request, self._clock(), self.timing)
        return answer

    def confirm_node_loss(self, lost: NodeId, confirmer: str) -> Answer:
        """An operator's confirmation that `lost` is down (accepted only for the loss the watch refused)."""
        return self.answer(ConfirmNodeLoss(lost=lost, confirmer=confirmer))


async def watch_node(
    watch: ClusterWatch, uri: str, ssl_context: ssl.SSLContext | None, *, retry_delay: float = 0.1
) -> None:
    """Polls one node until cancelled, answering its requests."""
    poll_timeout = watch.timing.heartbeat
    answers: tuple[AnsweredRequest, ...] = ()
    retry = RetryPolicy(attempts=1)
    async with NodeClient(uri, ssl_context=ssl_context, retry=retry, timeout=poll_timeout + 5) as client:
        while True:
            try:
                pending = await client.post(
                    WATCH_PATH, WatchPoll(answers=answers, timeout=poll_timeout), list[PendingRequest]
                )
            except TransportError as error:
                logger.debug("Cluster Watch: %s", error)
                answers = ()
                await asyncio.sleep(retry_delay)
                continue
            answers = tuple(AnsweredRequest(id=p.id, answer=watch.answer(p.request)) for p in pending)


@contextlib.asynccontextmanager
async def running_watch(
    uris: dict[NodeId, str], ssl_context: ssl.SSLContext | None, timing: Timing
) -> AsyncIterator[ClusterWatch]:
    """A ClusterWatch polling every node of `uris` for as long as the block runs."""
    watch = ClusterWatch(timing)
    tasks = [
        asyncio.create_task(watch_node(watch, uri, ssl_context), name=f"watch {n}") for n, uri in uris.items()
    ]
    try:
        yield watch
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
