"""Commands affecting orders and notices (engine JSON, `POST /controller/api/command`, js7-reference §4.5)."""

from __future__ import annotations

from typing import Any

import msgspec

from stellwerk.model.order import CancellationMode, FreshOrStarted, NoticeId, PlanId, SuspensionMode
from stellwerk.model.position import BranchPath, Position
from stellwerk.model.values import NamedValues
from stellwerk.model.workflow import WorkflowId

# A position, or the label of an instruction (FreshOrder's startPosition and stopPositions accept both).
PositionOrLabel = Position | str


class FreshOrder(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """An order as AddOrder submits it; `workflowPath` names the newest version of the workflow."""

    id: str
    workflow_path: str = msgspec.field(name="workflowPath")
    arguments: NamedValues = {}
    plan_id: PlanId | None = msgspec.field(default=None, name="planId")
    scheduled_for: int | None = msgspec.field(default=None, name="scheduledFor")
    priority: int = 0
    delete_when_terminated: bool = msgspec.field(default=False, name="deleteWhenTerminated")
    force_admission: bool = msgspec.field(default=False, name="forceAdmission")
    inner_block: BranchPath = msgspec.field(default=(), name="innerBlock")
    start_position: PositionOrLabel | None = msgspec.field(default=None, name="startPosition")
    stop_positions: tuple[PositionOrLabel, ...] = msgspec.field(default=(), name="stopPositions")


class _Command(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", omit_defaults=True):
    pass


class AddOrder(_Command, frozen=True, kw_only=True, tag="AddOrder"):
    """Add one order; an existing id is ignored (the response says `ignoredBecauseDuplicate`)."""

    order: FreshOrder


class AddOrders(_Command, frozen=True, kw_only=True, tag="AddOrders"):
    """Add several orders, all or none."""

    orders: tuple[FreshOrder, ...]


class CancelOrders(_Command, frozen=True, kw_only=True, tag="CancelOrders"):
    order_ids: tuple[str, ...] = msgspec.field(name="orderIds")
    mode: CancellationMode = msgspec.field(default_factory=FreshOrStarted)


class SuspendOrders(_Command, frozen=True, kw_only=True, tag="SuspendOrders"):
    order_ids: tuple[str, ...] = msgspec.field(name="orderIds")
    mode: SuspensionMode = msgspec.field(default_factory=SuspensionMode)


class ResumeOrder(_Command, frozen=True, kw_only=True, tag="ResumeOrder"):
    """`restartKilledJob` absent: restart a killed job if the job is restartable (JS7's default)."""

    order_id: str = msgspec.field(name="orderId")
    position: Position | None = None
    history_operations: tuple[Any, ...] = msgspec.field(default=(), name="historyOperations")
    as_succeeded: bool = msgspec.field(default=False, name="asSucceeded")
    restart_killed_job: bool | None = msgspec.field(default=None, name="restartKilledJob")


class ResumeOrders(_Command, frozen=True, kw_only=True, tag="ResumeOrders"):
    order_ids: tuple[str, ...] = msgspec.field(name="orderIds")
    as_succeeded: bool = msgspec.field(default=False, name="asSucceeded")
    restart_killed_job: bool | None = msgspec.field(default=None, name="restartKilledJob")


class GoOrder(_Command, frozen=True, kw_only=True, tag="GoOrder"):
    """End a time-based wait (scheduledFor, retry delay, sleep, cycle, admission) at `position` now."""

    order_id: str = msgspec.field(name="orderId")
    position: Position


class AnswerOrderPrompt(_Command, frozen=True, kw_only=True, tag="AnswerOrderPrompt"):
    order_id: str = msgspec.field(name="orderId")


class DeleteOrdersWhenTerminated(_Command, frozen=True, kw_only=True, tag="DeleteOrdersWhenTerminated"):
    order_ids: tuple[str, ...] = msgspec.field(name="orderIds")


class ChangeOrder(_Command, frozen=True, kw_only=True, tag="ChangeOrder"):
    order_id: str = msgspec.field(name="orderId")
    priority: int


class PostNotice(_Command, frozen=True, kw_only=True, tag="PostNotice"):
    notice_id: NoticeId = msgspec.field(name="noticeId")
    end_of_life: int | None = msgspec.field(default=None, name="endOfLife")


class DeleteNotice(_Command, frozen=True, kw_only=True, tag="DeleteNotice"):
    notice_id: NoticeId = msgspec.field(name="noticeId")


class TransferOrders(_Command, frozen=True, kw_only=True, tag="TransferOrders"):
    """Move every order of `workflowId` to the newest version of its workflow."""

    workflow_id: WorkflowId = msgspec.field(name="workflowId")


class ControlWorkflowPath(_Command, frozen=True, kw_only=True, tag="ControlWorkflowPath"):
    """Suspend or resume every version of a workflow (`suspend` absent: unchanged), and skip or unskip its
    jobs by label (`skip`: label -> true to skip, false to run again)."""

    workflow_path: str = msgspec.field(name="workflowPath")
    suspend: bool | None = None
    skip: dict[str, bool] = {}


class ControlWorkflow(_Command, frozen=True, kw_only=True, tag="ControlWorkflow"):
    """Add or remove breakpoints (JOC: stop / unstop a job) of one workflow version."""

    workflow_id: WorkflowId = msgspec.field(name="workflowId")
    add_breakpoints: tuple[Position, ...] = msgspec.field(default=(), name="addBreakpoints")
    remove_breakpoints: tuple[Position, ...] = msgspec.field(default=(), name="removeBreakpoints")


class ResetAgent(_Command, frozen=True, kw_only=True, tag="ResetAgent"):
    """Start afresh with an Agent (js7-reference §6.1 step 8): its orders fail, uncatchably, its items are
    detached, and the Agent drops its journal and restarts; `force` also seizes an Agent that another Controller
    (or an older run of this one) holds."""

    agent_path: str = msgspec.field(name="agentPath")
    force: bool = False


class Switchover(msgspec.Struct, frozen=True, tag_field="TYPE", tag="Switchover"):
    pass


class Failover(msgspec.Struct, frozen=True, tag_field="TYPE", tag="Failover"):
    pass


class ShutDown(_Command, frozen=True, kw_only=True, tag="ShutDown"):
    """Stop the Controller node in order (JOC terminate, restart): a cluster's active node first hands over to
    the passive with `Switchover`, or stops so that the passive fails over with `Failover`."""

    restart: bool = False
    cluster_action: Switchover | Failover | None = msgspec.field(default=None, name="clusterAction")


class EmergencyStop(_Command, frozen=True, kw_only=True, tag="EmergencyStop"):
    """End the Controller node at once (JOC abort, abort_and_restart)."""

    restart: bool = False


class Batch(_Command, frozen=True, kw_only=True, tag="Batch"):
    """Several commands, all or none."""

    commands: tuple[Command, ...]


Command = (
    AddOrder
    | AddOrders
    | CancelOrders
    | SuspendOrders
    | ResumeOrder
    | ResumeOrders
    | GoOrder
    | AnswerOrderPrompt
    | DeleteOrdersWhenTerminated
    | ChangeOrder
    | PostNotice
    | DeleteNotice
    | TransferOrders
    | ControlWorkflowPath
    | ControlWorkflow
    | ResetAgent
    | ShutDown
    | EmergencyStop
    | Batch
)
