"""The Workflow item and instruction lookup by position."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from stellwerk.model import instructions as i
from stellwerk.model.jobs import Expr, WorkflowJob
from stellwerk.model.position import BranchPath, Position, branch_kind

# "String" | "Number" | "Boolean" | "Any", or {"TYPE": "List", "elementType": …} / {"TYPE": "Object", name: type, …}
ParameterType = str | dict[str, Any]


class Parameter(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """Required (`type` only), optional (`type` and `default`), or computed (`final`, never given by the order)."""

    type: ParameterType | None = None
    default: Expr | None = None
    final: Expr | None = None


class OrderPreparation(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    parameters: dict[str, Parameter] = {}
    allow_undeclared: bool = msgspec.field(default=False, name="allowUndeclared")


class WorkflowId(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    version_id: str = msgspec.field(name="versionId")

    def __str__(self) -> str:
        return f"{self.path}~{self.version_id}"


class Workflow(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
    tag_field="TYPE",
    tag="Workflow",
):
    path: str = ""
    version_id: str = msgspec.field(default="", name="versionId")
    order_preparation: OrderPreparation = msgspec.field(
        default_factory=OrderPreparation, name="orderPreparation"
    )
    time_zone: str = msgspec.field(default="Etc/UTC", name="timeZone")
    job_resource_paths: tuple[str, ...] = msgspec.field(default=(), name="jobResourcePaths")
    calendar_path: str | None = msgspec.field(default=None, name="calendarPath")
    instructions: tuple[i.Instruction, ...] = ()
    jobs: dict[str, WorkflowJob] = {}
    result: dict[str, Expr] = {}

    @property
    def id(self) -> WorkflowId:
        return WorkflowId(path=self.path, version_id=self.version_id)


def block_of(instruction: i.Instruction, bid: str) -> tuple[i.Instruction, ...] | None:
    """The instruction list of branch `bid` of `instruction`, or None if it has no such branch."""
    kind = branch_kind(bid)
    match instruction:
        case i.If():
            if bid == "else":
                return instruction.else_.instructions if instruction.else_ else None
            if kind == "then":
                k = 1 if bid == "then" else int(bid.partition("+")[2] or 0)
                ok = 1 <= k <= len(instruction.if_thens)
                return instruction.if_thens[k - 1].then.instructions if ok else None
        case i.Try():
            if kind == "try":
                return instruction.try_.instructions
            if kind == "catch":
                return instruction.catch.instructions
        case i.Fork():
            branch_name = bid.partition("+")[2]
            for branch in instruction.branches:
                if kind == "fork" and branch.id == branch_name:
                    return branch.workflow.instructions
        case i.ForkList() if bid == "fork":
            return instruction.workflow.instructions
        case i.Lock() if bid == "lock":
            return instruction.locked_workflow.instructions
        case i.ConsumeNotices() if bid == "consumeNotices":
            return instruction.subworkflow.instructions
        case i.Cycle() if kind == "cycle":
            return instruction.cycle_workflow.instructions
        case i.Options() if bid == "options":
            return instruction.block.instructions
        case i.StickySubagent() if bid == "stickySubagent":
            return instruction.subworkflow.instructions
        case i.AdmissionTime() if bid == "admissionTime":
            return instruction.block.instructions
    return None


def block_at(workflow: Workflow, branch: BranchPath) -> tuple[i.Instruction, ...] | None:
    block = workflow.instructions
    for k in range(0, len(branch), 2):
        n, bid = branch[k], branch[k + 1]
        if not isinstance(n, int) or not isinstance(bid, str) or n >= len(block):
            return None
        inner = block_of(block[n], bid)
        if inner is None:
            return None
        block = inner
    return block


def instruction_at(workflow: Workflow, position: Position) -> i.Instruction | None:
    """The instruction at `position`; ImplicitEnd one past a block's last; None for an invalid position."""
    block = block_at(workflow, position[:-1])
    n = position[-1]
    if block is None or not isinstance(n, int):
        return None
    if n == len(block):
        return i.ImplicitEnd()
    return block[n] if 0 <= n < len(block) else None


def job_of(workflow: Workflow, instruction: i.Execute) -> WorkflowJob | None:
    if isinstance(instruction, i.ExecuteAnonymous):
        return instruction.job
    return workflow.jobs.get(instruction.job_name)


def child_blocks(instruction: i.Instruction) -> Iterator[tuple[str, tuple[i.Instruction, ...]]]:
    """Every (branch id, block) of an instruction, with the static branch ids (try+0, catch+0, cycle)."""
    match instruction:
        case i.If():
            for k, if_then in enumerate(instruction.if_thens, 1):
                yield ("then" if k == 1 else f"then+{k}"), if_then.then.instructions
            if instruction.else_:
                yield "else", instruction.else_.instructions
        case i.Try():
            yield "try+0", instruction.try_.instructions
            yield "catch+0", instruction.catch.instructions
        case i.Fork():
            for branch in instruction.branches:
                yield f"fork+{branch.id}", branch.workflow.instructions
        case i.ForkList():
            yield "fork", instruction.workflow.instructions
        case i.Lock():
            yield "lock", instruction.locked_workflow.instructions
        case i.ConsumeNotices():
            yield "consumeNotices", instruction.subworkflow.instructions
        case i.Cycle():
            yield "cycle", instruction.cycle_workflow.instructions
        case i.Options():
            yield "options", instruction.block.instructions
        case i.StickySubagent():
            yield "stickySubagent", instruction.subworkflow.instructions
        case i.AdmissionTime():
            yield "admissionTime", instruction.block.instructions


def walk(
    instructions: tuple[i.Instruction, ...], branch: BranchPath = ()
) -> Iterator[tuple[Position, i.Instruction]]:
    """Every instruction with its (static) position, depth first."""
    for n, instruction in enumerate(instructions):
        yield (*branch, n), instruction
        for bid, block in child_blocks(instruction):
            yield from walk(block, (*branch, n, bid))


def find_label(workflow: Workflow, label: str) -> Position | None:
    for position, instruction in walk(workflow.instructions):
        if instruction.label == label:
            return position
    return None
