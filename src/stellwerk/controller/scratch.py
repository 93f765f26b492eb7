"""Trying events on a copy of the state (UpdateItems, rare: items.py), and which orders events touch. Pure.

The hot paths (commands, adoption, timers) derive from the live state and commit, without a copy (core.py)."""

from __future__ import annotations

from stellwerk.engine.apply import apply_event
from stellwerk.engine.derive import touched_by
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
    """The orders the events are about and the others they may let move (the engine's `touched_by`: parents,
    forked and added orders, lock queues, expecting orders, waiters for a process slot), once each."""
    touched: dict[str, None] = {}
    for keyed in events:
        touched[keyed.key] = None
        touched.update(dict.fromkeys(touched_by(state, None, keyed)))
    return [order_id for order_id in touched if order_id in state.orders]
