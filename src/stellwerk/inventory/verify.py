"""Semantic checks of an engine Workflow, as JS7 makes them on deployment (js7-reference §1.2, §3.1).

Findings carry engine JSON paths; `decode_item` translates them back to the inventory file's paths.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from stellwerk.inventory.expressions import expression_problem
from stellwerk.inventory.located import Finding, child
from stellwerk.inventory.return_codes import code_ranges
from stellwerk.model import instructions as i
from stellwerk.model.jobs import InternalExecutable, ReturnCodeMeaning, WorkflowJob
from stellwerk.model.workflow import Workflow

_PYTHON_CALLABLE = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


class _Context(NamedTuple):
    in_catch: bool = False  # Retry allowed
    in_cycle: bool = False  # Break allowed


def verify_workflow(workflow: Workflow) -> list[Finding]:
    verifier = _Verifier(workflow)
    verifier.block(workflow.instructions, "$.instructions", _Context())
    verifier.workflow_level()
    return verifier.findings


class _Verifier:
    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.findings: list[Finding] = []
        self.labels: set[str] = set()
        self.has_cycle = False

    def add(self, path: str, message: str) -> None:
        self.findings.append(Finding(path, message))

    def expression(self, path: str, text: str | None) -> None:
        if text is not None and (problem := expression_problem(text)) is not None:
            self.add(path, f"invalid expression: {problem}")

    def expressions(self, path: str, texts: dict[str, str]) -> None:
        for name, text in texts.items():
            self.expression(child(path, name), text)

    def block(self, instructions: tuple[i.Instruction, ...], path: str, context: _Context) -> None:
        for n, instruction in enumerate(instructions):
            self.instruction(instruction, f"{path}[{n}]", context)

    def instruction(self, instruction: i.Instruction, path: str, context: _Context) -> None:
        if instruction.label is not None:
            if instruction.label in self.labels:
                self.add(f"{path}.label", f"duplicate label {instruction.label!r}")
            self.labels.add(instruction.label)
        self.check(instruction, path, context)
        for sub_path, block, sub_context in _blocks(instruction, path, context):
            self.block(block, sub_path, sub_context)

    def check(self, instruction: i.Instruction, path: str, context: _Context) -> None:
        match instruction:
            case i.ExecuteNamed():
                if instruction.job_name not in self.workflow.jobs:
                    self.add(f"{path}.jobName", f"unknown job {instruction.job_name!r}")
                self.expressions(f"{path}.defaultArguments", instruction.default_arguments)
            case i.ExecuteAnonymous():
                self.job(instruction.job, f"{path}.job")
                self.expressions(f"{path}.defaultArguments", instruction.default_arguments)
            case i.Retry() if not context.in_catch:
                self.add(path, "Retry is only allowed in a catch block")
            case i.Break() if not context.in_cycle:
                self.add(path, "Break is only allowed inside a Cycle (and not across a Fork)")
            case i.Try():
                self.try_(instruction, path)
            case i.Fork():
                self.fork(instruction, path)
            case i.Lock():
                self.lock(instruction, path)
            case i.Cycle():
                self.has_cycle = True
            case _:
                self.expressions_of(instruction, path)

    def expressions_of(self, instruction: i.Instruction, path: str) -> None:
        match instruction:
            case i.If():
                for k, if_then in enumerate(instruction.if_thens):
                    self.expression(f"{path}.ifThens[{k}].predicate", if_then.predicate)
            case i.Fail():
                self.expression(f"{path}.message", instruction.message)
            case i.ForkList():
                self.expression(f"{path}.children", instruction.children)
                self.expression(f"{path}.childToId", instruction.child_to_id)
                self.expression(f"{path}.childToArguments", instruction.child_to_arguments)
                self.expressions(f"{path}.workflow.result", instruction.workflow.result)
            case i.ExpectNotices() | i.ConsumeNotices():
                self.expression(f"{path}.boardPaths", instruction.board_paths)
            case i.Prompt():
                self.expression(f"{path}.question", instruction.question)
            case i.Sleep():
                self.expression(f"{path}.duration", instruction.duration)
            case i.AddOrder():
                self.expression(f"{path}.orderId", instruction.order_id)
                self.expression(f"{path}.planId", instruction.plan_id)
                self.expressions(f"{path}.arguments", instruction.arguments)
            case i.StickySubagent():
                self.expression(f"{path}.subagentBundleIdExpr", instruction.subagent_bundle_id_expr)

    def try_(self, instruction: i.Try, path: str) -> None:
        if instruction.max_tries is not None and instruction.max_tries < 1:
            self.add(f"{path}.maxTries", "maxTries must be at least 1")
        if any(delay < 0 for delay in instruction.retry_delays or ()):
            self.add(f"{path}.retryDelays", "retry delays must not be negative")
        retrying = instruction.max_tries is not None or instruction.retry_delays is not None
        if retrying and not _has_retry(instruction.catch.instructions):
            field = "maxTries" if instruction.max_tries is not None else "retryDelays"
            self.add(f"{path}.{field}", "maxTries and retryDelays require a Retry in the catch block")

    def fork(self, instruction: i.Fork, path: str) -> None:
        if not instruction.branches:
            self.add(f"{path}.branches", "a Fork needs at least one branch")
        ids: set[str] = set()
        result_branch: dict[str, str] = {}
        for k, branch in enumerate(instruction.branches):
            branch_path = f"{path}.branches[{k}]"
            if not branch.id:
                self.add(f"{branch_path}.id", "empty branch id")
            elif branch.id in ids:
                self.add(f"{branch_path}.id", f"duplicate branch id {branch.id!r}")
            ids.add(branch.id)
            for name in branch.workflow.result:
                if name in result_branch:
                    other = result_branch[name]
                    self.add(
                        child(f"{branch_path}.workflow.result", name),
                        f"result {name!r} is also returned by branch {other!r}",
                    )
                result_branch.setdefault(name, branch.id)
            self.expressions(f"{branch_path}.workflow.result", branch.workflow.result)

    def lock(self, instruction: i.Lock, path: str) -> None:
        if not instruction.demands:
            self.add(f"{path}.demands", "a Lock needs at least one demand")
        seen: set[str] = set()
        for k, demand in enumerate(instruction.demands):
            if demand.count is not None and demand.count < 1:
                self.add(f"{path}.demands[{k}].count", "count must be at least 1")
            if demand.lock_path in seen:
                self.add(f"{path}.demands[{k}].lockPath", f"lock {demand.lock_path!r} is demanded twice")
            seen.add(demand.lock_path)

    def job(self, job: WorkflowJob, path: str) -> None:
        if job.process_limit < 1:
            self.add(f"{path}.processLimit", "must be at least 1")
        self.expression(f"{path}.subagentBundleIdExpr", job.subagent_bundle_id_expr)
        self.expressions(f"{path}.defaultArguments", job.default_arguments)
        executable = job.executable
        executable_path = f"{path}.executable"
        if isinstance(executable, InternalExecutable):
            if not _PYTHON_CALLABLE.fullmatch(executable.class_name):
                self.add(
                    f"{executable_path}.className", f"{executable.class_name!r} is not like 'module:function'"
                )
            self.expressions(f"{executable_path}.jobArguments", executable.job_arguments)
            self.expressions(f"{executable_path}.arguments", executable.arguments)
            return
        self.expressions(f"{executable_path}.env", executable.env)
        if executable.return_code_meaning is not None:
            self.return_codes(executable.return_code_meaning, f"{executable_path}.returnCodeMeaning")

    def return_codes(self, meaning: ReturnCodeMeaning, path: str) -> None:
        if meaning.success is not None and meaning.failure is not None:
            self.add(path, "give either success or failure, not both")
        for field, codes in (("success", meaning.success), ("failure", meaning.failure)):
            if isinstance(codes, str) and codes.strip() and code_ranges(codes) is None:
                self.add(f"{path}.{field}", f'invalid return codes {codes!r} (expected like "0,3..5")')

    def workflow_level(self) -> None:
        workflow = self.workflow
        for name, job in workflow.jobs.items():
            self.job(job, child("$.jobs", name))
        for name, parameter in workflow.order_preparation.parameters.items():
            parameter_path = child("$.orderPreparation.parameters", name)
            self.expression(f"{parameter_path}.default", parameter.default)
            self.expression(f"{parameter_path}.final", parameter.final)
        self.expressions("$.result", workflow.result)
        if self.has_cycle and not workflow.calendar_path:
            self.add("$.calendarPath", "a workflow with a Cycle needs a calendarPath")


def _has_retry(instructions: tuple[i.Instruction, ...]) -> bool:
    for instruction in instructions:
        if isinstance(instruction, i.Retry):
            return True
        if isinstance(instruction, i.If):
            blocks = [t.then.instructions for t in instruction.if_thens]
            blocks += [instruction.else_.instructions] if instruction.else_ else []
            if any(_has_retry(block) for block in blocks):
                return True
    return False


def _blocks(
    instruction: i.Instruction, path: str, context: _Context
) -> Iterator[tuple[str, tuple[i.Instruction, ...], _Context]]:
    """Every nested block with its path and what it allows: If keeps the context, a Fork starts afresh."""
    plain = context._replace(in_catch=False)
    match instruction:
        case i.If():
            for k, if_then in enumerate(instruction.if_thens):
                yield f"{path}.ifThens[{k}].then.instructions", if_then.then.instructions, context
            if instruction.else_:
                yield f"{path}.else.instructions", instruction.else_.instructions, context
        case i.Try():
            yield f"{path}.try.instructions", instruction.try_.instructions, plain
            yield (
                f"{path}.catch.instructions",
                instruction.catch.instructions,
                context._replace(in_catch=True),
            )
        case i.Fork():
            for k, branch in enumerate(instruction.branches):
                yield f"{path}.branches[{k}].workflow.instructions", branch.workflow.instructions, _Context()
        case i.ForkList():
            yield f"{path}.workflow.instructions", instruction.workflow.instructions, _Context()
        case i.Cycle():
            yield (
                f"{path}.cycleWorkflow.instructions",
                instruction.cycle_workflow.instructions,
                _Context(in_cycle=True),
            )
        case i.Lock():
            yield f"{path}.lockedWorkflow.instructions", instruction.locked_workflow.instructions, plain
        case i.ConsumeNotices() | i.StickySubagent():
            yield f"{path}.subworkflow.instructions", instruction.subworkflow.instructions, plain
        case i.Options() | i.AdmissionTime():
            yield f"{path}.block.instructions", instruction.block.instructions, plain
