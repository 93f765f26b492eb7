"""A model of two cluster nodes and a Cluster Watch driven only by the pure decisions of `cluster/decide.py`,
for exhaustive exploration: every input that the world allows is a step, times are kept relative to `now`
(ages capped beyond every timeout), so the set of reachable worlds is finite.

The model's nodes follow the protocol: heartbeats between connected live nodes, an event committed while
Coupled only when the passive has it too, node-loss events only with the watch's consent, a restarted node
learning the newer state from its peer (journal truncated and caught up), and an operator who confirms only
the loss of a node that is really down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import msgspec

from stellwerk.cluster.decide import (
    Answer,
    CheckEvent,
    CheckState,
    Confirmed,
    ConfirmNodeLoss,
    Watch,
    WatchRequest,
    active_should_ask_passive_lost,
    decide,
    passive_should_ask_failover,
)
from stellwerk.cluster.states import (
    ClusterActiveNodeShutDown,
    ClusterCoupled,
    ClusterCouplingPrepared,
    ClusterEvent,
    ClusterFailedOver,
    ClusterPassiveLost,
    ClusterState,
    ClusterSwitchedOver,
    Coupled,
    Decoupled,
    Empty,
    NodeId,
    Timing,
    acts_alone,
    apply_cluster_event,
    peer_of,
)
from stellwerk.model.problems import Problem

TIMING = Timing(heartbeat=1.0, heartbeat_timeout=2.0, consent_timeout=1.0)
TICK = 2.0
# Older than every timeout: all older ages are the same to the decisions.
AGE_CAP = 6.0
GENERATION_GAP_CAP = 3


class Node(msgspec.Struct, frozen=True, kw_only=True):
    alive: bool = True
    state: ClusterState
    heard_peer_at: float = 0.0
    # The watch confirmed this node's state since it started: only then may it act alone.
    fenced: bool = True


class World(msgspec.Struct, frozen=True, kw_only=True):
    nodes: tuple[Node, Node]
    watch: Watch
    now: float = 0.0
    partitioned: bool = False  # the two nodes cannot reach each other
    primary_isolated: bool = False  # Primary cannot reach the watch either
    # Facts for the checks: a loss the untaught watch confirmed without an operator.
    untaught_confirmation: bool = False

    def node(self, node_id: NodeId) -> Node:
        return self.nodes[0 if node_id == "Primary" else 1]

    def with_node(self, node_id: NodeId, node: Node) -> World:
        nodes = (node, self.nodes[1]) if node_id == "Primary" else (self.nodes[0], node)
        return msgspec.structs.replace(self, nodes=nodes)

    def reaches_watch(self, node_id: NodeId) -> bool:
        return self.node(node_id).alive and not (node_id == "Primary" and self.primary_isolated)

    def connected(self) -> bool:
        return (
            self.nodes[0].alive and self.nodes[1].alive and not self.partitioned and not self.primary_isolated
        )


def coupled_world() -> World:
    state = Coupled(active="Primary", generation=3)
    return World(nodes=(Node(state=state), Node(state=state)), watch=Watch(state=state, active_heard_at=0.0))


def acting_alone(world: World) -> list[NodeId]:
    return [
        n
        for n in ("Primary", "Backup")
        if world.node(n).alive and world.node(n).fenced and acts_alone(world.node(n).state, n)
    ]


Step = Callable[[World], World | None]


def steps() -> Iterator[tuple[str, Step]]:
    yield "tick", _tick
    yield "partition", lambda w: msgspec.structs.replace(w, partitioned=not w.partitioned)
    yield "isolate Primary", lambda w: msgspec.structs.replace(w, primary_isolated=not w.primary_isolated)
    yield "restart watch", lambda w: msgspec.structs.replace(w, watch=Watch())
    for node in ("Primary", "Backup"):
        yield f"heartbeat {node}", _bound(_heartbeat, node)
        yield f"kill {node}", _bound(_kill, node)
        yield f"restart {node}", _bound(_restart, node)
        yield f"sync {node}", _bound(_sync, node)
        yield f"passive lost by {node}", _bound(_ask_passive_lost, node)
        yield f"fail-over by {node}", _bound(_ask_failover, node)
        yield f"recouple by {node}", _bound(_recouple, node)
        yield f"switch-over by {node}", _bound(_switch_over, node)
        yield f"shut down {node}", _bound(_shut_down, node)
        yield f"operator confirms loss of {node}", _bound(_confirm_loss, node)


def _bound(step: Callable[[World, NodeId], World | None], node: NodeId) -> Step:
    return lambda world: step(world, node)


def normalized(world: World) -> World:
    """Times relative to `now`, ages capped, generations counted from the oldest state present: worlds equal
    for the decisions compare equal."""

    def age(t: float) -> float:
        return -min(world.now - t, AGE_CAP)

    states = [n.state for n in world.nodes] + [s for _, s in world.watch.reports]
    states += [] if world.watch.state is None else [world.watch.state]
    ranks = _generation_ranks({s.generation for s in states if not isinstance(s, Empty)})

    def rebased(state: ClusterState) -> ClusterState:
        if isinstance(state, Empty):
            return state
        return msgspec.structs.replace(state, generation=ranks[state.generation])

    nodes = tuple(
        msgspec.structs.replace(n, heard_peer_at=age(n.heard_peer_at), state=rebased(n.state))
        for n in world.nodes
    )
    heard = world.watch.active_heard_at
    watch = msgspec.structs.replace(
        world.watch,
        active_heard_at=None if heard is None else age(heard),
        state=None if world.watch.state is None else rebased(world.watch.state),
        reports=tuple((n, rebased(s)) for n, s in world.watch.reports),
    )
    return msgspec.structs.replace(world, nodes=(nodes[0], nodes[1]), watch=watch, now=0.0)


def _generation_ranks(generations: set[int]) -> dict[int, int]:
    """Generations renumbered from 1 with gaps capped at 3: a step adds at most 2 to a generation, so every
    comparison the decisions make comes out the same."""
    ranks, rank, previous = {}, 1, None
    for generation in sorted(generations):
        rank += 0 if previous is None else min(generation - previous, GENERATION_GAP_CAP)
        ranks[generation], previous = rank, generation
    return ranks


def _tick(world: World) -> World:
    world = msgspec.structs.replace(world, now=world.now + TICK)
    if world.connected():
        for node in ("Primary", "Backup"):
            world = world.with_node(node, msgspec.structs.replace(world.node(node), heard_peer_at=world.now))
    return world


def _ask(world: World, request: WatchRequest) -> tuple[World, Answer]:
    untaught = not world.watch.taught
    watch, answer = decide(world.watch, request, world.now, TIMING)
    world = msgspec.structs.replace(world, watch=watch)
    if isinstance(request, CheckEvent) and isinstance(request.event, ClusterPassiveLost | ClusterFailedOver):
        if untaught and isinstance(answer, Confirmed) and answer.manual_confirmer is None:
            world = msgspec.structs.replace(world, untaught_confirmation=True)
    return world, answer


def _heartbeat(world: World, node: NodeId) -> World | None:
    if not world.reaches_watch(node):
        return None
    world, answer = _ask(world, CheckState(node=node, state=world.node(node).state))
    if isinstance(answer, Confirmed):
        world = world.with_node(node, msgspec.structs.replace(world.node(node), fenced=True))
    return world


def _kill(world: World, node: NodeId) -> World | None:
    if not world.node(node).alive:
        return None
    return world.with_node(node, msgspec.structs.replace(world.node(node), alive=False))


def _restart(world: World, node: NodeId) -> World | None:
    me = world.node(node)
    if me.alive:
        return None
    return world.with_node(node, Node(state=me.state, heard_peer_at=world.now, fenced=False))


def _sync(world: World, node: NodeId) -> World | None:
    """A node that finds its peer active with a newer state becomes its passive: it truncates its journal
    where the peer's took over and catches up."""
    peer = world.node(peer_of(node))
    me = world.node(node)
    if not world.connected() or isinstance(peer.state, Empty) or isinstance(me.state, Empty):
        return None
    if peer.state.active != peer_of(node) or peer.state.generation <= me.state.generation:
        return None
    return world.with_node(node, msgspec.structs.replace(me, state=peer.state))


def _ask_loss(world: World, node: NodeId, event: ClusterEvent) -> World | None:
    me = world.node(node)
    if not world.reaches_watch(node):
        return None
    world, answer = _ask(world, CheckEvent(node=node, state=me.state, event=event))
    if not isinstance(answer, Confirmed):
        return world
    after = apply_cluster_event(me.state, event)
    assert not isinstance(after, Problem)
    return world.with_node(node, msgspec.structs.replace(me, state=after, fenced=True))


def _ask_passive_lost(world: World, node: NodeId) -> World | None:
    me = world.node(node)
    if not active_should_ask_passive_lost(me.state, node, world.now, me.heard_peer_at, TIMING):
        return None
    return _ask_loss(world, node, ClusterPassiveLost(lost=peer_of(node)))


def _ask_failover(world: World, node: NodeId) -> World | None:
    me = world.node(node)
    if not passive_should_ask_failover(me.state, node, world.now, me.heard_peer_at, TIMING):
        return None
    return _ask_loss(world, node, ClusterFailedOver(failed_active=peer_of(node), activated=node))


def _commit_with_peer(world: World, node: NodeId, events: list[ClusterEvent]) -> World | None:
    """The active node journals `events`; its connected passive, holding the same state, replicates them."""
    me, peer = world.node(node), world.node(peer_of(node))
    if not world.connected() or me.state != peer.state or not world.reaches_watch(node):
        return None
    state = me.state
    for event in events:
        world, _ = _ask(world, CheckEvent(node=node, state=state, event=event))
        after = apply_cluster_event(state, event)
        if isinstance(after, Problem):
            return None
        state = after
    world = world.with_node(node, msgspec.structs.replace(me, state=state))
    return world.with_node(peer_of(node), msgspec.structs.replace(peer, state=state))


def _recouple(world: World, node: NodeId) -> World | None:
    state = world.node(node).state
    if not isinstance(state, Decoupled) or state.active != node:
        return None
    return _commit_with_peer(world, node, [ClusterCouplingPrepared(active=node), ClusterCoupled(active=node)])


def _switch_over(world: World, node: NodeId) -> World | None:
    state = world.node(node).state
    if not isinstance(state, Coupled) or state.active != node:
        return None
    return _commit_with_peer(world, node, [ClusterSwitchedOver(activated=peer_of(node))])


def _shut_down(world: World, node: NodeId) -> World | None:
    state = world.node(node).state
    if not isinstance(state, Coupled) or state.active != node:
        return None
    after = _commit_with_peer(world, node, [ClusterActiveNodeShutDown()])
    return None if after is None else _kill(after, node)


def _confirm_loss(world: World, node: NodeId) -> World | None:
    if world.node(node).alive:
        return None  # The operator confirms only what is true.
    return _ask(world, ConfirmNodeLoss(lost=node, confirmer="operator"))[0]
