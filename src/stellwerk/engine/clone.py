"""A copy of the engine state whose registries can be changed without touching the original."""

from __future__ import annotations

from dataclasses import replace

from stellwerk.engine.state import EngineState, LockState


def clone(state: EngineState) -> EngineState:
    """Items are shared (they are immutable); orders, lock states, notices and indexes are copied."""
    return replace(
        state,
        workflows=dict(state.workflows),
        latest_workflow=dict(state.latest_workflow),
        orders=dict(state.orders),
        lock_states={
            path: LockState(holders=dict(s.holders), queue=list(s.queue))
            for path, s in state.lock_states.items()
        },
        notices=dict(state.notices),
        expecting={notice_id: set(ids) for notice_id, ids in state.expecting.items()},
        consumptions={order_id: list(stack) for order_id, stack in state.consumptions.items()},
        processing={key: set(ids) for key, ids in state.processing.items()},
    )
