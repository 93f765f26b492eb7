"""JOC instructions -> engine instructions (js7-reference §1.11, §3.1), remembering where each came from.

The source map links every engine instruction path to its inventory path, so that problems found later on the
engine workflow can name the place in the file the user wrote (Segments are flattened, CaseWhen becomes If, …).
"""

from __future__ import annotations

from typing import Any

from stellwerk.inventory import joc_instructions as j
from stellwerk.inventory.expressions import expression_problem
from stellwerk.inventory.limits import MAX_INSTRUCTION_DEPTH, MAX_INSTRUCTIONS
from stellwerk.inventory.literals import literal_expression, quote_string
from stellwerk.inventory.located import Finding, Rejected, child
from stellwerk.inventory.order_ids import ADDED_ORDER_ID_EXPRESSION
from stellwerk.model import instructions as i
from stellwerk.model.outcome import Failed, Succeeded
from stellwerk.model.values import is_value

# engine path prefix -> inventory path prefix
SourceMap = dict[str, str]


class InstructionConverter:
    """Converts nested instruction lists; raises Rejected for what cannot be converted."""

    def __init__(self) -> None:
        self.source_map: SourceMap = {}
        self.count = 0

    def block(
        self, joc: tuple[j.JocInstruction, ...], inv: str, eng: str, depth: int
    ) -> tuple[i.Instruction, ...]:
        """`inv` and `eng` are the paths of the instruction lists in the two dialects."""
        if depth > MAX_INSTRUCTION_DEPTH:
            raise Rejected(Finding(inv, f"instructions nested deeper than {MAX_INSTRUCTION_DEPTH} blocks"))
        result: list[i.Instruction] = []
        self._into(result, joc, inv, eng, depth)
        return tuple(result)

    def _into(
        self, result: list[i.Instruction], joc: tuple[j.JocInstruction, ...], inv: str, eng: str, depth: int
    ) -> None:
        for k, instruction in enumerate(joc):
            self.count += 1
            if self.count > MAX_INSTRUCTIONS:
                raise Rejected(Finding(f"{inv}[{k}]", f"more than {MAX_INSTRUCTIONS} instructions"))
            match instruction:
                case j.JocImplicitEnd():
                    continue
                case j.JocSegment():  # JOC flattens segments into the enclosing list
                    self._into(
                        result, instruction.block.instructions, f"{inv}[{k}].block.instructions", eng, depth
                    )
                    continue
            eng_path = f"{eng}[{len(result)}]"
            self.source_map[eng_path] = f"{inv}[{k}]"
            result.append(self._one(instruction, f"{inv}[{k}]", eng_path, depth))

    def _sub(self, block: j.JocBlock, inv: str, eng: str, depth: int) -> i.Block:
        return i.Block(
            instructions=self.block(
                block.instructions, f"{inv}.instructions", f"{eng}.instructions", depth + 1
            )
        )

    def _branch(self, workflow: j.JocBranchWorkflow, inv: str, eng: str, depth: int) -> i.BranchWorkflow:
        instructions = self.block(
            workflow.instructions, f"{inv}.instructions", f"{eng}.instructions", depth + 1
        )
        return i.BranchWorkflow(instructions=instructions, result=workflow.result)

    def _one(self, joc: j.JocInstruction, inv: str, eng: str, depth: int) -> i.Instruction:
        label = joc.label
        match joc:
            case j.JocNamedJob():
                return i.ExecuteNamed(
                    label=label, job_name=joc.job_name, default_arguments=joc.default_arguments
                )
            case j.JocIf() | j.JocCaseWhen():
                return self._if(joc, inv, eng, depth)
            case j.JocTry():
                try_ = self._sub(joc.try_, f"{inv}.try", f"{eng}.try", depth)
                catch = self._sub(joc.catch, f"{inv}.catch", f"{eng}.catch", depth)
                return i.Try(
                    label=label,
                    try_=try_,
                    catch=catch,
                    max_tries=joc.max_tries,
                    retry_delays=joc.retry_delays,
                )
            case j.JocRetry():
                return i.Retry(label=label)
            case j.JocBreak():
                return i.Break(label=label)
            case j.JocFinish():
                return i.Finish(label=label, outcome=_finish_outcome(joc))
            case j.JocFail():
                named_values = _fail_named_values(joc.outcome, f"{inv}.outcome")
                return i.Fail(
                    label=label, message=joc.message, named_values=named_values, uncatchable=joc.uncatchable
                )
            case j.JocFork():
                return self._fork(joc, inv, eng, depth)
            case j.JocForkList():
                return self._fork_list(joc, inv, eng, depth)
            case j.JocLock():
                return self._lock(joc, inv, eng, depth)
        return self._notice_or_other(joc, inv, eng, depth)

    def _notice_or_other(self, joc: j.JocInstruction, inv: str, eng: str, depth: int) -> i.Instruction:
        label = joc.label
        match joc:
            case j.JocPostNotice():
                return i.PostNotices(label=label, board_paths=(joc.notice_board_name,))
            case j.JocPostNotices():
                return i.PostNotices(label=label, board_paths=joc.notice_board_names)
            case j.JocExpectNotice():
                return i.ExpectNotices(label=label, board_paths=quote_string(joc.notice_board_name))
            case j.JocExpectNotices():
                return i.ExpectNotices(
                    label=label, board_paths=joc.notice_board_names, when_not_announced=joc.when_not_announced
                )
            case j.JocConsumeNotices():
                subworkflow = self._sub(joc.subworkflow, f"{inv}.subworkflow", f"{eng}.subworkflow", depth)
                return i.ConsumeNotices(
                    label=label,
                    board_paths=joc.notice_board_names,
                    when_not_announced=joc.when_not_announced,
                    subworkflow=subworkflow,
                )
            case j.JocPrompt():
                return i.Prompt(label=label, question=joc.question)
            case j.JocSleep():
                return i.Sleep(label=label, duration=joc.duration)
            case j.JocAddOrder():
                return _add_order(joc, inv)
        return self._block_instruction(joc, inv, eng, depth)

    def _block_instruction(self, joc: j.JocInstruction, inv: str, eng: str, depth: int) -> i.Instruction:
        label = joc.label
        match joc:
            case j.JocCycle():
                return i.Cycle(
                    label=label,
                    schedule=joc.schedule,
                    cycle_workflow=self._sub(
                        joc.cycle_workflow, f"{inv}.cycleWorkflow", f"{eng}.cycleWorkflow", depth
                    ),
                    only_one_period=joc.only_one_period,
                )
            case j.JocOptions():
                block = self._sub(joc.block, f"{inv}.block", f"{eng}.block", depth)
                return i.Options(label=label, stop_on_failure=joc.stop_on_failure, block=block)
            case j.JocStickySubagent():
                return i.StickySubagent(
                    label=label,
                    agent_path=joc.agent_name,
                    subagent_bundle_id_expr=joc.subagent_cluster_id_expr
                    or (quote_string(joc.subagent_cluster_id) if joc.subagent_cluster_id else None),
                    subworkflow=self._sub(joc.subworkflow, f"{inv}.subworkflow", f"{eng}.subworkflow", depth),
                )
            case j.JocAdmissionTime():
                return i.AdmissionTime(
                    label=label,
                    admission_time_scheme=joc.admission_time_scheme,
                    skip_if_no_admission_start_for_order_day=joc.skip_if_no_admission_for_order_day,
                    block=self._sub(joc.block, f"{inv}.block", f"{eng}.block", depth),
                )
        raise AssertionError(
            f"unhandled instruction {type(joc).__name__}"
        )  # the union is matched exhaustively

    def _if(self, joc: j.JocIf | j.JocCaseWhen, inv: str, eng: str, depth: int) -> i.If:
        """`If{predicate,then}` and `CaseWhen{cases}` both become `If{ifThens}`."""
        if isinstance(joc, j.JocIf):
            cases = [(j.JocWhen(predicate=joc.predicate, then=joc.then), inv)]
        else:
            cases = [(case, f"{inv}.cases[{k}]") for k, case in enumerate(joc.cases)]
            if not cases:
                raise Rejected(Finding(f"{inv}.cases", "a CaseWhen needs at least one case"))
        if_thens: list[i.IfThen] = []
        for k, (case, case_inv) in enumerate(cases):
            self.source_map[f"{eng}.ifThens[{k}]"] = case_inv
            then = self._sub(case.then, f"{case_inv}.then", f"{eng}.ifThens[{k}].then", depth)
            if_thens.append(i.IfThen(predicate=case.predicate, then=then))
        else_ = self._sub(joc.else_, f"{inv}.else", f"{eng}.else", depth) if joc.else_ else None
        return i.If(label=joc.label, if_thens=tuple(if_thens), else_=else_)

    def _fork(self, joc: j.JocFork, inv: str, eng: str, depth: int) -> i.Fork:
        branches: list[i.ForkBranch] = []
        for k, branch in enumerate(joc.branches):
            self.source_map[f"{eng}.branches[{k}]"] = f"{inv}.branches[{k}]"
            workflow = self._branch(
                branch.workflow, f"{inv}.branches[{k}].workflow", f"{eng}.branches[{k}].workflow", depth
            )
            branches.append(i.ForkBranch(id=branch.id, workflow=workflow))
        return i.Fork(label=joc.label, branches=tuple(branches), join_if_failed=joc.join_if_failed)

    def _fork_list(self, joc: j.JocForkList, inv: str, eng: str, depth: int) -> i.ForkList:
        """A list variable and an element field, or one child per subagent of a subagent cluster (bundle)."""
        workflow = self._branch(joc.workflow, f"{inv}.workflow", f"{eng}.workflow", depth)
        common: dict[str, Any] = {
            "label": joc.label,
            "workflow": workflow,
            "join_if_failed": joc.join_if_failed,
        }
        if joc.children and joc.child_to_id:
            return i.ForkList(
                children=f"${joc.children}",
                child_to_id=f'(x, i) => ($i + 1) ++ "." ++ $x.{joc.child_to_id}',
                child_to_arguments="(x) => $x",
                **common,
            )
        bundle = joc.subagent_cluster_id_expr or (
            quote_string(joc.subagent_cluster_id or "") if joc.subagent_cluster_id else None
        )
        if joc.agent_name and bundle:
            return i.ForkList(
                children=f"subagentIds({bundle})",
                child_to_id='(x, i) => ($i + 1) ++ "." ++ $x',
                child_to_arguments=f"(x) => {{ {joc.subagent_id_variable}: $x }}",
                agent_path=joc.agent_name,
                **common,
            )
        message = "a ForkList needs children and childToId, or agentName and subagentClusterId(Expr)"
        raise Rejected(Finding(inv, message))

    def _lock(self, joc: j.JocLock, inv: str, eng: str, depth: int) -> i.Lock:
        if joc.demands:
            demands = tuple(i.LockDemand(lock_path=d.lock_name, count=d.count) for d in joc.demands)
        elif joc.lock_name:
            demands = (i.LockDemand(lock_path=joc.lock_name, count=joc.count),)
            self.source_map[f"{eng}.demands[0]"] = inv
        else:
            raise Rejected(Finding(inv, "a Lock needs demands or lockName"))
        locked = self._sub(joc.locked_workflow, f"{inv}.lockedWorkflow", f"{eng}.lockedWorkflow", depth)
        return i.Lock(label=joc.label, demands=demands, locked_workflow=locked)


def _finish_outcome(joc: j.JocFinish) -> Succeeded | Failed | None:
    if joc.unsuccessful is None:
        return None
    if joc.unsuccessful:
        return Failed(message=joc.message, named_values={"returnCode": 1})
    return Succeeded(named_values={"returnCode": 0})


def _fail_named_values(outcome: dict[str, Any], path: str) -> dict[str, Any]:
    """JOC keeps an integer `returnCode` (a numeric text becomes a number, anything else is dropped)."""
    result: dict[str, Any] = {}
    for name, value in outcome.items():
        if name == "returnCode":
            text = value.strip() if isinstance(value, str) else value
            if isinstance(text, str) and text.lstrip("-").isdigit():
                result[name] = int(text)
            elif isinstance(text, int) and not isinstance(text, bool):
                result[name] = text
            continue
        if not is_value(value):
            raise Rejected(Finding(child(path, name), "not a value"))
        result[name] = value
    return result


def _add_order(joc: j.JocAddOrder, inv: str) -> i.AddOrder:
    return i.AddOrder(
        label=joc.label,
        order_id=ADDED_ORDER_ID_EXPRESSION,
        workflow_path=joc.workflow_name,
        arguments={k: _argument(v, child(f"{inv}.arguments", k)) for k, v in joc.arguments.items()},
        inner_block=_position(joc.block_position, f"{inv}.blockPosition") if joc.block_position else None,
        start_position=_position(joc.start_position, f"{inv}.startPosition") if joc.start_position else None,
        stop_positions=tuple(
            _position(p, f"{inv}.endPositions[{k}]") for k, p in enumerate(joc.end_positions)
        ),
        delete_when_terminated=not joc.remain_when_terminated,
        force_admission=joc.force_job_admission,
    )


def _argument(value: Any, path: str) -> str:
    # JOC's rule: a text that parses as an expression is one, any other text is a string literal.
    if isinstance(value, str) and value and expression_problem(value) is None:
        return value
    text = literal_expression(value)
    if text is None:
        raise Rejected(Finding(path, "value has no expression form"))
    return text


def _position(position: list[int | str] | str, path: str) -> tuple[int | str, ...]:
    if isinstance(position, str):
        # JOC resolves labels through the target workflow's inventory, which a single file does not have.
        raise Rejected(Finding(path, f"labels ({position!r}) are not supported here; give a position array"))
    return tuple(position)
