"""One cluster node's role and how it changes: the active node (`ActiveRole`) serves its journal, waits for the
passive's acknowledgement while coupled, couples a passive that has caught up, and asks the Cluster Watch before
declaring its passive lost; the passive node (`PassiveRole`) follows the active node's journal and asks the
watch for a fail-over when the active node is silent. The decisions are those of `decide.py`; this module does
the waiting, the asking and the persisting.

A node acts alone (as active outside Coupled) only after the watch confirmed it as active since it started
(`ClusterNode.fence`), so that a node declared lost while down does not come back acting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from stellwerk.cluster.decide import (
    CheckEvent,
    CheckState,
    Confirmed,
    Refused,
    active_should_ask_passive_lost,
    passive_should_ask_failover,
)
from stellwerk.cluster.persisted import load_cluster_state, save_cluster_state
from stellwerk.cluster.replication import JournalChunk, JournalReplica, JournalSource, Position
from stellwerk.cluster.setting import ClusterSetting
from stellwerk.cluster.states import (
    ClusterActiveNodeShutDown,
    ClusterCoupled,
    ClusterCouplingPrepared,
    ClusterEvent,
    ClusterFailedOver,
    ClusterNodesAppointed,
    ClusterPassiveLost,
    ClusterState,
    ClusterSwitchedOver,
    Coupled,
    Decoupled,
    Empty,
    FailedOver,
    SwitchedOver,
    apply_cluster_event,
    is_active,
    needs_acknowledgement,
)
from stellwerk.cluster.watch_channel import WatchChannel
from stellwerk.journal.segments import SegmentDirectory
from stellwerk.model.problems import Problem
from stellwerk.transport.client import NodeClient, RetryPolicy, TransportError

logger = logging.getLogger(__name__)

# How far behind the journal's end a passive may be to be coupled; once coupled, each commit waits for it.
COUPLING_LAG = 1 << 20


class ClusterNode:
    """This node's cluster state (persisted in `directory`), its channel to the watch, and when it last heard
    from its peer (loop time)."""

    def __init__(self, setting: ClusterSetting, directory: Path) -> None:
        self.setting = setting
        self.directory = directory
        self.state: ClusterState = load_cluster_state(directory)
        self.channel = WatchChannel(setting.timing)
        self._loop = asyncio.get_running_loop()
        self.peer_heard_at = self._loop.time()
        self.changed = asyncio.Event()
        self.failovers = 0  # seen since this process started, for the metrics
        self.switchovers = 0

    @property
    def me(self) -> str:
        return self.setting.node_id

    def now(self) -> float:
        return self._loop.time()

    def heard_peer(self) -> None:
        self.peer_heard_at = self.now()

    def set_state(self, state: ClusterState) -> None:
        if state != self.state:
            save_cluster_state(self.directory, state)
            logger.info("Cluster node %s: %s", self.me, state)
            self._count_hand_over(state)
            self.state = state
            self.changed.set()

    def _count_hand_over(self, state: ClusterState) -> None:
        """Counts a fail-over or switch-over the first time this node sees it (each has a generation of its own)."""
        known = self.state
        if isinstance(state, Empty) or isinstance(known, Empty):
            return
        if type(state) is type(known) and known.generation == state.generation:
            return
        if isinstance(state, FailedOver):
            self.failovers += 1
        elif isinstance(state, SwitchedOver):
            self.switchovers += 1

    def wants_active(self) -> bool:
        """Whether this node starts as active: it is the active node of its state, or Primary of a new cluster."""
        if isinstance(self.state, Empty):
            return self.setting.node_id == "Primary"
        return is_active(self.state, self.setting.node_id)

    async def ask_event(self, event: ClusterEvent) -> bool:
        """Asks the watch about `event` and, when it consents, makes it this node's state."""
        after = apply_cluster_event(self.state, event)
        if isinstance(after, Problem):
            logger.warning("Cluster node %s: %s", self.me, after)
            return False
        answer = await self.channel.ask(
            CheckEvent(node=self.setting.node_id, state=self.state, event=event),
            self.setting.timing.consent_timeout,
        )
        if isinstance(answer, Confirmed):
            self.set_state(after)
            return True
        logger.warning("Cluster Watch did not consent to %s: %s", type(event).__name__, _why(answer))
        return False

    async def fence(self, peer: NodeClient) -> bool:
        """Before acting as active: True when the watch confirms this node as active, False when the watch or
        the peer shows that the peer is active."""
        timing = self.setting.timing
        if isinstance(self.state, Empty):
            while True:
                if await self.ask_event(ClusterNodesAppointed(active=self.setting.node_id)):
                    return True
                await asyncio.sleep(timing.heartbeat)
        while True:
            answer = await self.channel.ask(
                CheckState(node=self.setting.node_id, state=self.state), timing.heartbeat
            )
            if isinstance(answer, Confirmed):
                return True
            peer_state = await _peer_state(peer, self.setting.cluster_path)
            if peer_state is None:
                if await self._passive_gone():
                    return True
            else:
                self.heard_peer()
                if _peer_is_newer_active(peer_state, self.state, self.setting.peer_id):
                    return False
            if isinstance(answer, Refused):
                logger.warning("Cluster node %s waits as active: %s", self.me, answer.problem)
                await asyncio.sleep(timing.heartbeat)

    async def _passive_gone(self) -> bool:
        """A coupled active node that (re)started without its passive: after passive_lost_timeout it asks the
        watch to declare the passive lost — a watch that does not know the cluster refuses, and an operator can
        then confirm the loss."""
        timing = self.setting.timing
        if not active_should_ask_passive_lost(
            self.state, self.setting.node_id, self.now(), self.peer_heard_at, timing
        ):
            return False
        return await self.ask_event(ClusterPassiveLost(lost=self.setting.peer_id))

    async def send_heartbeats(self, *, acting: bool) -> None:
        """Reports this node's state to the watch every heartbeat. For the `acting` (active) node a refusal ends
        the loop, unless the watch only is untaught; a passive node never stops (its first heartbeat after a
        restart may still carry the old state that made it active, and is refused)."""
        timing = self.setting.timing
        while True:
            answer = await self.channel.ask(
                CheckState(node=self.setting.node_id, state=self.state), timing.heartbeat
            )
            if acting and isinstance(answer, Refused) and is_active(self.state, self.setting.node_id):
                if answer.untaught:  # a new watch that has not yet heard both nodes: it learns, we go on
                    logger.info("Cluster Watch: %s", answer.problem)
                else:
                    logger.error("Cluster Watch: %s", answer.problem)
                    return
            await asyncio.sleep(timing.heartbeat)


class ActiveRole:
    """The active node: `source` is the Replicator for its journal and serves the passive."""

    def __init__(self, node: ClusterNode, segments: SegmentDirectory) -> None:
        self.node = node
        me = node.setting.node_id
        self.source = JournalSource(
            segments,
            needs_ack=lambda: needs_acknowledgement(node.state, me),
            state=lambda: node.state,
            diverged_at=self._diverged_at,
            on_ack=lambda _: node.heard_peer(),
            chunk_bytes=node.setting.chunk_bytes,
        )
        self.switch_over_requested = asyncio.Event()

    def _diverged_at(self) -> Position | None:
        state = self.node.state
        if isinstance(state, FailedOver) and state.active == self.node.setting.node_id:
            return state.failed_at
        return None

    async def run(self) -> str:
        """Until the node is no longer active: returns why ("demoted" or "switch-over")."""
        heartbeats = asyncio.create_task(self.node.send_heartbeats(acting=True), name="cluster heartbeats")
        switch = asyncio.create_task(self.switch_over_requested.wait())
        try:
            while not heartbeats.done() and not switch.done():
                await self._step()
                await asyncio.wait([heartbeats, switch], timeout=self.node.setting.timing.heartbeat / 4)
            return "switch-over" if switch.done() else "demoted"
        finally:
            for task in (heartbeats, switch):
                task.cancel()

    async def _step(self) -> None:
        node, timing = self.node, self.node.setting.timing
        state, me = node.state, node.setting.node_id
        if isinstance(state, Decoupled) and self._passive_caught_up():
            if await node.ask_event(ClusterCouplingPrepared(active=me)):
                await node.ask_event(ClusterCoupled(active=me))
        elif active_should_ask_passive_lost(state, me, node.now(), node.peer_heard_at, timing):
            if await node.ask_event(ClusterPassiveLost(lost=node.setting.peer_id)):
                await self.source.coupling_changed()

    def _passive_caught_up(self) -> bool:
        """The passive is alive and has acknowledged the journal up to COUPLING_LAG bytes before its end (under
        steady writes the end moves on while its request travels: exactly the end is never acknowledged)."""
        recent = self.node.now() - self.node.peer_heard_at < self.node.setting.timing.heartbeat_timeout
        (acknowledged_file, acknowledged), (written_file, written) = (
            self.source.acknowledged,
            self.source.written,
        )
        close = acknowledged_file == written_file and written - acknowledged <= COUPLING_LAG
        return recent and (self.source.acknowledged >= self.source.written or close)

    async def hand_over(self) -> None:
        """After the journal is closed: declares the passive active (switch-over) and waits a while until it has
        read everything."""
        await self._leave(ClusterSwitchedOver(activated=self.node.setting.peer_id))

    async def shut_down(self) -> None:
        """After the journal is closed in an orderly stop: tells the passive (ActiveShutDown) that it must not
        fail over, and waits a while until it has read everything."""
        await self._leave(ClusterActiveNodeShutDown())

    async def _leave(self, event: ClusterEvent) -> None:
        timing = self.node.setting.timing
        if not isinstance(self.node.state, Coupled) or not await self._ask_repeatedly(event):
            return
        self.source.mark_end()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timing.heartbeat_timeout):
                await self.source.until_acknowledged()

    async def _ask_repeatedly(self, event: ClusterEvent) -> bool:
        """The watch's consent, asked again (a busy watch may answer late) for up to heartbeat_timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.node.setting.timing.heartbeat_timeout
        while not await self.node.ask_event(event):
            if loop.time() >= deadline or not isinstance(self.node.state, Coupled):
                return False
        return True


class PassiveRole:
    """The passive node: follows the active node's journal into `replica` until it becomes active."""

    def __init__(self, node: ClusterNode, replica: JournalReplica, peer: NodeClient) -> None:
        self.node = node
        self.replica = replica
        self.peer = peer
        # When the watch last refused a fail-over: the silence counts again from then, so that the follower
        # gets its time to reach the active node (after a network cut healed) before the next question.
        self._refused_at = float("-inf")

    async def run(self) -> str:
        """Until this node becomes active: returns why ("switched over" or "failed over")."""
        heartbeats = asyncio.create_task(self.node.send_heartbeats(acting=False), name="cluster heartbeats")
        try:
            while True:
                follower = asyncio.create_task(self._follow(), name="journal follower")
                try:
                    reason = await self._watch_active(follower)
                finally:
                    follower.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await follower
                if reason == "switched over" or (reason == "failed over" and await self._fail_over()):
                    return reason
                if reason == "follower failed":
                    await asyncio.sleep(self.node.setting.timing.heartbeat)
        finally:
            heartbeats.cancel()

    async def _watch_active(self, follower: asyncio.Task[None]) -> str:
        """Waits until the active node handed over ("switched over") or is silent too long ("failed over")."""
        node, timing = self.node, self.node.setting.timing
        while True:
            if follower.done():
                if not follower.cancelled() and follower.exception() is not None:
                    logger.error(
                        "Cluster node %s: following the journal failed",
                        node.me,
                        exc_info=follower.exception(),
                    )
                    return "follower failed"
                return "switched over"
            heard_at = max(node.peer_heard_at, self._refused_at)
            if passive_should_ask_failover(node.state, node.setting.node_id, node.now(), heard_at, timing):
                return "failed over"
            await asyncio.wait([follower], timeout=timing.heartbeat / 4)

    async def _fail_over(self) -> bool:
        me, peer = self.node.setting.node_id, self.node.setting.peer_id
        # Where the old active must cut its journal: after what this node keeps once it opens the journal.
        await asyncio.to_thread(self.replica.cut_torn_end)
        failed_at = self.replica.position()
        event = ClusterFailedOver(failed_active=peer, activated=me, failed_at=failed_at)
        if await self.node.ask_event(event):
            return True
        self._refused_at = self.node.now()
        return False

    async def _follow(self) -> None:
        """Reads the journal until a chunk hands this node the active role."""
        timing = self.node.setting.timing
        while True:
            file_id, position = self.replica.position()
            params: dict[str, str | int] = {
                "file": file_id,
                "position": position,
                "timeout": str(timing.heartbeat),
            }
            try:
                chunk = await self.peer.get(f"{self.node.setting.cluster_path}/journal", JournalChunk, params)
            except TransportError as error:
                logger.debug("Cluster node %s: %s", self.node.me, error)
                await asyncio.sleep(min(0.2, timing.heartbeat / 2))
                continue
            self.node.heard_peer()
            await _uninterrupted(asyncio.to_thread(self.replica.apply, chunk))
            self._adopt_state(chunk.state)
            if is_active(chunk.state, self.node.setting.node_id) and not chunk.data and not chunk.truncate:
                return

    def _adopt_state(self, state: ClusterState) -> None:
        if not isinstance(state, Empty) and (
            isinstance(self.node.state, Empty) or state.generation >= self.node.state.generation
        ):
            self.node.set_state(state)


async def _uninterrupted(work: Coroutine[Any, Any, None]) -> None:
    """Runs `work` to its end even when cancelled meanwhile (a write to the journal replica); then cancels."""
    task = asyncio.ensure_future(work)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


async def _peer_state(peer: NodeClient, path: str) -> ClusterState | None:
    try:
        return await peer.get(path, ClusterState)  # type: ignore[arg-type]
    except TransportError:
        return None


def _peer_is_newer_active(peer_state: ClusterState, mine: ClusterState, peer_id: str) -> bool:
    if isinstance(peer_state, Empty) or not is_active(peer_state, peer_id):  # type: ignore[arg-type]
        return False
    return isinstance(mine, Empty) or peer_state.generation > mine.generation


def _why(answer: object) -> str:
    return str(answer.problem) if isinstance(answer, Refused) else "no answer from a Cluster Watch"


def peer_client(setting: ClusterSetting, ssl_context: ssl.SSLContext | None) -> NodeClient:
    timeout = setting.timing.heartbeat + setting.timing.heartbeat_timeout
    return NodeClient(
        setting.peer_uri, ssl_context=ssl_context, retry=RetryPolicy(attempts=1), timeout=timeout
    )
