"""One turn of the Agent's driving loop, planned without I/O: the events that came in (job output and results,
file orders, command effects) and everything the engine derives from them, as one transaction to persist.

The plan is made on a scratch copy of the state: the incoming events that apply are kept (an event that no longer
applies, e.g. a job result after the order's process was reported lost, is dropped), then `derive` runs for the
orders they touch. Persisting the planned events then brings the live state to exactly the scratch state, because
applying is deterministic.

The Agent's process limit (AgentRef.processLimit, or the Agent's configuration) is not known to the engine, which
limits processes per job only; so the shell holds back OrderProcessingStarted beyond the free slots. A held-back
order stays Ready and is derived again when a process ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from stellwerk.engine.apply import apply_event
from stellwerk.engine.clone import clone
from stellwerk.engine.derive import derive, touched_by
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o


class TurnPlan(NamedTuple):
    events: list[e.KeyedEvent]
    dropped: list[e.KeyedEvent]
    held_back: list[str]


def plan_turn(
    state: EngineState,
    incoming: Iterable[e.KeyedEvent],
    order_ids: Iterable[str],
    now: int,
    free_slots: int | None = None,
) -> TurnPlan:
    """The events of the turn; `free_slots` None means no process limit of the Agent."""
    scratch = clone(state)
    kept: list[e.KeyedEvent] = []
    dropped: list[e.KeyedEvent] = []
    touched = list(order_ids)
    for keyed in incoming:
        before = scratch.orders.get(keyed.key)
        if apply_event(scratch, keyed) is not None:
            dropped.append(keyed)
            continue
        kept.append(keyed)
        touched.append(keyed.key)
        touched.extend(touched_by(scratch, before, keyed))
    derived = derive(scratch, [i for i in dict.fromkeys(touched) if i in scratch.orders], now)
    allowed, held_back = limit_process_starts(derived, free_slots)
    return TurnPlan([*kept, *allowed], dropped, held_back)


def limit_process_starts(
    events: list[e.KeyedEvent], free_slots: int | None
) -> tuple[list[e.KeyedEvent], list[str]]:
    """Drops the OrderProcessingStarted events beyond `free_slots`; returns the rest and the held-back orders."""
    if free_slots is None:
        return events, []
    allowed: list[e.KeyedEvent] = []
    held_back: list[str] = []
    for keyed in events:
        if isinstance(keyed.event, e.OrderProcessingStarted):
            if free_slots <= 0:
                held_back.append(keyed.key)
                continue
            free_slots -= 1
        allowed.append(keyed)
    return allowed, held_back


def agent_process_limit(state: EngineState, agent_path: str, configured: int | None) -> int | None:
    """The smaller of the configured limit and the attached AgentRef's processLimit; None if neither is set."""
    agent_ref = state.agent_refs.get(agent_path)
    limits = [
        limit for limit in (configured, agent_ref.process_limit if agent_ref else None) if limit is not None
    ]
    return min(limits, default=None)


def processes_running(state: EngineState) -> int:
    return sum(1 for order in state.orders.values() if isinstance(order.state, o.Processing))
