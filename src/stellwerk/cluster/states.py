"""Cluster states and cluster events, pure (js7-reference §8.1, §8.2): which node is active, whether the passive
is coupled, and the transitions the events make.

Only two nodes exist, `Primary` and `Backup`. A state names its active node; `Empty` has none yet. While
`Coupled`, the active node commits an event only when the passive has it too; in every other non-empty state
the active node acts alone.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from stellwerk.model.problems import Problem

NodeId = Literal["Primary", "Backup"]
NODES: tuple[NodeId, NodeId] = ("Primary", "Backup")


def peer_of(node: NodeId) -> NodeId:
    return "Backup" if node == "Primary" else "Primary"


class Timing(msgspec.Struct, frozen=True, kw_only=True):
    """Seconds; the JS7 defaults are 3, 10 and 6 (js7-reference §8.3). The derived timeouts follow JS7's
    formulas, so that the active node reports its passive lost before the passive reports the active lost."""

    heartbeat: float = 3.0
    heartbeat_timeout: float = 10.0
    consent_timeout: float = 6.0

    @property
    def passive_lost_timeout(self) -> float:
        return self.heartbeat + self.heartbeat_timeout

    @property
    def active_lost_timeout(self) -> float:
        return self.passive_lost_timeout + 2 * self.heartbeat

    @property
    def heartbeat_validity(self) -> float:
        """How long the Cluster Watch counts the active node's last heartbeat as proof that it lives."""
        return self.passive_lost_timeout + self.heartbeat


# States ----------------------------------------------------------------------------------------------------


class _State(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE"):
    pass


class Empty(_State, frozen=True, kw_only=True, tag="Empty"):
    """No cluster appointed: a standalone node."""


class _HasActive(_State, frozen=True, kw_only=True):
    active: NodeId
    # Counts the cluster events that led here; two reports of the same state have the same generation.
    generation: int

    @property
    def passive(self) -> NodeId:
        return peer_of(self.active)


class NodesAppointed(_HasActive, frozen=True, kw_only=True, tag="NodesAppointed"):
    pass


class PreparedToBeCoupled(_HasActive, frozen=True, kw_only=True, tag="PreparedToBeCoupled"):
    pass


class Coupled(_HasActive, frozen=True, kw_only=True, tag="Coupled"):
    pass


class PassiveLost(_HasActive, frozen=True, kw_only=True, tag="PassiveLost"):
    pass


class FailedOver(_HasActive, frozen=True, kw_only=True, tag="FailedOver"):
    """`failed_at`: the byte position in the journal (segment, offset) where the new active node took over;
    the old active truncates its journal there."""

    failed_at: tuple[int, int] = (0, 0)


class SwitchedOver(_HasActive, frozen=True, kw_only=True, tag="SwitchedOver"):
    pass


class ActiveShutDown(_HasActive, frozen=True, kw_only=True, tag="ActiveShutDown"):
    pass


ClusterState = (
    Empty
    | NodesAppointed
    | PreparedToBeCoupled
    | Coupled
    | PassiveLost
    | FailedOver
    | SwitchedOver
    | ActiveShutDown
)
HasActive = (
    NodesAppointed | PreparedToBeCoupled | Coupled | PassiveLost | FailedOver | SwitchedOver | ActiveShutDown
)
# The states from which coupling can be prepared again.
Decoupled = NodesAppointed | PassiveLost | FailedOver | SwitchedOver | ActiveShutDown


# Events ----------------------------------------------------------------------------------------------------


class _ClusterEvent(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE"):
    pass


class ClusterNodesAppointed(_ClusterEvent, frozen=True, kw_only=True, tag="ClusterNodesAppointed"):
    active: NodeId = "Primary"


class ClusterCouplingPrepared(_ClusterEvent, frozen=True, kw_only=True, tag="ClusterCouplingPrepared"):
    active: NodeId


class ClusterCoupled(_ClusterEvent, frozen=True, kw_only=True, tag="ClusterCoupled"):
    active: NodeId


class ClusterPassiveLost(_ClusterEvent, frozen=True, kw_only=True, tag="ClusterPassiveLost"):
    lost: NodeId


class ClusterFailedOver(_ClusterEvent, frozen=True, kw_only=True, tag="ClusterFailedOver"):
    failed_active: NodeId
    activated: NodeId
    failed_at: tuple[int, int] = (0, 0)


class ClusterSwitchedOver(_ClusterEvent, frozen=True, kw_only=True, tag="ClusterSwitchedOver"):
    activated: NodeId


class ClusterActiveNodeShutDown(_ClusterEvent, frozen=True, kw_only=True, tag="ClusterActiveNodeShutDown"):
    pass


class ClusterActiveNodeRestarted(_ClusterEvent, frozen=True, kw_only=True, tag="ClusterActiveNodeRestarted"):
    pass


ClusterEvent = (
    ClusterNodesAppointed
    | ClusterCouplingPrepared
    | ClusterCoupled
    | ClusterPassiveLost
    | ClusterFailedOver
    | ClusterSwitchedOver
    | ClusterActiveNodeShutDown
    | ClusterActiveNodeRestarted
)
# Events that declare a node lost: the Cluster Watch must consent to them.
NodeLossEvent = ClusterPassiveLost | ClusterFailedOver


def lost_node_of(event: NodeLossEvent) -> NodeId:
    return event.lost if isinstance(event, ClusterPassiveLost) else event.failed_active


def apply_cluster_event(state: ClusterState, event: ClusterEvent) -> ClusterState | Problem:
    """The state after `event`, or a Problem if the event does not fit the state."""
    if isinstance(event, ClusterNodesAppointed):
        if not isinstance(state, Empty):
            return Problem(f"ClusterNodesAppointed in state {state.__struct_config__.tag}")
        return NodesAppointed(active=event.active, generation=1)
    if isinstance(state, Empty):
        return Problem(f"{_name(event)} before the cluster nodes are appointed")
    generation = state.generation + 1
    match event:
        case ClusterCouplingPrepared(active=active) if (
            isinstance(state, Decoupled) and active == state.active
        ):
            return PreparedToBeCoupled(active=active, generation=generation)
        case ClusterCoupled(active=active) if (
            isinstance(state, PreparedToBeCoupled) and active == state.active
        ):
            return Coupled(active=active, generation=generation)
        case ClusterPassiveLost(lost=lost) if _is_coupling(state) and lost == state.passive:
            return PassiveLost(active=state.active, generation=generation)
        case ClusterFailedOver(failed_active=failed, activated=activated, failed_at=failed_at) if (
            isinstance(state, Coupled) and failed == state.active and activated == state.passive
        ):
            return FailedOver(active=activated, generation=generation, failed_at=failed_at)
        case ClusterSwitchedOver(activated=activated) if (
            isinstance(state, Coupled) and activated == state.passive
        ):
            return SwitchedOver(active=activated, generation=generation)
        case ClusterActiveNodeShutDown() if isinstance(state, Coupled):
            return ActiveShutDown(active=state.active, generation=generation)
        case ClusterActiveNodeRestarted() if isinstance(state, ActiveShutDown):
            return PassiveLost(active=state.active, generation=generation)
    return Problem(f"{_name(event)} does not fit cluster state {_name(state)} (active {state.active})")


def _is_coupling(state: HasActive) -> bool:
    return isinstance(state, Coupled | PreparedToBeCoupled)


def is_active(state: ClusterState, node: NodeId) -> bool:
    return not isinstance(state, Empty) and state.active == node


def acts_alone(state: ClusterState, node: NodeId) -> bool:
    """Whether `node` may commit events without the peer's acknowledgement: it is the active node of a state
    that is not Coupled (or there is no cluster)."""
    if isinstance(state, Empty):
        return True
    return state.active == node and not isinstance(state, Coupled)


def needs_acknowledgement(state: ClusterState, node: NodeId) -> bool:
    """Whether `node`, active, commits an event only when the passive node has it too."""
    return isinstance(state, Coupled) and state.active == node


def _name(value: _State | _ClusterEvent) -> str:
    return str(value.__struct_config__.tag)
