"""Bounded exhaustive exploration of the pure engine: inputs, settling, canonical states and invariants."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import msgspec

from stellwerk.engine.apply import apply_event
from stellwerk.engine.clone import clone
from stellwerk.engine.commands import execute_command
from stellwerk.engine.derive import touched_by
from stellwerk.engine.source import next_events
from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup import next_wakeup_of_state
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import Disrupted, Killed, Outcome, ProcessLost
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import instruction_at
from tests.engine.harness import failed_rc, rc

KILL = o.Kill()


@dataclass
class Node:
    state: EngineState
    now: int
    depth: int


def settle(state: EngineState, order_ids: list[str], now: int, log: list[e.KeyedEvent] | None = None) -> None:
    """derive(), but every event proposed by next_events must apply; `log` collects the events."""
    queue = deque(dict.fromkeys(order_ids))
    while queue:
        order_id = queue.popleft()
        for _ in range(500):
            proposed = next_events(state, order_id, now)
            if not proposed:
                break
            for keyed in proposed:
                before = state.orders.get(keyed.key)
                problem = apply_event(state, keyed)
                assert problem is None, f"next_events proposed an inapplicable event: {problem}"
                if log is not None:
                    log.append(keyed)
                queue.extend(t for t in touched_by(state, before, keyed) if t not in queue)
        else:
            raise AssertionError(f"runaway events for {order_id}")


def outcomes_for(order: o.Order, lost: bool) -> list[Outcome]:
    found: list[Outcome] = [rc(0), failed_rc(1)]
    if lost:
        found.append(Disrupted(reason=ProcessLost()))
    mark = order.mark
    kill = isinstance(mark, o.Cancelling) and isinstance(mark.mode, o.FreshOrStarted) and mark.mode.kill
    if kill or (isinstance(mark, o.Suspending) and mark.mode.kill):
        found.append(Killed(outcome=failed_rc(143)))
    return found


def commands_for(order: o.Order) -> list[c.Command]:
    ids = (order.id,)
    return [
        c.CancelOrders(order_ids=ids, mode=o.FreshOrStarted(kill=KILL)),
        c.SuspendOrders(order_ids=ids, mode=o.SuspensionMode(kill=KILL)),
        c.ResumeOrder(order_id=order.id, as_succeeded=True),
    ]


def successors(node: Node, lost: bool, with_commands: bool) -> Iterator[Node]:
    state = node.state
    for order in sorted(state.orders.values(), key=lambda order: order.id):
        if isinstance(order.state, o.Processing):
            for outcome in outcomes_for(order, lost):
                yield _after(node, [e.KeyedEvent(order.id, e.OrderProcessed(outcome=outcome))], node.now)
        if with_commands and not order.is_terminated:
            for command in commands_for(order):
                events = execute_command(state, command, node.now)
                if not isinstance(events, Problem) and events:
                    yield _after(node, events, node.now)
    wakeup = next_wakeup_of_state(state, node.now)
    if wakeup is not None and wakeup > node.now:
        yield _after(node, [], wakeup)


def _after(node: Node, events: list[e.KeyedEvent], now: int) -> Node:
    state = clone(node.state)
    for keyed in events:
        assert apply_event(state, keyed) is None
    settle(state, sorted(state.orders), now)
    return Node(state, now, node.depth + 1)


def canonical(state: EngineState, now: int, origin: int) -> bytes:
    locks = {
        path: (sorted(s.holders.items()), list(s.queue))
        for path, s in sorted(state.lock_states.items())
        if s.holders or s.queue
    }
    notices = sorted(state.notices)
    orders = [state.orders[k] for k in sorted(state.orders)]
    return msgspec.json.encode([orders, locks, notices, now - origin])


def explore(
    initial: EngineState, now: int, max_depth: int, lost: bool = False, with_commands: bool = True
) -> int:
    """Breadth first over reachable states; checks the invariants at each; returns the number of states."""
    settle(initial, sorted(initial.orders), now)
    seen = {canonical(initial, now, now)}
    origin = now
    queue = deque([Node(initial, now, 0)])
    while queue:
        node = queue.popleft()
        check_invariants(node.state, node.now)
        if node.depth >= max_depth:
            continue
        for successor in successors(node, lost, with_commands):
            key = canonical(successor.state, successor.now, origin)
            if key not in seen:
                seen.add(key)
                queue.append(successor)
    return len(seen)


def check_invariants(state: EngineState, now: int) -> None:
    for order in state.orders.values():
        proposed = [type(k.event) for k in next_events(state, order.id, now)]
        assert proposed == [], f"not settled: {order.id} would emit {proposed}"
        if order.is_terminated:
            assert order.mark is None and order.is_detached, order
        if isinstance(order.state, o.Processing):
            assert order.is_attached, order
        if order.parent is not None:
            parent = state.orders.get(order.parent)
            assert parent is not None and isinstance(parent.state, o.Forked), f"orphan child {order.id}"
            assert order.id in {child.order_id for child in parent.state.children}
    _check_locks(state)
    _check_terminal_absorbs(state, now)


def _check_terminal_absorbs(state: EngineState, now: int) -> None:
    for order in state.orders.values():
        if order.is_terminated:
            later = [type(k.event) for k in next_events(state, order.id, now + 10**9)]
            assert later in ([], [e.OrderDeleted]), later


def _check_locks(state: EngineState) -> None:
    for path, lock_state in state.lock_states.items():
        for holder in lock_state.holders:
            order = state.orders.get(holder)
            assert order is not None and not order.is_terminated, f"{holder} holds {path} but is gone"
            assert _inside_lock(state, order, path), f"{holder} holds {path} outside of its lock block"
        for waiting in lock_state.queue:
            assert isinstance(state.orders[waiting].state, o.WaitingForLock)


def _inside_lock(state: EngineState, order: o.Order, path: str) -> bool:
    workflow = state.workflow_of(order)
    position = order.position
    for depth in range(1, len(position), 2):
        if position[depth] == "lock":
            lock = instruction_at(workflow, position[:depth])
            if isinstance(lock, i.Lock) and any(d.lock_path == path for d in lock.demands):
                return True
    return False
