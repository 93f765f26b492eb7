"""Adopting an Agent's events into the Controller's journal (js7-reference §6.1 step 5). Pure.

Each pulled chunk becomes one transaction: the Agent's order events as they are, except that
`OrderAttachedToAgent` becomes `OrderAttached{agentPath}` and the Agent's copies of marks the Controller set
itself are not repeated; `ItemAttachedToMe` becomes `ItemAttached{key, delegateId}`; the Agent's bookkeeping
(`AgentDedicated`, `JournalEventsReleased`) is dropped; file events come with the orders they add or
end (file_orders.py); and `AgentEventsObserved{untilEventId}` records how far the Agent's stream was adopted.
Events up to the observed EventId are duplicates after a reconnect and are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from stellwerk.controller.file_orders import file_order_events
from stellwerk.controller.scratch import try_each
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model.problems import Problem


class AgentStamped(msgspec.Struct, frozen=True):
    """An event as the Agent's stream delivers it."""

    event_id: int
    keyed: e.KeyedEvent | None


class Adoption(msgspec.Struct, frozen=True, kw_only=True):
    """The events to persist (already applied to the scratch state) and what could not be adopted."""

    events: list[e.KeyedEvent]
    problems: list[Problem]
    until_event_id: int


def translate(agent_path: str, keyed: e.KeyedEvent) -> e.KeyedEvent | None:
    """The Controller's form of one Agent event; None for an event the Controller does not record."""
    event = keyed.event
    match event:
        case e.OrderAttachedToAgent():
            return e.KeyedEvent(keyed.key, e.OrderAttached(agent_path=agent_path))
        case e.OrderCancellationMarked():
            return e.KeyedEvent(keyed.key, e.OrderCancellationMarkedOnAgent())
        case e.OrderSuspensionMarked():
            return e.KeyedEvent(keyed.key, e.OrderSuspensionMarkedOnAgent())
        case e.OrderResumptionMarked() | e.OrderGoMarked():
            return None  # the Controller set this mark and holds it already
        case ie.ItemAttachedToMe():
            return e.KeyedEvent(
                agent_path, ie.ItemAttached(key=ie.item_key(event.item), delegate_id=agent_path)
            )
        case ie.ItemDetached():
            return e.KeyedEvent(agent_path, ie.ItemDetached(key=event.key, delegate_id=agent_path))
        case ie.ExternalOrderAppeared() | ie.ExternalOrderVanished():
            return keyed
    if isinstance(event, ie.ItemEvent | ie.AgentEvent | e.BoardEvent):
        return None
    return keyed


def adopt(
    scratch: EngineState, agent_path: str, observed: int, chunk: Sequence[AgentStamped], now: int
) -> Adoption:
    """The transaction for `chunk`, computed by applying it to `scratch` (a copy of the Controller's state).
    An event that does not apply is left out and reported; its EventId still counts as observed."""
    events: list[e.KeyedEvent] = []
    problems: list[Problem] = []
    until = observed
    for stamped in chunk:
        if stamped.event_id <= until:
            continue
        until = stamped.event_id
        translated = None if stamped.keyed is None else translate(agent_path, stamped.keyed)
        if translated is None or _known_attachment(scratch, translated):
            continue
        applied, failed = try_each(scratch, [translated])
        problems += failed
        if applied:
            follow_ups, _ = try_each(scratch, file_order_events(scratch, translated, now))
            events += [*applied, *follow_ups]
    if until == observed:
        return Adoption(events=[], problems=problems, until_event_id=observed)
    observed_event = e.KeyedEvent(agent_path, ie.AgentEventsObserved(until_event_id=until))
    try_each(scratch, [observed_event])
    return Adoption(events=[*events, observed_event], problems=problems, until_event_id=until)


def _known_attachment(state: EngineState, keyed: e.KeyedEvent) -> bool:
    """ItemAttached that the Controller recorded already when the Agent accepted the item."""
    event = keyed.event
    return isinstance(event, ie.ItemAttached) and event.key in state.attached_items.get(event.delegate_id, ())
