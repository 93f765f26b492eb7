"""Events: the only way state changes. Order events are keyed by the order id (engine JSON)."""

from __future__ import annotations

from typing import Any

import msgspec

from stellwerk.model.admission import CycleState
from stellwerk.model.instructions import LockDemand
from stellwerk.model.item_events import AgentEvent, ExternalOrderEvent, ItemEvent
from stellwerk.model.order import (
    CancellationMode,
    ExternalOrder,
    ForkedChild,
    NoticeId,
    Order,
    PlanId,
    SuspensionMode,
    WorkflowPosition,
)
from stellwerk.model.outcome import Outcome
from stellwerk.model.position import BranchPath, Position
from stellwerk.model.values import NamedValues
from stellwerk.model.workflow import WorkflowId


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", omit_defaults=True):
    pass


class OrderAdded(_Event, frozen=True, kw_only=True, tag="OrderAdded"):
    workflow_id: WorkflowId = msgspec.field(name="workflowId")
    arguments: NamedValues = {}
    scheduled_for: int | None = msgspec.field(default=None, name="scheduledFor")
    external_order: ExternalOrder | None = msgspec.field(default=None, name="externalOrder")
    plan_id: PlanId | None = msgspec.field(default=None, name="planId")
    priority: int = 0
    delete_when_terminated: bool = msgspec.field(default=False, name="deleteWhenTerminated")
    force_admission: bool = msgspec.field(default=False, name="forceAdmission")
    inner_block: BranchPath = msgspec.field(default=(), name="innerBlock")
    start_position: Position | None = msgspec.field(default=None, name="startPosition")
    stop_positions: tuple[Position, ...] = msgspec.field(default=(), name="stopPositions")


class OrderOrderAdded(_Event, frozen=True, kw_only=True, tag="OrderOrderAdded"):
    """Keyed by the adding order; adds the independent order `order_id`."""

    order_id: str = msgspec.field(name="orderId")
    workflow_id: WorkflowId = msgspec.field(name="workflowId")
    arguments: NamedValues = {}
    plan_id: PlanId | None = msgspec.field(default=None, name="planId")
    delete_when_terminated: bool = msgspec.field(default=False, name="deleteWhenTerminated")
    force_admission: bool = msgspec.field(default=False, name="forceAdmission")
    inner_block: BranchPath = msgspec.field(default=(), name="innerBlock")
    start_position: Position | None = msgspec.field(default=None, name="startPosition")
    stop_positions: tuple[Position, ...] = msgspec.field(default=(), name="stopPositions")


class OrderStarted(_Event, frozen=True, kw_only=True, tag="OrderStarted"):
    pass


class OrderFinished(_Event, frozen=True, kw_only=True, tag="OrderFinished"):
    outcome: Outcome | None = None


class OrderDeletionMarked(_Event, frozen=True, kw_only=True, tag="OrderDeletionMarked"):
    pass


class OrderDeleted(_Event, frozen=True, kw_only=True, tag="OrderDeleted"):
    pass


class OrderExternalVanished(_Event, frozen=True, kw_only=True, tag="OrderExternalVanished"):
    pass


class OrderTransferred(_Event, frozen=True, kw_only=True, tag="OrderTransferred"):
    workflow_position: WorkflowPosition = msgspec.field(name="workflowPosition")


class OrderPriorityChanged(_Event, frozen=True, kw_only=True, tag="OrderPriorityChanged"):
    priority: int


class OrderBroken(_Event, frozen=True, kw_only=True, tag="OrderBroken"):
    problem: str | None = None


class OrderAttachable(_Event, frozen=True, kw_only=True, tag="OrderAttachable"):
    agent_path: str = msgspec.field(name="agentPath")


class OrderAttached(_Event, frozen=True, kw_only=True, tag="OrderAttached"):
    agent_path: str = msgspec.field(name="agentPath")


class OrderAttachedToAgent(_Event, frozen=True, kw_only=True, tag="OrderAttachedToAgent"):
    """Agent journal: the order as the Controller handed it over (the Controller records OrderAttached)."""

    order: Order


class OrderDetachable(_Event, frozen=True, kw_only=True, tag="OrderDetachable"):
    pass


class OrderDetached(_Event, frozen=True, kw_only=True, tag="OrderDetached"):
    pass


class OrderProcessingStarted(_Event, frozen=True, kw_only=True, tag="OrderProcessingStarted"):
    subagent_id: str | None = msgspec.field(default=None, name="subagentId")
    subagent_bundle_id: str | None = msgspec.field(default=None, name="subagentBundleId")
    stick: bool = False
    end_of_admission_period: int | None = msgspec.field(default=None, name="endOfAdmissionPeriod")


class OrderStdoutWritten(_Event, frozen=True, kw_only=True, tag="OrderStdoutWritten"):
    chunk: str


class OrderStderrWritten(_Event, frozen=True, kw_only=True, tag="OrderStderrWritten"):
    chunk: str


class OrderProcessed(_Event, frozen=True, kw_only=True, tag="OrderProcessed"):
    outcome: Outcome


class OrderProcessingKilled(_Event, frozen=True, kw_only=True, tag="OrderProcessingKilled"):
    pass


class MoveReason(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE"):
    pass


class SkippedDueToWorkflowPathControl(
    MoveReason, frozen=True, kw_only=True, tag="SkippedDueToWorkflowPathControl"
):
    pass


class NoNotice(MoveReason, frozen=True, kw_only=True, tag="NoNotice"):
    pass


class NoAdmissionPeriodStart(MoveReason, frozen=True, kw_only=True, tag="NoAdmissionPeriodStart"):
    pass


MoveReasons = SkippedDueToWorkflowPathControl | NoNotice | NoAdmissionPeriodStart


class OrderMoved(_Event, frozen=True, kw_only=True, tag="OrderMoved"):
    to: Position
    reason: MoveReasons | None = None


class OrderOutcomeAdded(_Event, frozen=True, kw_only=True, tag="OrderOutcomeAdded"):
    outcome: Outcome


class OrderFailed(_Event, frozen=True, kw_only=True, tag="OrderFailed"):
    moved_to: Position = msgspec.field(name="movedTo")


class OrderFailedInFork(_Event, frozen=True, kw_only=True, tag="OrderFailedInFork"):
    moved_to: Position = msgspec.field(name="movedTo")


class OrderCaught(_Event, frozen=True, kw_only=True, tag="OrderCaught"):
    moved_to: Position = msgspec.field(name="movedTo")


class OrderRetrying(_Event, frozen=True, kw_only=True, tag="OrderRetrying"):
    delayed_until: int | None = msgspec.field(default=None, name="delayedUntil")
    moved_to: Position | None = msgspec.field(default=None, name="movedTo")


class OrderAwoke(_Event, frozen=True, kw_only=True, tag="OrderAwoke"):
    pass


class OrderStopped(_Event, frozen=True, kw_only=True, tag="OrderStopped"):
    pass


class OrderSleeping(_Event, frozen=True, kw_only=True, tag="OrderSleeping"):
    until: int
    cause: str = "SleepInstruction"


class OrderWaitingForAdmission(_Event, frozen=True, kw_only=True, tag="OrderWaitingForAdmission"):
    until: int


class OrderForked(_Event, frozen=True, kw_only=True, tag="OrderForked"):
    children: tuple[ForkedChild, ...]


class OrderJoined(_Event, frozen=True, kw_only=True, tag="OrderJoined"):
    outcome: Outcome


class OrderLocksQueued(_Event, frozen=True, kw_only=True, tag="OrderLocksQueued"):
    demands: tuple[LockDemand, ...]


class OrderLocksAcquired(_Event, frozen=True, kw_only=True, tag="OrderLocksAcquired"):
    demands: tuple[LockDemand, ...]


class OrderLocksReleased(_Event, frozen=True, kw_only=True, tag="OrderLocksReleased"):
    lock_paths: tuple[str, ...] = msgspec.field(name="lockPaths")


class OrderNoticeAnnounced(_Event, frozen=True, kw_only=True, tag="OrderNoticeAnnounced"):
    notice_id: NoticeId = msgspec.field(name="noticeId")


class OrderNoticePosted(_Event, frozen=True, kw_only=True, tag="OrderNoticePosted"):
    notice_id: NoticeId = msgspec.field(name="noticeId")
    end_of_life: int | None = msgspec.field(default=None, name="endOfLife")


class OrderNoticesExpected(_Event, frozen=True, kw_only=True, tag="OrderNoticesExpected"):
    notice_ids: tuple[NoticeId, ...] = msgspec.field(name="noticeIds")


class OrderNoticesRead(_Event, frozen=True, kw_only=True, tag="OrderNoticesRead"):
    pass


class OrderNoticesConsumptionStarted(_Event, frozen=True, kw_only=True, tag="OrderNoticesConsumptionStarted"):
    notice_ids: tuple[NoticeId, ...] = msgspec.field(name="noticeIds")


class OrderNoticesConsumed(_Event, frozen=True, kw_only=True, tag="OrderNoticesConsumed"):
    failed: bool = False


class OrderPrompted(_Event, frozen=True, kw_only=True, tag="OrderPrompted"):
    question: Any


class OrderPromptAnswered(_Event, frozen=True, kw_only=True, tag="OrderPromptAnswered"):
    pass


class OrderCyclingPrepared(_Event, frozen=True, kw_only=True, tag="OrderCyclingPrepared"):
    cycle_state: CycleState = msgspec.field(name="cycleState")


class OrderCycleStarted(_Event, frozen=True, kw_only=True, tag="OrderCycleStarted"):
    skipped: int | None = None


class OrderCycleFinished(_Event, frozen=True, kw_only=True, tag="OrderCycleFinished"):
    cycle_state: CycleState | None = msgspec.field(default=None, name="cycleState")


class OrderStickySubagentEntered(_Event, frozen=True, kw_only=True, tag="OrderStickySubagentEntered"):
    agent_path: str = msgspec.field(name="agentPath")
    subagent_bundle_id: str | None = msgspec.field(default=None, name="subagentBundleId")


class OrderStickySubagentLeaved(_Event, frozen=True, kw_only=True, tag="OrderStickySubagentLeaved"):
    pass


class OrderCancellationMarked(_Event, frozen=True, kw_only=True, tag="OrderCancellationMarked"):
    mode: CancellationMode


class OrderCancellationMarkedOnAgent(_Event, frozen=True, kw_only=True, tag="OrderCancellationMarkedOnAgent"):
    pass


class OrderStateReset(_Event, frozen=True, kw_only=True, tag="OrderStateReset"):
    pass


class OrderCancelled(_Event, frozen=True, kw_only=True, tag="OrderCancelled"):
    pass


class OrderSuspensionMarked(_Event, frozen=True, kw_only=True, tag="OrderSuspensionMarked"):
    mode: SuspensionMode


class OrderSuspensionMarkedOnAgent(_Event, frozen=True, kw_only=True, tag="OrderSuspensionMarkedOnAgent"):
    pass


class OrderSuspended(_Event, frozen=True, kw_only=True, tag="OrderSuspended"):
    pass


class OrderResumptionMarked(_Event, frozen=True, kw_only=True, tag="OrderResumptionMarked"):
    position: Position | None = None
    history_operations: tuple[Any, ...] = msgspec.field(default=(), name="historyOperations")
    as_succeeded: bool = msgspec.field(default=False, name="asSucceeded")
    restart_killed_job: bool = msgspec.field(default=False, name="restartKilledJob")


class OrderResumed(_Event, frozen=True, kw_only=True, tag="OrderResumed"):
    position: Position | None = None
    history_operations: tuple[Any, ...] = msgspec.field(default=(), name="historyOperations")
    as_succeeded: bool = msgspec.field(default=False, name="asSucceeded")
    restart_killed_job: bool = msgspec.field(default=False, name="restartKilledJob")


class OrderGoMarked(_Event, frozen=True, kw_only=True, tag="OrderGoMarked"):
    position: Position


class OrderGoes(_Event, frozen=True, kw_only=True, tag="OrderGoes"):
    pass


OrderEvent = (
    OrderAdded
    | OrderOrderAdded
    | OrderStarted
    | OrderFinished
    | OrderDeletionMarked
    | OrderDeleted
    | OrderExternalVanished
    | OrderTransferred
    | OrderPriorityChanged
    | OrderBroken
    | OrderAttachable
    | OrderAttached
    | OrderAttachedToAgent
    | OrderDetachable
    | OrderDetached
    | OrderProcessingStarted
    | OrderStdoutWritten
    | OrderStderrWritten
    | OrderProcessed
    | OrderProcessingKilled
    | OrderMoved
    | OrderOutcomeAdded
    | OrderFailed
    | OrderFailedInFork
    | OrderCaught
    | OrderRetrying
    | OrderAwoke
    | OrderStopped
    | OrderSleeping
    | OrderWaitingForAdmission
    | OrderForked
    | OrderJoined
    | OrderLocksQueued
    | OrderLocksAcquired
    | OrderLocksReleased
    | OrderNoticeAnnounced
    | OrderNoticePosted
    | OrderNoticesExpected
    | OrderNoticesRead
    | OrderNoticesConsumptionStarted
    | OrderNoticesConsumed
    | OrderPrompted
    | OrderPromptAnswered
    | OrderCyclingPrepared
    | OrderCycleStarted
    | OrderCycleFinished
    | OrderStickySubagentEntered
    | OrderStickySubagentLeaved
    | OrderCancellationMarked
    | OrderCancellationMarkedOnAgent
    | OrderStateReset
    | OrderCancelled
    | OrderSuspensionMarked
    | OrderSuspensionMarkedOnAgent
    | OrderSuspended
    | OrderResumptionMarked
    | OrderResumed
    | OrderGoMarked
    | OrderGoes
)


class NoticePosted(_Event, frozen=True, kw_only=True, tag="NoticePosted"):
    """Keyed by the board: a notice posted by command."""

    notice_id: NoticeId = msgspec.field(name="noticeId")
    end_of_life: int | None = msgspec.field(default=None, name="endOfLife")


class NoticeDeleted(_Event, frozen=True, kw_only=True, tag="NoticeDeleted"):
    """Keyed by the board."""

    notice_id: NoticeId = msgspec.field(name="noticeId")


BoardEvent = NoticePosted | NoticeDeleted
Event = OrderEvent | BoardEvent | ItemEvent | AgentEvent | ExternalOrderEvent


class KeyedEvent(msgspec.Struct, frozen=True, array_like=True):
    key: str
    event: Event
