"""A copy of the engine state whose registries can be changed without touching the original."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from msgspec import structs

from stellwerk.engine.item_state import AgentRecord, ExternalOrderRecord
from stellwerk.engine.state import EngineState, LockState

# Fields whose values are not changed in place (immutable, or replaced as a whole).
_SHARED = frozenset({"controller_id", "role", "agent_env"})


def clone(state: EngineState) -> EngineState:
    """Items and orders are shared (they are immutable); every registry and index is copied, and the mutable
    records in them (lock states, agent and file-order records) too."""
    copies = {f.name: _copy(getattr(state, f.name)) for f in fields(state) if f.name not in _SHARED}
    return replace(state, **copies)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, set):
        return set(value)
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, LockState):
        return LockState(holders=dict(value.holders), queue=list(value.queue))
    if isinstance(value, AgentRecord | ExternalOrderRecord):
        return structs.replace(value)
    return value
