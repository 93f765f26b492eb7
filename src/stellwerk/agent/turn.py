"""One turn of the Agent's driving loop, without I/O: the events that came in (job output and results, file
orders) and everything the engine derives from them, committed to the live state transaction by transaction
(`commit`: the journal's commit, which applies at once and writes behind). Nothing is copied.

An incoming event is checked against the state first (`engine.apply.event_problem`): one that no longer applies,
e.g. a job result after the order's process was reported lost, is dropped. Each incoming event is a transaction,
then each order's next events are one (`engine.derive.derive_with`).

The Agent's process limit is the engine's (the AgentRef's processLimit, which the configured limit lowers): an
order beyond it stays Ready and is derived again when a process of the Agent ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from msgspec.structs import replace

from stellwerk.engine.apply import event_problem
from stellwerk.engine.derive import Commit, derive_with, touched_by
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model.items import AgentRef


class TurnResult(NamedTuple):
    """The events committed, in order, and the incoming events dropped."""

    events: list[e.KeyedEvent]
    dropped: list[e.KeyedEvent]


def commit_turn(
    state: EngineState, incoming: Iterable[e.KeyedEvent], order_ids: Iterable[str], now: int, commit: Commit
) -> TurnResult:
    committed: list[e.KeyedEvent] = []

    def commit_and_collect(events: list[e.KeyedEvent]) -> None:
        commit(events)
        committed.extend(events)

    dropped: list[e.KeyedEvent] = []
    touched = list(order_ids)
    for keyed in incoming:
        before = state.orders.get(keyed.key)
        if event_problem(state, keyed) is not None:
            dropped.append(keyed)
            continue
        commit_and_collect([keyed])
        touched.append(keyed.key)
        touched.extend(touched_by(state, before, keyed))
    derive_with(state, [i for i in dict.fromkeys(touched) if i in state.orders], now, commit_and_collect)
    return TurnResult(committed, dropped)


def own_agent_ref(state: EngineState, agent_path: str, configured: int | None) -> AgentRef | None:
    """This Agent's AgentRef with the configured process limit, if the state's does not have it yet: the
    smaller of the configured limit and the AgentRef's processLimit wins. None if nothing is to change."""
    known = state.agent_refs.get(agent_path)
    if configured is None:
        return None
    current = known.process_limit if known is not None else None
    limit = configured if current is None else min(current, configured)
    if known is not None and current == limit:
        return None
    return (
        AgentRef(path=agent_path, process_limit=limit)
        if known is None
        else replace(known, process_limit=limit)
    )


def processes_running(state: EngineState) -> int:
    """The orders in Processing here (from the engine's index, not a scan of the orders)."""
    return sum(len(order_ids) for order_ids in state.agent_processing.values())
