"""Run the pure engine until nothing more happens at `now`: derive events, apply them, re-check the orders
they touch. Deterministic; used by `stellwerk run`, the benchmark and the exploration tests."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from stellwerk.engine.apply import apply_event
from stellwerk.engine.source import next_events
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.problems import Problem

# A runaway loop of events for one order is a bug in a workflow or in the engine; stop it there.
MAX_EVENTS_PER_ORDER_TURN = 1000


def derive(state: EngineState, order_ids: Iterable[str], now: int) -> list[e.KeyedEvent]:
    """Apply every event that follows from the state for the given orders (and the orders they touch)."""
    queue = deque(dict.fromkeys(order_ids))
    queued = set(queue)
    emitted: list[e.KeyedEvent] = []
    while queue:
        order_id = queue.popleft()
        queued.discard(order_id)
        for _ in range(MAX_EVENTS_PER_ORDER_TURN):
            keyed_events = next_events(state, order_id, now)
            if not keyed_events:
                break
            for touched in _apply_all(state, keyed_events, emitted):
                if touched not in queued:
                    queued.add(touched)
                    queue.append(touched)
    return emitted


def _apply_all(
    state: EngineState, keyed_events: list[e.KeyedEvent], emitted: list[e.KeyedEvent]
) -> list[str]:
    touched: list[str] = []
    for keyed in keyed_events:
        before = state.orders.get(keyed.key)
        problem = apply_event(state, keyed)
        if problem is not None:
            broken = e.KeyedEvent(keyed.key, e.OrderBroken(problem=_describe(problem, keyed)))
            if apply_event(state, broken) is None:
                emitted.append(broken)
            return touched
        emitted.append(keyed)
        touched.extend(touched_by(state, before, keyed))
    return touched


def _describe(problem: Problem, keyed: e.KeyedEvent) -> str:
    return f"{problem.message} (proposed {type(keyed.event).__name__})"


def touched_by(state: EngineState, before: o.Order | None, keyed: e.KeyedEvent) -> list[str]:
    """Other orders that may move because of this event."""
    event = keyed.event
    touched: list[str] = []
    order = state.orders.get(keyed.key)
    known = order or before
    if known is not None and known.parent is not None:
        touched.append(known.parent)
    match event:
        case e.OrderForked():
            touched.extend(c.order_id for c in event.children)
        case e.OrderOrderAdded():
            touched.append(event.order_id)
        case e.OrderLocksReleased():
            for path in event.lock_paths:
                touched.extend(state.lock_state(path).queue)
        case e.OrderNoticePosted():
            touched.extend(sorted(state.expecting.get(event.notice_id, ())))
        case e.OrderProcessed():
            if order is not None:
                touched.extend(_waiting_for_same_job(state, order))
    return touched


def _waiting_for_same_job(state: EngineState, order: o.Order) -> list[str]:
    # A freed process slot lets another Ready order of the same job start; found by scanning, bounded by
    # the orders of that workflow that are Ready at the same position.
    return [
        other.id
        for other in state.orders.values()
        if other.id != order.id
        and isinstance(other.state, o.Ready)
        and other.workflow_position == order.workflow_position
    ]
