"""AddOrder: a FreshOrder checked against its workflow becomes OrderAdded (js7-reference §1.2, §2, §4.5)."""

from __future__ import annotations

from collections.abc import Sequence

from stellwerk.engine.apply import new_order
from stellwerk.engine.instructions.boards import announcements_for
from stellwerk.engine.order_arguments import prepare_arguments
from stellwerk.engine.state import EngineState
from stellwerk.engine.step import Step
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.commands import FreshOrder, PositionOrLabel
from stellwerk.model.order import NoticeId
from stellwerk.model.position import BranchPath, Position, is_valid_shape, movable_between
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow, block_at, find_label, instruction_at


def add_order_events(state: EngineState, fresh: FreshOrder, now: int) -> list[e.KeyedEvent] | Problem:
    """[OrderAdded] with checked arguments and resolved positions; [] if the id exists (AddOrder is idempotent)."""
    if problem := check_order_id(fresh.id):
        return problem
    if fresh.id in state.orders:
        return []
    workflow_id = state.latest_workflow.get(fresh.workflow_path)
    if workflow_id is None:
        return Problem(f"Unknown workflow '{fresh.workflow_path}'")
    workflow = state.workflows[workflow_id]
    positions = _positions(workflow, fresh)
    if isinstance(positions, Problem):
        return positions
    start, stops = positions
    arguments = prepare_arguments(_step(state, workflow, fresh, start, now), fresh.arguments)
    if isinstance(arguments, Problem):
        return arguments
    added = e.OrderAdded(
        workflow_id=workflow_id,
        arguments=arguments,
        scheduled_for=fresh.scheduled_for,
        plan_id=fresh.plan_id,
        priority=fresh.priority,
        delete_when_terminated=fresh.delete_when_terminated,
        force_admission=fresh.force_admission,
        inner_block=fresh.inner_block,
        start_position=None if start == (0,) else start,
        stop_positions=stops,
    )
    announced = announcements_for(state, new_order(fresh.id, added), now)
    return [e.KeyedEvent(fresh.id, added), *announced]


def add_orders_events(
    state: EngineState, orders: Sequence[FreshOrder], now: int
) -> list[e.KeyedEvent] | Problem:
    """AddOrders, all or nothing, without copying the state: each order is checked against the state, the ids
    added before it in the batch are duplicates (ignored), and a notice is announced once for the batch. Adding
    an order changes nothing another order's check reads besides these two."""
    emitted: list[e.KeyedEvent] = []
    added: set[str] = set()
    announced: set[NoticeId] = set()
    for fresh in orders:
        if fresh.id in added:
            continue
        result = add_order_events(state, fresh, now)
        if isinstance(result, Problem):
            return result
        added.add(fresh.id)
        for keyed in result:
            if isinstance(keyed.event, e.OrderNoticeAnnounced):
                if keyed.event.notice_id in announced:
                    continue
                announced.add(keyed.event.notice_id)
            emitted.append(keyed)
    return emitted


def check_order_id(order_id: str) -> Problem | None:
    if not order_id:
        return Problem("The empty string is not an allowed value of the OrderId type")
    if "|" in order_id:
        return Problem(f"Invalid character or character combination in name of OrderId type: {order_id}")
    return None


def _step(state: EngineState, workflow: Workflow, fresh: FreshOrder, start: Position, now: int) -> Step:
    # The order as it will be, so that defaults see its id, workflow, position and the given arguments.
    order = o.Order(
        id=fresh.id,
        workflow_position=o.WorkflowPosition(workflow_id=workflow.id, position=start),
        state=o.Fresh(),
        arguments=fresh.arguments,
        scheduled_for=fresh.scheduled_for,
        plan_id=fresh.plan_id,
    )
    return Step(state, order, workflow, now)


def _positions(workflow: Workflow, fresh: FreshOrder) -> tuple[Position, tuple[Position, ...]] | Problem:
    inner = fresh.inner_block
    if inner and (not is_valid_shape((*inner, 0)) or block_at(workflow, inner) is None):
        return Problem(f"Invalid innerBlock {list(inner)}")
    start = _resolve(workflow, inner, fresh.start_position or (*inner, 0))
    if isinstance(start, Problem):
        return start
    stops: list[Position] = []
    for stop in fresh.stop_positions:
        resolved = _resolve(workflow, inner, stop)
        if isinstance(resolved, Problem):
            return resolved
        stops.append(resolved)
    return start, tuple(stops)


def _resolve(workflow: Workflow, inner: BranchPath, given: PositionOrLabel) -> Position | Problem:
    """A position in the inner block, reachable from its start without entering a fork, lock or the like."""
    if isinstance(given, str):
        found = find_label(workflow, given)
        if found is None:
            return Problem(f"Unknown label '{given}'")
        position = found
    else:
        position = tuple(given)
    if not is_valid_shape(position) or instruction_at(workflow, position) is None:
        return Problem(f"Invalid position {list(position)}")
    inside = len(position) > len(inner) and position[: len(inner)] == inner
    if not inside or not movable_between((*inner, 0), position):
        return Problem(f"Unreachable order position {list(position)}")
    return position
