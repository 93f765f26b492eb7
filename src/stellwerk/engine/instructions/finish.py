"""Finish: end the order now (with an optional outcome), leaving every block; in a fork branch end the branch."""

from __future__ import annotations

from stellwerk.engine.instructions.common import at_controller
from stellwerk.engine.instructions.end import leave_blocks_events
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model.outcome import Failed
from stellwerk.model.position import is_in_fork
from stellwerk.model.workflow import block_at


def next_events(step: Step, instruction: i.Finish) -> Events:
    if (first := at_controller(step)) is not None:
        return first
    position = step.order.position
    if is_in_fork(position):
        return _end_branch(step, instruction)
    return [*leave_blocks_events(step, position), e.OrderFinished(outcome=instruction.outcome)]


def _end_branch(step: Step, instruction: i.Finish) -> Events:
    if isinstance(instruction.outcome, Failed):
        return [e.OrderOutcomeAdded(outcome=instruction.outcome)]
    position = step.order.position
    for depth in range(len(position) - 2, 0, -2):
        bid = position[depth]
        if isinstance(bid, str) and bid.startswith("fork"):
            branch = position[: depth + 1]
            block = block_at(step.workflow, branch) or ()
            leaving = leave_blocks_events(step, position, stop_at=len(branch))
            return [*leaving, e.OrderMoved(to=(*branch, len(block)))]
    return []
