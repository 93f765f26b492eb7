"""The join of a Forked parent, always at the Controller (js7-reference §3.2, JS7 ForkInstructionExecutor).

A child is joinable when it is detached and not suspended, and Ready at the end of its branch, FailedInFork or
Cancelled. When all are: OrderJoined. Its outcome is Failed if a child's last outcome is not a success or the
child was cancelled, naming at most 3 children (`"<child> <outcome>"`, `"<child> has been cancelled"`), joined by
";\\n" as JS7 does. Otherwise Succeeded with the branch results: Fork unites each branch's `result` evaluated in
the child's scope; ForkList maps each result name to the list of the children's values. A result that cannot be
evaluated makes the join Failed with the problem as message (JS7 `Completed.fromChecked`).
"""

from __future__ import annotations

from stellwerk.engine.scope import evaluate_named_values
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import Failed, Outcome, Succeeded, describe, is_succeeded
from stellwerk.model.position import branch_kind
from stellwerk.model.problems import Problem
from stellwerk.model.values import Value
from stellwerk.model.workflow import instruction_at

# JS7 names only the first failed children, to keep the message short.
MAX_NAMED_FAILED_CHILDREN = 3


def join_events(step: Step) -> Events:
    """For a Forked parent: detach first, then OrderJoined once every child is joinable, else nothing."""
    parent = step.order
    assert isinstance(parent.state, o.Forked)
    if parent.is_attached:
        return [e.OrderDetachable()]
    if not parent.is_detached:
        return []
    children = [step.state.orders.get(c.order_id) for c in parent.state.children]
    present = [c for c in children if c is not None]
    if len(present) != len(children) or not all(is_joinable(step, c, parent) for c in present):
        return []
    return [e.OrderJoined(outcome=_joined_outcome(step, present))]


def is_joinable(step: Step, child: o.Order, parent: o.Order) -> bool:
    if not child.is_detached or child.is_suspended:
        return False
    match child.state:
        case o.FailedInFork() | o.Cancelled():
            return True
        case o.Ready():
            return _at_branch_end(step, child, parent)
    return False


def _at_branch_end(step: Step, child: o.Order, parent: o.Order) -> bool:
    position = child.position
    depth = len(parent.position)
    if len(position) != depth + 2 or position[:depth] != parent.position:
        return False
    bid = position[depth]
    at_end = isinstance(instruction_at(step.state.workflow_of(child), position), i.ImplicitEnd)
    return isinstance(bid, str) and branch_kind(bid) == "fork" and at_end


def _joined_outcome(step: Step, children: list[o.Order]) -> Outcome:
    failed = [c for c in children if _failed_child(c)]
    if failed:
        return Failed(message=";\n".join(_failure_line(c) for c in failed[:MAX_NAMED_FAILED_CHILDREN]))
    fork = instruction_at(step.workflow, step.order.position)
    results = _results(step, fork, children)
    if isinstance(results, Problem):
        return Failed(message=results.message)
    return Succeeded(named_values=results)


def _failed_child(child: o.Order) -> bool:
    last = child.last_outcome()
    return isinstance(child.state, o.Cancelled) or (last is not None and not is_succeeded(last))


def _failure_line(child: o.Order) -> str:
    last = child.last_outcome()
    if isinstance(child.state, o.Cancelled) or last is None:
        return f"{child.id} has been cancelled"
    return f"{child.id} {describe(last)}"


def _results(step: Step, fork: i.Instruction | None, children: list[o.Order]) -> dict[str, Value] | Problem:
    if isinstance(fork, i.Fork):
        branch_results = {b.id: b.workflow.result for b in fork.branches}
        return _fork_results(step, children, branch_results)
    if isinstance(fork, i.ForkList):
        return _fork_list_results(step, children, fork.workflow.result)
    return Problem(f"No Fork instruction at {list(step.order.position)}")


def _fork_results(
    step: Step, children: list[o.Order], branch_results: dict[str, dict[str, str]]
) -> dict[str, Value] | Problem:
    united: dict[str, Value] = {}
    for child in children:
        bid = child.position[len(step.order.position)]
        assert isinstance(bid, str)
        values = child_result(step, child, branch_results.get(bid.removeprefix("fork+"), {}))
        if isinstance(values, Problem):
            return values
        united.update(values)
    return united


def _fork_list_results(
    step: Step, children: list[o.Order], result: dict[str, str]
) -> dict[str, Value] | Problem:
    lists: dict[str, list[Value]] = {}
    for child in children:
        values = child_result(step, child, result)
        if isinstance(values, Problem):
            return values
        for name, value in values.items():
            lists.setdefault(name, []).append(value)
    return dict(lists)


def child_result(step: Step, child: o.Order, result: dict[str, str]) -> dict[str, Value] | Problem:
    """A branch's `result` expressions evaluated in the child's scope."""
    if not result:
        return {}
    child_step = Step(step.state, child, step.state.workflow_of(child), step.now)
    return evaluate_named_values(child_step, result)
