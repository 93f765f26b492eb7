"""Lock: acquire all demanded locks atomically at the Controller, or queue until they are available.

Exclusive demands (no count) need the lock completely free; shared demands add up to at most the lock's limit
(js7-reference §1.5). A queued order is re-checked when a lock it waits for is released (stellwerk.engine.derive);
capacity is checked per attempt, so a small new demand may overtake a big queued one, as in JS7.
Unknown locks, counts below 1 or above the limit, a lock demanded twice and a lock already held by the order or
one of its parents fail the order with a Disrupted outcome. JS7 lets a child acquire a lock its parent holds
shared while capacity remains; here that is refused too, as the reference says.
The lock is released where the block is left: ImplicitEnd (end.py), failure (failure.py), cancel and Finish
(end.leave_blocks_events).
"""

from __future__ import annotations

from stellwerk.engine.instructions.common import at_controller
from stellwerk.engine.state import EngineState
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import disrupted


def next_events(step: Step, instruction: i.Lock) -> Events:
    if (first := at_controller(step)) is not None:
        return first
    order = step.order
    waiting = isinstance(order.state, o.WaitingForLock)
    if not (waiting or isinstance(order.state, o.Ready)):
        return []
    problem = demand_problem(step.state, order, instruction.demands)
    if problem is not None:
        # A queued order leaves the queue (OrderStateReset) before failure propagation takes over.
        reset: Events = [e.OrderStateReset()] if waiting else []
        return [*reset, e.OrderOutcomeAdded(outcome=disrupted(problem))]
    if step.state.demands_available(instruction.demands, order.id):
        return [e.OrderLocksAcquired(demands=instruction.demands)]
    return [] if waiting else [e.OrderLocksQueued(demands=instruction.demands)]


def demand_problem(state: EngineState, order: o.Order, demands: tuple[i.LockDemand, ...]) -> str | None:
    """Why the demands can never be granted to the order, or None."""
    paths = [d.lock_path for d in demands]
    if len(set(paths)) != len(paths):
        return f"Lock demanded twice in {paths}"
    for demand in demands:
        lock = state.locks.get(demand.lock_path)
        if lock is None:
            return f"Unknown Lock:{demand.lock_path}"
        if demand.count is not None and demand.count < 1:
            return f"Invalid lock count={demand.count} for Lock:{demand.lock_path}"
        if demand.count is not None and demand.count > lock.limit:
            return f"Cannot fulfill lock count={demand.count} with Lock:{lock.path} limit={lock.limit}"
        holder = _holder_among(state, order, demand.lock_path)
        if holder == order.id:
            return f"Lock:{demand.lock_path} has already been acquired by this order"
        if holder is not None:
            return f"Lock:{demand.lock_path} has already been acquired by parent {holder}"
    return None


def _holder_among(state: EngineState, order: o.Order, lock_path: str) -> str | None:
    """The order itself or the nearest parent holding the lock."""
    holders = state.lock_states[lock_path].holders if lock_path in state.lock_states else {}
    current: o.Order | None = order
    while current is not None:
        if current.id in holders:
            return current.id
        current = state.orders.get(current.parent) if current.parent is not None else None
    return None
