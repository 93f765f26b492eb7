"""ImplicitEnd: the end of a block returns to the enclosing instruction; the end of the workflow finishes."""

from __future__ import annotations

from stellwerk.engine.instructions.common import at_controller, move_on
from stellwerk.engine.instructions.cycle import cycle_end_events
from stellwerk.engine.moves import TRANSPARENT_BLOCKS
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model.position import Position, branch_kind, next_position
from stellwerk.model.workflow import instruction_at


def next_events(step: Step, instruction: i.ImplicitEnd) -> Events:
    position = step.order.position
    if len(position) == 1 or position[:-1] == step.order.inner_block:
        if (first := at_controller(step)) is not None:
            return first
        return [e.OrderFinished()]
    bid = position[-2]
    assert isinstance(bid, str)
    kind = branch_kind(bid)
    up = position[:-2]
    if kind in TRANSPARENT_BLOCKS:
        return move_on(step, next_position(up))
    if kind == "stickySubagent":
        return [e.OrderStickySubagentLeaved(), *move_on(step, next_position(up))]
    if kind == "fork":
        # The child waits at its branch end, detached, for the parent's join.
        return [e.OrderDetachable()] if step.order.is_attached else []
    return _leave_controller_block(step, kind, up)


def _leave_controller_block(step: Step, kind: str, up: Position) -> Events:
    if kind == "cycle":
        return cycle_end_events(step, up)
    if (first := at_controller(step)) is not None:
        return first
    instruction = instruction_at(step.workflow, up)
    if kind == "lock" and isinstance(instruction, i.Lock):
        return [e.OrderLocksReleased(lock_paths=tuple(d.lock_path for d in instruction.demands))]
    if kind == "consumeNotices":
        return [e.OrderNoticesConsumed()]
    return [e.OrderBroken(problem=f"Unknown block '{kind}' at {list(step.order.position)}")]


def leave_blocks_events(step: Step, position: Position, stop_at: int = 0) -> Events:
    """Events that leave every lock, consumeNotices and sticky block enclosing `position` (innermost first)."""
    events: Events = []
    for depth in range(len(position) - 2, stop_at, -2):
        bid = position[depth]
        assert isinstance(bid, str)
        kind = branch_kind(bid)
        at = position[:depth]
        instruction = instruction_at(step.workflow, at)
        if kind == "lock" and isinstance(instruction, i.Lock):
            events.append(e.OrderLocksReleased(lock_paths=tuple(d.lock_path for d in instruction.demands)))
        elif kind == "consumeNotices":
            events.append(e.OrderNoticesConsumed(failed=True))
        elif kind == "stickySubagent":
            events.append(e.OrderStickySubagentLeaved())
    return events
