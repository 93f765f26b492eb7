"""Workflow instructions (engine JSON): a tagged union on "TYPE", blocks nest instruction lists."""

from __future__ import annotations

from typing import Literal

import msgspec

from stellwerk.model.admission import AdmissionTimeScheme, CycleSchedule
from stellwerk.model.jobs import Expr, WorkflowJob
from stellwerk.model.outcome import Failed, Succeeded
from stellwerk.model.position import BranchPath, Position
from stellwerk.model.values import NamedValues


class _Instr(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag_field="TYPE",
    omit_defaults=True,
    forbid_unknown_fields=True,
):
    label: str | None = None


class Block(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    instructions: tuple[Instruction, ...] = ()


class BranchWorkflow(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """A fork branch's block; `result` names values (expressions in the child's scope) returned to the parent."""

    instructions: tuple[Instruction, ...] = ()
    result: dict[str, Expr] = {}


class ExecuteNamed(_Instr, tag="Execute.Named", frozen=True, kw_only=True):
    job_name: str = msgspec.field(name="jobName")
    default_arguments: dict[str, Expr] = msgspec.field(default_factory=dict, name="defaultArguments")


class ExecuteAnonymous(_Instr, tag="Execute.Anonymous", frozen=True, kw_only=True):
    job: WorkflowJob
    default_arguments: dict[str, Expr] = msgspec.field(default_factory=dict, name="defaultArguments")


class IfThen(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    predicate: Expr
    then: Block


class If(_Instr, tag="If", frozen=True, kw_only=True):
    if_thens: tuple[IfThen, ...] = msgspec.field(name="ifThens")
    else_: Block | None = msgspec.field(default=None, name="else")


class Try(_Instr, tag="Try", frozen=True, kw_only=True):
    try_: Block = msgspec.field(name="try")
    catch: Block
    max_tries: int | None = msgspec.field(default=None, name="maxTries")
    retry_delays: tuple[int, ...] | None = msgspec.field(default=None, name="retryDelays")


class Retry(_Instr, tag="Retry", frozen=True, kw_only=True):
    pass


class Fail(_Instr, tag="Fail", frozen=True, kw_only=True):
    message: Expr | None = None
    named_values: NamedValues = msgspec.field(default_factory=dict, name="namedValues")
    uncatchable: bool = False


class Finish(_Instr, tag="Finish", frozen=True, kw_only=True):
    outcome: Succeeded | Failed | None = None


class Break(_Instr, tag="Break", frozen=True, kw_only=True):
    pass


class ForkBranch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    workflow: BranchWorkflow


class Fork(_Instr, tag="Fork", frozen=True, kw_only=True):
    branches: tuple[ForkBranch, ...]
    agent_path: str | None = msgspec.field(default=None, name="agentPath")
    join_if_failed: bool = msgspec.field(default=False, name="joinIfFailed")


class ForkList(_Instr, tag="ForkList", frozen=True, kw_only=True):
    children: Expr
    child_to_id: Expr = msgspec.field(name="childToId")
    child_to_arguments: Expr | None = msgspec.field(default=None, name="childToArguments")
    workflow: BranchWorkflow
    agent_path: str | None = msgspec.field(default=None, name="agentPath")
    join_if_failed: bool = msgspec.field(default=False, name="joinIfFailed")


class LockDemand(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """`count` absent means exclusive: the lock must be completely free."""

    lock_path: str = msgspec.field(name="lockPath")
    count: int | None = None


class Lock(_Instr, tag="Lock", frozen=True, kw_only=True):
    demands: tuple[LockDemand, ...]
    locked_workflow: Block = msgspec.field(name="lockedWorkflow")


class PostNotices(_Instr, tag="PostNotices", frozen=True, kw_only=True):
    board_paths: tuple[str, ...] = msgspec.field(name="boardPaths")


WhenNotAnnounced = Literal["Wait", "SkipWhenNoNotice", "DontWait"]


class ExpectNotices(_Instr, tag="ExpectNotices", frozen=True, kw_only=True):
    board_paths: Expr = msgspec.field(name="boardPaths")
    when_not_announced: WhenNotAnnounced = msgspec.field(default="Wait", name="whenNotAnnounced")


class ConsumeNotices(_Instr, tag="ConsumeNotices", frozen=True, kw_only=True):
    board_paths: Expr = msgspec.field(name="boardPaths")
    when_not_announced: WhenNotAnnounced = msgspec.field(default="Wait", name="whenNotAnnounced")
    subworkflow: Block


class Prompt(_Instr, tag="Prompt", frozen=True, kw_only=True):
    question: Expr


class Cycle(_Instr, tag="Cycle", frozen=True, kw_only=True):
    schedule: CycleSchedule
    cycle_workflow: Block = msgspec.field(name="cycleWorkflow")
    only_one_period: bool = msgspec.field(default=False, name="onlyOnePeriod")


class Sleep(_Instr, tag="Sleep", frozen=True, kw_only=True):
    duration: Expr


class AddOrder(_Instr, tag="AddOrder", frozen=True, kw_only=True):
    order_id: Expr = msgspec.field(name="orderId")
    workflow_path: str = msgspec.field(name="workflowPath")
    arguments: dict[str, Expr] = {}
    plan_id: Expr | None = msgspec.field(default=None, name="planId")
    inner_block: BranchPath | None = msgspec.field(default=None, name="innerBlock")
    start_position: Position | None = msgspec.field(default=None, name="startPosition")
    stop_positions: tuple[Position, ...] = msgspec.field(default=(), name="stopPositions")
    delete_when_terminated: bool = msgspec.field(default=False, name="deleteWhenTerminated")
    force_admission: bool = msgspec.field(default=False, name="forceAdmission")


class Options(_Instr, tag="Options", frozen=True, kw_only=True):
    stop_on_failure: bool | None = msgspec.field(default=None, name="stopOnFailure")
    block: Block


class StickySubagent(_Instr, tag="StickySubagent", frozen=True, kw_only=True):
    agent_path: str = msgspec.field(name="agentPath")
    subagent_bundle_id_expr: Expr | None = msgspec.field(default=None, name="subagentBundleIdExpr")
    subworkflow: Block


class AdmissionTime(_Instr, tag="AdmissionTime", frozen=True, kw_only=True):
    admission_time_scheme: AdmissionTimeScheme = msgspec.field(name="admissionTimeScheme")
    skip_if_no_admission_start_for_order_day: bool = msgspec.field(
        default=False, name="skipIfNoAdmissionStartForOrderDay"
    )
    block: Block


class Stop(_Instr, tag="Stop", frozen=True, kw_only=True):
    pass


class BreakOrder(_Instr, tag="BreakOrder", frozen=True, kw_only=True):
    pass


class Empty(_Instr, tag="Empty", frozen=True, kw_only=True):
    pass


class ImplicitEnd(_Instr, tag="ImplicitEnd", frozen=True, kw_only=True):
    """The end of every block; never stored, returned by lookups one past the last instruction."""


Instruction = (
    ExecuteNamed
    | ExecuteAnonymous
    | If
    | Try
    | Retry
    | Fail
    | Finish
    | Break
    | Fork
    | ForkList
    | Lock
    | PostNotices
    | ExpectNotices
    | ConsumeNotices
    | Prompt
    | Cycle
    | Sleep
    | AddOrder
    | Options
    | StickySubagent
    | AdmissionTime
    | Stop
    | BreakOrder
    | Empty
    | ImplicitEnd
)

Execute = ExecuteNamed | ExecuteAnonymous
