"""Trying events on a copy of the state (UpdateItems, rare: items.py), and which orders events touch. Pure.

The hot paths (commands, adoption, timers) derive from the live state and commit, without a copy (core.py)."""

from __future__ import annotations

from stellwerk.engine.apply import apply_event
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model.problems import Problem


def try_all(scratch: EngineState, events: list[e.KeyedEvent]) -> Problem | None:
    """Applies the events to `scratch` in order; the first Problem (named after its event) ends it."""
    for keyed in events:
        if problem := apply_event(scratch, keyed):
            return problem.prefixed(f"{type(keyed.event).__name__} for '{keyed.key}'")
    return None


def touched_by_events(state: EngineState, events: list[e.KeyedEvent]) -> list[str]:
    """The orders the events are about, their parents (a child back at the Controller may let them join),
    forked children, orders expecting a posted notice and orders queued for a released lock."""
    touched: dict[str, None] = {}
    for keyed in events:
        order = state.orders.get(keyed.key)
        if order is not None:
            touched[order.id] = None
            if order.parent is not None:
                touched[order.parent] = None
        match keyed.event:
            case e.OrderForked():
                touched.update(dict.fromkeys(c.order_id for c in keyed.event.children))
            case e.NoticePosted() | e.OrderNoticePosted():
                touched.update(dict.fromkeys(sorted(state.expecting.get(keyed.event.notice_id, ()))))
            case e.OrderLocksReleased():
                for path in keyed.event.lock_paths:
                    touched.update(dict.fromkeys(state.lock_state(path).queue))
    return [order_id for order_id in touched if order_id in state.orders]
