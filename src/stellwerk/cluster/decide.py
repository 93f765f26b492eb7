"""The Cluster Watch's decisions and the nodes' timeouts, pure (js7-reference §8.4): whom the watch lets act
alone, so that there are never two active nodes.

The watch answers four requests: a node's heartbeat with its cluster state (`CheckState`), a cluster event a
node is about to journal (`CheckEvent`; node-loss events need the watch's consent), and an operator's
`ConfirmNodeLoss`. Its rules:

- A watch that has just started is *untaught*: it learns the cluster state only when both nodes report the
  same state (or from `ClusterNodesAppointed`, the first event of a cluster), and until then it consents to no
  node loss — an operator must confirm the loss by hand.
- `ClusterPassiveLost` is confirmed only for the node the watch knows as active, while coupled.
- `ClusterFailedOver` is confirmed only for the watch's passive node, while coupled, and only when the active
  node's last heartbeat is older than `Timing.heartbeat_validity`. After consenting to `ClusterPassiveLost` the
  watch's state is no longer coupled, so the passive cannot fail over; after consenting to `ClusterFailedOver`
  the old active is no longer the watch's active node, so it cannot declare its passive lost.
- A manual confirmation is accepted only for the node named lost by the loss event the watch refused last; the
  node asking again then gets its consent, unless the watch heard from the lost node in between.
- A node that reports itself active gets its heartbeat confirmed only if the watch knows it as the active node;
  a (re)started node acts alone only after such a confirmation, so that a node confirmed lost while it was down
  does not come back acting alone.

Other events need no consent: while coupled the passive node must acknowledge them, and otherwise only the
active node journals anything. The watch follows them to stay taught.
"""

from __future__ import annotations

import msgspec

from stellwerk.cluster.states import (
    ClusterEvent,
    ClusterFailedOver,
    ClusterNodesAppointed,
    ClusterPassiveLost,
    ClusterState,
    Coupled,
    Empty,
    HasActive,
    NodeId,
    NodeLossEvent,
    PassiveLost,
    PreparedToBeCoupled,
    Timing,
    apply_cluster_event,
    lost_node_of,
)
from stellwerk.model.problems import Problem

# Requests ---------------------------------------------------------------------------------------------------


class CheckState(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="CheckState"):
    """A node's heartbeat: its cluster state as it has it."""

    node: NodeId
    state: ClusterState


class CheckEvent(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="CheckEvent"):
    """A node about to journal `event` onto its `state`."""

    node: NodeId
    state: ClusterState
    event: ClusterEvent


class ConfirmNodeLoss(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="ConfirmNodeLoss"):
    """An operator states that node `lost` is down."""

    lost: NodeId
    confirmer: str


WatchRequest = CheckState | CheckEvent | ConfirmNodeLoss


# The watch ---------------------------------------------------------------------------------------------------


class RefusedLoss(msgspec.Struct, frozen=True, kw_only=True):
    node: NodeId
    event: NodeLossEvent


class Watch(msgspec.Struct, frozen=True, kw_only=True):
    """What the Cluster Watch knows. `state` None: untaught, with the last state each node reported in
    `reports`. `active_heard_at`: when the active node last sent a heartbeat. `manual`: the node an operator
    confirmed lost, with the confirmer, good for the refused loss event only."""

    state: HasActive | None = None
    reports: tuple[tuple[NodeId, ClusterState], ...] = ()
    active_heard_at: float | None = None
    refused: RefusedLoss | None = None
    manual: tuple[NodeId, str] | None = None

    @property
    def taught(self) -> bool:
        return self.state is not None


class Confirmed(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Confirmed"):
    manual_confirmer: str | None = None


class Refused(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Refused"):
    """`untaught`: refused only because the watch has just started and knows nothing yet; an active node that
    is running goes on (it cannot act alone meanwhile: every loss needs the watch's consent), while a (re)started
    node waits."""

    problem: Problem
    untaught: bool = False


Answer = Confirmed | Refused


def decide(watch: Watch, request: WatchRequest, now: float, timing: Timing) -> tuple[Watch, Answer]:
    """The watch after `request` at time `now` (seconds), and its answer."""
    match request:
        case CheckState():
            return _check_state(watch, request, now)
        case CheckEvent(event=ClusterPassiveLost() | ClusterFailedOver() as event):
            return _check_loss(watch, request.node, request.state, event, now, timing)
        case CheckEvent():
            return _check_event(watch, request, now)
        case ConfirmNodeLoss():
            return _confirm_manually(watch, request)


def _check_state(watch: Watch, request: CheckState, now: float) -> tuple[Watch, Answer]:
    """A heartbeat. A node reporting itself active gets a confirmation only if the watch knows it as active:
    a (re)started node acts alone only after that. Hearing from a node voids a manual confirmation of its loss."""
    reported, node = request.state, request.node
    if isinstance(reported, Empty):
        return watch, Confirmed()
    if watch.manual is not None and watch.manual[0] == node:
        watch = msgspec.structs.replace(watch, manual=None, refused=None)
    known = watch.state
    if known is None:
        watch = _learn(watch, node, reported, now)
        if watch.state is None and reported.active == node:
            problem = Problem(
                "The Cluster Watch is untaught (just started): it does not know the active node"
            )
            return watch, Refused(problem=problem, untaught=True)
        return watch, Confirmed()
    if node == known.active:
        newer = reported if reported.generation > known.generation and reported.active == node else known
        return msgspec.structs.replace(watch, state=newer, active_heard_at=now), Confirmed()
    if reported.active == node:
        return watch, _refused(
            f"Node {node} is not the active node for the Cluster Watch ({known.active} is)"
        )
    return watch, Confirmed()


def _learn(watch: Watch, node: NodeId, reported: HasActive, now: float) -> Watch:
    """An untaught watch learns the state when both nodes report the same."""
    reports = tuple((n, s) for n, s in watch.reports if n != node) + ((node, reported),)
    others = [s for n, s in reports if n != node]
    if others and others[0] == reported:
        return Watch(state=reported, active_heard_at=now, refused=watch.refused, manual=watch.manual)
    return msgspec.structs.replace(watch, reports=reports)


def _check_event(watch: Watch, request: CheckEvent, now: float) -> tuple[Watch, Answer]:
    after = apply_cluster_event(request.state, request.event)
    if isinstance(after, Problem):
        return watch, Refused(problem=after)
    assert not isinstance(after, Empty)
    if isinstance(request.event, ClusterNodesAppointed) or (
        watch.state is not None and _may_change(watch.state, request.node, after)
    ):
        return Watch(state=after, active_heard_at=now), Confirmed()
    return watch, Confirmed()


def _may_change(known: HasActive, node: NodeId, after: HasActive) -> bool:
    """Whether the watch follows a node's event: it comes from the active node it knows (or, for a switch-over,
    from either node) and leads further than the state it knows."""
    return after.generation > known.generation and (node == known.active or after.active == known.passive)


def _check_loss(
    watch: Watch, node: NodeId, state: ClusterState, event: NodeLossEvent, now: float, timing: Timing
) -> tuple[Watch, Answer]:
    after = apply_cluster_event(state, event)
    if isinstance(after, Problem):
        return watch, Refused(problem=after)
    assert not isinstance(after, Empty)
    if watch.state == after and _asked_by_winner(after, node):
        return watch, Confirmed()  # The same request again: its answer was lost.
    if watch.manual is not None and watch.refused == RefusedLoss(node=node, event=event):
        lost, confirmer = watch.manual
        if lost == lost_node_of(event):
            return Watch(state=after, active_heard_at=now), Confirmed(manual_confirmer=confirmer)
    problem = _loss_problem(watch, node, event, now, timing)
    if problem is not None:
        return Watch(
            state=watch.state,
            reports=watch.reports,
            active_heard_at=watch.active_heard_at,
            refused=RefusedLoss(node=node, event=event),
        ), Refused(problem=problem)
    heard = now if isinstance(event, ClusterFailedOver) else watch.active_heard_at
    return Watch(state=after, active_heard_at=heard), Confirmed()


def _asked_by_winner(after: HasActive, node: NodeId) -> bool:
    return after.active == node


def _loss_problem(
    watch: Watch, node: NodeId, event: NodeLossEvent, now: float, timing: Timing
) -> Problem | None:
    known = watch.state
    if known is None:
        return Problem(
            "The Cluster Watch is untaught (just started): the node loss must be confirmed manually"
        )
    if isinstance(event, ClusterPassiveLost):
        if node != known.active or not isinstance(known, Coupled | PreparedToBeCoupled):
            return Problem(f"ClusterPassiveLost refused: {node} is not the coupled active node")
        return None
    if not isinstance(known, Coupled):
        if isinstance(known, PassiveLost) and known.passive == node:
            return Problem("ClusterFailOverWhilePassiveLost: the active node has declared this node lost")
        return Problem(f"ClusterFailedOver refused: the cluster is not coupled ({_tag(known)})")
    if node != known.passive or event.failed_active != known.active:
        return Problem(f"ClusterFailedOver refused: {node} is not the passive node")
    if watch.active_heard_at is not None and now - watch.active_heard_at < timing.heartbeat_validity:
        return Problem(f"ClusterFailedOver refused: the active node {known.active} sent a heartbeat lately")
    return None


def _confirm_manually(watch: Watch, request: ConfirmNodeLoss) -> tuple[Watch, Answer]:
    refused = watch.refused
    if refused is None or lost_node_of(refused.event) != request.lost:
        return watch, _refused(f"No refused loss of node {request.lost} to confirm")
    return msgspec.structs.replace(watch, manual=(request.lost, request.confirmer)), Confirmed()


def _refused(message: str) -> Refused:
    return Refused(problem=Problem(message))


def _tag(state: HasActive) -> str:
    return str(state.__struct_config__.tag)


# The nodes' timeouts -----------------------------------------------------------------------------------------


def passive_should_ask_failover(
    state: ClusterState, node: NodeId, now: float, active_heard_at: float, timing: Timing
) -> bool:
    """The coupled passive node has not heard from the active node for `active_lost_timeout`."""
    return (
        isinstance(state, Coupled)
        and state.passive == node
        and now - active_heard_at >= timing.active_lost_timeout
    )


def active_should_ask_passive_lost(
    state: ClusterState, node: NodeId, now: float, passive_heard_at: float, timing: Timing
) -> bool:
    """The coupled active node has had no acknowledgement from its passive for `passive_lost_timeout`."""
    return (
        isinstance(state, Coupled)
        and state.active == node
        and now - passive_heard_at >= timing.passive_lost_timeout
    )
