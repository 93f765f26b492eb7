"""A throw-away copy of the engine state on which the Agent plans a turn before persisting it.

`engine.clone.clone` copies what order events change; item, Agent and file-order events change more (the item
registries, the Agent records, the file-order records, the release points), so those are copied here too. Applying
events to the copy must never show in the live state before they are persisted.
"""

from __future__ import annotations

from dataclasses import replace

from msgspec import structs

from stellwerk.engine.clone import clone
from stellwerk.engine.state import EngineState


def scratch_copy(state: EngineState) -> EngineState:
    """Every registry an event may change is a fresh container; the records inside are copied when mutable."""
    copied = clone(state)
    return replace(
        copied,
        locks=dict(state.locks),
        boards=dict(state.boards),
        job_resources=dict(state.job_resources),
        calendars=dict(state.calendars),
        file_watches=dict(state.file_watches),
        agent_refs=dict(state.agent_refs),
        subagent_items=dict(state.subagent_items),
        subagent_bundles=dict(state.subagent_bundles),
        plan_schemas=dict(state.plan_schemas),
        announced=set(state.announced),
        attached_items={agent: set(keys) for agent, keys in state.attached_items.items()},
        agents={path: structs.replace(record) for path, record in state.agents.items()},
        released=dict(state.released),
        external_orders={name: structs.replace(record) for name, record in state.external_orders.items()},
    )
