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
import uuid
from collections.abc import AsyncIterator, Callable

from stellwerk.cluster.decide import Answer, ConfirmNodeLoss, Refused, Watch, WatchRequest, decide
from stellwerk.cluster.states import NodeId, Timing, lost_node_of
from stellwerk.cluster.watch_channel import AnsweredRequest, WatchAnswer, WatchPoll
from stellwerk.model.problems import Problem
from stellwerk.transport.client import NodeClient, RetryPolicy, TransportError

logger = logging.getLogger(__name__)

CONTROLLER_API = "/controller/api"


class ClusterWatch:
    """The watch's knowledge and its decisions; `clock` gives seconds."""

    def __init__(self, timing: Timing, clock: Callable[[], float] = time.monotonic) -> None:
        self.timing = timing
        self.watch = Watch()
        self.id = uuid.uuid4().hex
        self._clock = clock

    def forget(self) -> None:
        """Back to untaught: a node was served by another watch, whose decisions this one does not know."""
        self.watch = Watch()

    def answer(self, request: WatchRequest, timing: Timing | None = None) -> Answer:
        """The answer to a node's request, judged by the node's `timing` when it sent it."""
        self.watch, answer = decide(self.watch, request, self._clock(), timing or self.timing)
        return answer

    def confirm_node_loss(self, lost: NodeId, confirmer: str) -> Answer:
        """An operator's confirmation that `lost` is down (accepted only for the loss the watch refused)."""
        return self.answer(ConfirmNodeLoss(lost=lost, confirmer=confirmer))

    def confirm_refused_loss(self, confirmer: str) -> Answer:
        """An operator's confirmation that the node the watch last refused to declare lost is down."""
        refused = self.watch.refused
        if refused is None:
            return Refused(problem=Problem("The Cluster Watch has refused no node loss: nothing to confirm"))
        return self.confirm_node_loss(lost_node_of(refused.event), confirmer)

    @property
    def refused_loss(self) -> NodeId | None:
        """The node whose loss the watch last refused (an operator may confirm it)."""
        refused = self.watch.refused
        return None if refused is None else lost_node_of(refused.event)


async def watch_node(
    watch: ClusterWatch,
    uri: str,
    ssl_context: ssl.SSLContext | None,
    *,
    retry_delay: float = 0.1,
    api: str = CONTROLLER_API,
) -> None:
    """Polls one node (its cluster endpoints under `api`) until cancelled, answering its requests."""
    poll_timeout = watch.timing.heartbeat
    answers: tuple[AnsweredRequest, ...] = ()
    retry = RetryPolicy(attempts=1)
    async with NodeClient(uri, ssl_context=ssl_context, retry=retry, timeout=poll_timeout + 5) as client:
        while True:
            try:
                answer = await client.post(
                    f"{api}/cluster/watch",
                    WatchPoll(watch_id=watch.id, answers=answers, timeout=poll_timeout),
                    WatchAnswer,
                )
            except TransportError as error:
                logger.debug("Cluster Watch: %s", error)
                answers = ()
                await asyncio.sleep(retry_delay)
                continue
            if answer.fresh or not answer.served:
                watch.forget()
            answers = tuple(
                AnsweredRequest(id=p.id, answer=watch.answer(p.request, p.timing)) for p in answer.requests
            )


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


class ClusterWatches:
    """A Cluster Watch for each cluster (two node URLs, Primary first) that a Cockpit (of Controller clusters)
    or a Controller (of cluster Agents, `api` /agent/api) knows, running as long as it is followed."""

    def __init__(
        self,
        ssl_context: ssl.SSLContext | None,
        timing: Timing | None = None,
        retry_delay: float = 0.5,
        api: str = CONTROLLER_API,
    ) -> None:
        self._retry_delay = retry_delay
        self._api = api
        self._ssl_context = ssl_context
        self._timing = timing or Timing()
        self._running: dict[str, tuple[ClusterWatch, list[asyncio.Task[None]]]] = {}

    def follow(self, controller_id: str, urls: tuple[str, ...]) -> None:
        """Watches the Controller if it is a cluster (replacing an earlier watch of it); needs a running loop."""
        self.forget(controller_id)
        if len(urls) != 2:
            return
        watch = ClusterWatch(self._timing)
        tasks = [
            asyncio.create_task(
                watch_node(watch, url, self._ssl_context, retry_delay=self._retry_delay, api=self._api),
                name=f"Cluster Watch {controller_id}",
            )
            for url in urls
        ]
        self._running[controller_id] = (watch, tasks)

    def forget(self, controller_id: str) -> None:
        _, tasks = self._running.pop(controller_id, (None, []))
        for task in tasks:
            task.cancel()

    def get(self, controller_id: str) -> ClusterWatch | None:
        running = self._running.get(controller_id)
        return None if running is None else running[0]

    async def close(self) -> None:
        tasks = [task for _, tasks in self._running.values() for task in tasks]
        self._running.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
