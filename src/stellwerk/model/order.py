"""Orders: their states, marks and attachment, as immutable records (engine JSON)."""

from __future__ import annotations

from typing import Any

import msgspec

from stellwerk.model.admission import CycleState
from stellwerk.model.outcome import HistoricOutcome, Outcome
from stellwerk.model.position import BranchPath, Position
from stellwerk.model.values import NamedValues
from stellwerk.model.workflow import WorkflowId

# Notice ids: global ["BOARD", "KEY"]; planned ["PLANSCHEMA", "PLANKEY", "BOARD", "KEY"?].
NoticeId = tuple[str, ...]
PlanId = tuple[str, ...]


class _State(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", omit_defaults=True):
    pass


class Fresh(_State, frozen=True, kw_only=True, tag="Fresh"):
    pass


class Ready(_State, frozen=True, kw_only=True, tag="Ready"):
    pass


class Processing(_State, frozen=True, kw_only=True, tag="Processing"):
    subagent_id: str | None = msgspec.field(default=None, name="subagentId")
    subagent_bundle_id: str | None = msgspec.field(default=None, name="subagentBundleId")
    end_of_admission_period: int | None = msgspec.field(default=None, name="endOfAdmissionPeriod")


class Processed(_State, frozen=True, kw_only=True, tag="Processed"):
    pass


class ProcessingKilled(_State, frozen=True, kw_only=True, tag="ProcessingKilled"):
    pass


class DelayingRetry(_State, frozen=True, kw_only=True, tag="DelayingRetry"):
    until: int


class ForkedChild(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    order_id: str = msgspec.field(name="orderId")
    branch_id: str | None = msgspec.field(default=None, name="branchId")
    arguments: NamedValues = {}


class Forked(_State, frozen=True, kw_only=True, tag="Forked"):
    children: tuple[ForkedChild, ...]


class WaitingForLock(_State, frozen=True, kw_only=True, tag="WaitingForLock"):
    pass


class ExpectingNotices(_State, frozen=True, kw_only=True, tag="ExpectingNotices"):
    notice_ids: tuple[NoticeId, ...] = msgspec.field(name="noticeIds")


class Prompting(_State, frozen=True, kw_only=True, tag="Prompting"):
    question: Any


class BetweenCycles(_State, frozen=True, kw_only=True, tag="BetweenCycles"):
    cycle_state: CycleState | None = msgspec.field(default=None, name="cycleState")


class Sleeping(_State, frozen=True, kw_only=True, tag="Sleeping"):
    until: int
    cause: str = "SleepInstruction"


class WaitingForAdmission(_State, frozen=True, kw_only=True, tag="WaitingForAdmission"):
    until: int


class Failed(_State, frozen=True, kw_only=True, tag="Failed"):
    pass


class FailedWhileFresh(_State, frozen=True, kw_only=True, tag="FailedWhileFresh"):
    pass


class FailedInFork(_State, frozen=True, kw_only=True, tag="FailedInFork"):
    pass


class Stopped(_State, frozen=True, kw_only=True, tag="Stopped"):
    pass


class StoppedWhileFresh(_State, frozen=True, kw_only=True, tag="StoppedWhileFresh"):
    pass


class Broken(_State, frozen=True, kw_only=True, tag="Broken"):
    problem: str | None = None


class Finished(_State, frozen=True, kw_only=True, tag="Finished"):
    outcome: Outcome | None = None


class Cancelled(_State, frozen=True, kw_only=True, tag="Cancelled"):
    pass


OrderState = (
    Fresh
    | Ready
    | Processing
    | Processed
    | ProcessingKilled
    | DelayingRetry
    | Forked
    | WaitingForLock
    | ExpectingNotices
    | Prompting
    | BetweenCycles
    | Sleeping
    | WaitingForAdmission
    | Failed
    | FailedWhileFresh
    | FailedInFork
    | Stopped
    | StoppedWhileFresh
    | Broken
    | Finished
    | Cancelled
)

TERMINATED = (Finished, Cancelled)
# Waiting states that `SuspendOrders{resetState}` and cancellation leave through OrderStateReset.
RESETTABLE = (
    WaitingForLock,
    ExpectingNotices,
    Prompting,
    BetweenCycles,
    DelayingRetry,
    Sleeping,
    WaitingForAdmission,
)
FAILED_STATES = (Failed, FailedWhileFresh, FailedInFork, Stopped, StoppedWhileFresh, Broken)


class Kill(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    immediately: bool = False
    workflow_position: Any = msgspec.field(default=None, name="workflowPosition")


class FreshOnly(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="FreshOnly"):
    pass


class FreshOrStarted(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="FreshOrStarted", omit_defaults=True
):
    kill: Kill | None = None


CancellationMode = FreshOnly | FreshOrStarted


class SuspensionMode(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    reset_state: bool = msgspec.field(default=False, name="resetState")
    kill: Kill | None = None


class _Mark(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", omit_defaults=True):
    pass


class Cancelling(_Mark, frozen=True, kw_only=True, tag="Cancelling"):
    mode: CancellationMode = msgspec.field(default_factory=FreshOrStarted)


class Suspending(_Mark, frozen=True, kw_only=True, tag="Suspending"):
    mode: SuspensionMode = msgspec.field(default_factory=SuspensionMode)


class Resuming(_Mark, frozen=True, kw_only=True, tag="Resuming"):
    position: Position | None = None
    history_operations: tuple[Any, ...] = msgspec.field(default=(), name="historyOperations")
    as_succeeded: bool = msgspec.field(default=False, name="asSucceeded")
    restart_killed_job: bool = msgspec.field(default=False, name="restartKilledJob")


class Go(_Mark, frozen=True, kw_only=True, tag="Go"):
    position: Position


Mark = Cancelling | Suspending | Resuming | Go


class _Attached(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE"):
    agent_path: str = msgspec.field(name="agentPath")


class Attaching(_Attached, frozen=True, kw_only=True, tag="Attaching"):
    pass


class Attached(_Attached, frozen=True, kw_only=True, tag="Attached"):
    pass


class Detaching(_Attached, frozen=True, kw_only=True, tag="Detaching"):
    pass


AttachedState = Attaching | Attached | Detaching


class WorkflowPosition(msgspec.Struct, frozen=True, kw_only=True):
    workflow_id: WorkflowId = msgspec.field(name="workflowId")
    position: Position


class ExternalOrder(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    order_watch_path: str = msgspec.field(name="orderWatchPath")
    name: str
    vanished: bool = False


class StickySubagentEntry(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    agent_path: str = msgspec.field(name="agentPath")
    subagent_bundle_id: str | None = msgspec.field(default=None, name="subagentBundleId")
    stuck_subagent_id: str | None = msgspec.field(default=None, name="stuckSubagentId")


class Order(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    id: str
    workflow_position: WorkflowPosition = msgspec.field(name="workflowPosition")
    state: OrderState
    arguments: NamedValues = {}
    plan_id: PlanId | None = msgspec.field(default=None, name="planId")
    scheduled_for: int | None = msgspec.field(default=None, name="scheduledFor")
    external_order: ExternalOrder | None = msgspec.field(default=None, name="externalOrder")
    historic_outcomes: tuple[HistoricOutcome, ...] = msgspec.field(default=(), name="historicOutcomes")
    attached_state: AttachedState | None = msgspec.field(default=None, name="attachedState")
    parent: str | None = None
    priority: int = 0
    mark: Mark | None = None
    is_suspended: bool = msgspec.field(default=False, name="isSuspended")
    is_resumed: bool = msgspec.field(default=False, name="isResumed")
    delete_when_terminated: bool = msgspec.field(default=False, name="deleteWhenTerminated")
    deletion_marked: bool = msgspec.field(default=False, name="deletionMarked")
    force_admission: bool = msgspec.field(default=False, name="forceAdmission")
    sticky_subagents: tuple[StickySubagentEntry, ...] = msgspec.field(default=(), name="stickySubagents")
    inner_block: BranchPath = msgspec.field(default=(), name="innerBlock")
    stop_positions: tuple[Position, ...] = msgspec.field(default=(), name="stopPositions")

    @property
    def position(self) -> Position:
        return self.workflow_position.position

    @property
    def workflow_id(self) -> WorkflowId:
        return self.workflow_position.workflow_id

    @property
    def is_attached(self) -> bool:
        return isinstance(self.attached_state, Attached)

    @property
    def is_detached(self) -> bool:
        return self.attached_state is None

    @property
    def is_terminated(self) -> bool:
        return isinstance(self.state, TERMINATED)

    def last_outcome(self) -> Outcome | None:
        return self.historic_outcomes[-1].outcome if self.historic_outcomes else None
