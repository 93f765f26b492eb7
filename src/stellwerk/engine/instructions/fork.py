"""Fork: one child order per branch, `<parent>|<branchId>`, starting Ready at `[n,"fork+<branchId>",0]`.

The parent is placed first (js7-reference §3.2, JS7 ForkInstructionExecutor): with `agentPath` it is attached to
that Agent; otherwise the children's first locations are predicted (the Agent of the job each child reaches by
plain moves, else the Controller). All children on one Agent and at least 3 of them: a detached parent is attached
there first. Children on different places, or on another Agent than the attached parent: the parent detaches
first. An empty fork stays where it is. The join is in `stellwerk.engine.instructions.join`.
"""

from __future__ import annotations

from collections.abc import Callable

from msgspec.structs import replace

from stellwerk.engine.moves import settle
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import disrupted
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import instruction_at, job_of

# Forking many children at the Controller and attaching each to the same Agent is slow; fork there instead.
MINIMUM_CHILDREN_FOR_PARENT_ATTACHMENT = 3

# Where the parent should fork: an Agent path, "" for the Controller, None to stay where it is.
_CONTROLLER = ""

ForkInstruction = i.Fork | i.ForkList
ChildrenOf = Callable[[Step], "tuple[o.ForkedChild, ...] | Problem"]


def next_events(step: Step, instruction: i.Fork) -> Events:
    return fork_events(step, instruction, lambda s: fork_children(s.order, instruction))


def fork_children(order: o.Order, instruction: i.Fork) -> tuple[o.ForkedChild, ...]:
    return tuple(
        o.ForkedChild(order_id=f"{order.id}|{branch.id}", branch_id=branch.id)
        for branch in instruction.branches
    )


def fork_events(step: Step, instruction: ForkInstruction, children_of: ChildrenOf) -> Events:
    """Place the parent, start it if fresh, then OrderForked; a problem fails the (started) parent."""
    order = step.order
    if not isinstance(order.state, o.Fresh | o.Ready) or not _placed(order):
        return []
    fresh = isinstance(order.state, o.Fresh)
    if fresh and order.scheduled_for is not None and order.scheduled_for > step.now:
        return []
    started: Events = [e.OrderStarted()] if fresh else []
    children = children_of(step)
    if isinstance(children, Problem):
        return [*started, e.OrderOutcomeAdded(outcome=disrupted(children.message))]
    if (placement := _placement_event(step, instruction, children)) is not None:
        return [placement]
    return [*started, e.OrderForked(children=children)]


def _placed(order: o.Order) -> bool:
    return order.is_detached or order.is_attached


def _placement_event(
    step: Step, instruction: ForkInstruction, children: tuple[o.ForkedChild, ...]
) -> e.OrderEvent | None:
    if instruction.agent_path is not None:
        return _attach_or_detach(step.order, instruction.agent_path)
    target = _predicted_target(step, children)
    return None if target is None else _attach_or_detach(step.order, target)


def _predicted_target(step: Step, children: tuple[o.ForkedChild, ...]) -> str | None:
    if not children:
        return None
    order = step.order
    locations = {_first_location(step, child) for child in children}
    attached_to = order.attached_state.agent_path if order.attached_state is not None else None
    if len(locations) > 1:
        return _CONTROLLER if attached_to is not None else None
    location = locations.pop()
    enough = len(children) >= MINIMUM_CHILDREN_FOR_PARENT_ATTACHMENT
    if attached_to is not None and location != _CONTROLLER:
        return _CONTROLLER if attached_to != location else None
    if attached_to is not None:
        return _CONTROLLER if enough else None
    if location != _CONTROLLER:
        return location if enough else None
    return None


def _first_location(step: Step, child: o.ForkedChild) -> str:
    """The Agent of the job the child reaches by plain moves from its branch start, else the Controller."""
    parent = step.order
    bid = f"fork+{child.branch_id}" if child.branch_id is not None else "fork"
    start = (*parent.position, bid, 0)
    trial = replace(
        parent,
        id=child.order_id,
        workflow_position=replace(parent.workflow_position, position=start),
        state=o.Ready(),
        arguments={**parent.arguments, **child.arguments},
        parent=parent.id,
        inner_block=(),
        stop_positions=(),
    )
    trial_step = Step(step.state, trial, step.workflow, step.now)
    instruction = instruction_at(step.workflow, settle(trial_step, start))
    if isinstance(instruction, i.ExecuteNamed | i.ExecuteAnonymous):
        job = job_of(step.workflow, instruction)
        if job is not None:
            return job.agent_path
    return _CONTROLLER


def _attach_or_detach(order: o.Order, target: str) -> e.OrderEvent | None:
    attached = order.attached_state
    if target == _CONTROLLER:
        return e.OrderDetachable() if attached is not None else None
    if attached is None:
        return e.OrderAttachable(agent_path=target)
    return e.OrderDetachable() if attached.agent_path != target else None
