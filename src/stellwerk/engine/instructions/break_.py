"""Break (only inside a Cycle): end the whole cycling, leaving the blocks between it and the cycle block.

As JS7's BreakExecutor (`leaveBlocks(until = cycle)`): lock and consumeNotices blocks are left at the Controller
(an attached order detaches first; OrderLocksReleased, OrderNoticesConsumed{failed:true}), sticky blocks with
OrderStickySubagentLeaved; then OrderMoved into the cycle block — JS7 moves to index (Cycle's number + 1) there —
and OrderCycleFinished{cycleState:null}, which puts the order BetweenCycles at the Cycle; it then moves on.
A Break outside a Cycle (rejected by JS7 at deployment) ends the order like the end of the workflow.
"""

from __future__ import annotations

from stellwerk.engine.instructions.common import at_controller, start_if_fresh
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model.position import Position, branch_kind
from stellwerk.model.workflow import instruction_at


def next_events(step: Step, instruction: i.Break) -> Events:
    if (started := start_if_fresh(step)) is not None:
        return started
    position = step.order.position
    if not step.order.is_detached and _leaves_controller_block(position):
        return [e.OrderDetachable()]
    leaving: Events = []
    for depth in range(len(position) - 2, 0, -2):
        bid = position[depth]
        assert isinstance(bid, str)
        at = position[:depth]
        if branch_kind(bid) == "cycle":
            cycle_nr = at[-1]
            assert isinstance(cycle_nr, int)
            into_cycle = e.OrderMoved(to=(*at, bid, cycle_nr + 1))
            return [*leaving, into_cycle, e.OrderCycleFinished(cycle_state=None)]
        leaving.extend(_leave(step, branch_kind(bid), at))
    if (first := at_controller(step)) is not None:
        return first
    return [*leaving, e.OrderFinished()]


def _leaves_controller_block(position: Position) -> bool:
    """Whether a lock or consumeNotices block lies between the Break and its cycle block."""
    for depth in range(len(position) - 2, 0, -2):
        bid = position[depth]
        assert isinstance(bid, str)
        kind = branch_kind(bid)
        if kind == "cycle":
            return False
        if kind in {"lock", "consumeNotices"}:
            return True
    return True


def _leave(step: Step, kind: str, at: Position) -> Events:
    instruction = instruction_at(step.workflow, at)
    if kind == "lock" and isinstance(instruction, i.Lock):
        return [e.OrderLocksReleased(lock_paths=tuple(d.lock_path for d in instruction.demands))]
    if kind == "consumeNotices":
        return [e.OrderNoticesConsumed(failed=True)]
    if kind == "stickySubagent":
        return [e.OrderStickySubagentLeaved()]
    return []
