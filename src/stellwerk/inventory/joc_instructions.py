"""Workflow instructions in JOC's inventory dialect, as the published inventory schemas describe them.

Only for decoding: `convert_instructions` turns them into the engine's instructions. Fields JOC's editor adds for
display (`position`, `positionString`, `state`) are accepted and dropped.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from stellwerk.model.admission import AdmissionTimeScheme, CycleSchedule


class _Joc(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, rename="camel"):
    pass


class _JocInstr(_Joc, frozen=True, kw_only=True, tag_field="TYPE"):
    label: str | None = None
    position: list[Any] | None = None
    position_string: str | None = None
    state: Any = None


class JocBlock(_Joc, frozen=True, kw_only=True):
    instructions: tuple[JocInstruction, ...] = ()


class JocBranchWorkflow(_Joc, frozen=True, kw_only=True):
    instructions: tuple[JocInstruction, ...] = ()
    result: dict[str, str] = {}


class JocNamedJob(_JocInstr, tag="Execute.Named", frozen=True, kw_only=True):
    job_name: str
    default_arguments: dict[str, str] = {}


class JocIf(_JocInstr, tag="If", frozen=True, kw_only=True):
    predicate: str
    then: JocBlock
    else_: JocBlock | None = msgspec.field(default=None, name="else")


class JocWhen(_Joc, frozen=True, kw_only=True):
    predicate: str
    then: JocBlock


class JocCaseWhen(_JocInstr, tag="CaseWhen", frozen=True, kw_only=True):
    cases: tuple[JocWhen, ...]
    else_: JocBlock | None = msgspec.field(default=None, name="else")


class JocTry(_JocInstr, tag="Try", frozen=True, kw_only=True):
    try_: JocBlock = msgspec.field(name="try")
    catch: JocBlock
    max_tries: int | None = None
    retry_delays: tuple[int, ...] | None = None


class JocRetry(_JocInstr, tag="Retry", frozen=True, kw_only=True):
    pass


class JocBreak(_JocInstr, tag="Break", frozen=True, kw_only=True):
    pass


class JocImplicitEnd(_JocInstr, tag="ImplicitEnd", frozen=True, kw_only=True):
    pass


class JocFinish(_JocInstr, tag="Finish", frozen=True, kw_only=True):
    message: str | None = None
    unsuccessful: bool | None = None


class JocFail(_JocInstr, tag="Fail", frozen=True, kw_only=True):
    message: str | None = None
    outcome: dict[str, Any] = {}
    uncatchable: bool = False


class JocBranch(_Joc, frozen=True, kw_only=True):
    id: str
    workflow: JocBranchWorkflow


class JocFork(_JocInstr, tag="Fork", frozen=True, kw_only=True):
    branches: tuple[JocBranch, ...]
    join_if_failed: bool = False


class JocForkList(_JocInstr, tag="ForkList", frozen=True, kw_only=True):
    children: str | None = None
    child_to_id: str | None = None
    agent_name: str | None = None
    subagent_cluster_id: str | None = None
    subagent_cluster_id_expr: str | None = None
    subagent_id_variable: str = "js7ForkListSubagentId"
    workflow: JocBranchWorkflow
    join_if_failed: bool = False


class JocLockDemand(_Joc, frozen=True, kw_only=True):
    lock_name: str
    count: int | None = None


class JocLock(_JocInstr, tag="Lock", frozen=True, kw_only=True):
    demands: tuple[JocLockDemand, ...] | None = None
    lock_name: str | None = None  # deprecated single form
    count: int | None = None
    locked_workflow: JocBlock


class JocPostNotice(_JocInstr, tag="PostNotice", frozen=True, kw_only=True):
    notice_board_name: str


class JocPostNotices(_JocInstr, tag="PostNotices", frozen=True, kw_only=True):
    notice_board_names: tuple[str, ...]


WhenNotAnnounced = Literal["Wait", "SkipWhenNoNotice", "DontWait"]


class JocExpectNotice(_JocInstr, tag="ExpectNotice", frozen=True, kw_only=True):
    notice_board_name: str


class JocExpectNotices(_JocInstr, tag="ExpectNotices", frozen=True, kw_only=True):
    notice_board_names: str
    when_not_announced: WhenNotAnnounced = "Wait"


class JocConsumeNotices(_JocInstr, tag="ConsumeNotices", frozen=True, kw_only=True):
    notice_board_names: str
    when_not_announced: WhenNotAnnounced = "Wait"
    subworkflow: JocBlock = JocBlock()


class JocPrompt(_JocInstr, tag="Prompt", frozen=True, kw_only=True):
    question: str


class JocCycle(_JocInstr, tag="Cycle", frozen=True, kw_only=True):
    schedule: CycleSchedule
    cycle_workflow: JocBlock
    only_one_period: bool = False


class JocAddOrder(_JocInstr, tag="AddOrder", frozen=True, kw_only=True):
    workflow_name: str
    arguments: dict[str, Any] = {}
    remain_when_terminated: bool = False
    start_position: list[int | str] | str | None = None
    end_positions: tuple[list[int | str] | str, ...] = ()
    block_position: list[int | str] | str | None = None
    force_job_admission: bool = False
    tags: tuple[str, ...] = ()


class JocOptions(_JocInstr, tag="Options", frozen=True, kw_only=True):
    stop_on_failure: bool | None = None
    block: JocBlock


class JocStickySubagent(_JocInstr, tag="StickySubagent", frozen=True, kw_only=True):
    agent_name: str
    subagent_cluster_id: str | None = None
    subagent_cluster_id_expr: str | None = None
    subworkflow: JocBlock


class JocSleep(_JocInstr, tag="Sleep", frozen=True, kw_only=True):
    duration: str


class JocAdmissionTime(_JocInstr, tag="AdmissionTime", frozen=True, kw_only=True):
    admission_time_scheme: AdmissionTimeScheme
    skip_if_no_admission_for_order_day: bool = False
    block: JocBlock


class JocSegment(_JocInstr, tag="Segment", frozen=True, kw_only=True):
    block: JocBlock


JocInstruction = (
    JocNamedJob
    | JocIf
    | JocCaseWhen
    | JocTry
    | JocRetry
    | JocBreak
    | JocImplicitEnd
    | JocFinish
    | JocFail
    | JocFork
    | JocForkList
    | JocLock
    | JocPostNotice
    | JocPostNotices
    | JocExpectNotice
    | JocExpectNotices
    | JocConsumeNotices
    | JocPrompt
    | JocCycle
    | JocAddOrder
    | JocOptions
    | JocStickySubagent
    | JocSleep
    | JocAdmissionTime
    | JocSegment
)
