"""Adopting an Agent's events into the Controller's journal (js7-reference §6.1 step 5). Pure.

Each pulled chunk becomes one transaction (a file or item event, rare, one of its own): the Agent's order events as they are, except that
`OrderAttachedToAgent` becomes `OrderAttached{agentPath}` and the Agent's copies of marks the Controller set
itself are not repeated; `ItemAttachedToMe` becomes `ItemAttached{key, delegateId}`; the Agent's bookkeeping
(`AgentDedicated`, `JournalEventsReleased`) is dropped; file events come with the orders they add or
end (file_orders.py); and `AgentEventsObserved{untilEventId}` records how far the Agent's stream was adopted.
Events up to the observed EventId are duplicates after a reconnect and are dropped. While the Agent is being
reset, nothing it sends is adopted: its orders are back at the Controller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from stellwerk.controller.file_orders import file_order_events
from stellwerk.engine.apply import apply_events
from stellwerk.engine.order_transitions import apply_order_event
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from stellwerk.model.problems import Problem


class AgentStamped(msgspec.Struct, frozen=True):
    """An event as the Agent's stream delivers it, with the Agent's time of it (epoch ms) when known."""

    event_id: int
    keyed: e.KeyedEvent | None
    timestamp: int | None = None


class Adoption(msgspec.Struct, frozen=True, kw_only=True):
    """The events committed (in order) and what could not be adopted."""

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


# Commits a transaction; the second list gives the Agent's time of each event (None: the Controller's now).
TimedCommit = Callable[[list[e.KeyedEvent], list[int | None]], object]


def adopt(
    state: EngineState,
    agent_path: str,
    observed: int,
    chunk: Sequence[AgentStamped],
    now: int,
    commit: TimedCommit | None = None,
) -> Adoption:
    """Adopts `chunk` into `state` without copying it: each event is checked first (an order event against its
    single order, with the chunk's earlier events on it: `apply_order_event`), one that does not apply is left
    out and reported (its EventId still counts as observed). The order events go to `commit` as one
    transaction ending with AgentEventsObserved; a file or item event (rare) and its follow-ups are committed
    as a transaction of their own, after the order events before it. `commit` applies events to `state` (a
    service: the journal's commit) and is given the Agent's time of each event (None for the Controller's own
    events); by default they are applied here."""
    record = state.agents.get(agent_path)
    if record is not None and record.resetting:
        problem = Problem(f"Agent '{agent_path}' is being reset: its events are not adopted")
        return Adoption(events=[], problems=[problem] if chunk else [], until_event_id=observed)
    commit = commit or _applier(state)
    adoption = _Adopting(state, agent_path, observed, commit)
    for stamped in chunk:
        adoption.take(stamped, now)
    return adoption.finish()


def _applier(state: EngineState) -> TimedCommit:
    def apply(events: list[e.KeyedEvent], timestamps: list[int | None]) -> None:
        if problem := apply_events(state, events):
            raise ValueError(f"Adopted event does not apply: {problem}")

    return apply


class _Adopting:
    def __init__(self, state: EngineState, agent_path: str, observed: int, commit: TimedCommit) -> None:
        self.state, self.agent_path, self.observed, self.commit = state, agent_path, observed, commit
        self.until = observed
        self.events: list[e.KeyedEvent] = []
        self.problems: list[Problem] = []
        self.pending: list[e.KeyedEvent] = []
        self.pending_times: list[int | None] = []  # the Agent's time of each pending event
        self.orders: dict[str, o.Order] = {}  # the pending events' orders, as they will be

    def take(self, stamped: AgentStamped, now: int) -> None:
        if stamped.event_id <= self.until:
            return
        self.until = stamped.event_id
        translated = None if stamped.keyed is None else translate(self.agent_path, stamped.keyed)
        if translated is None or _known_attachment(self.state, translated):
            return
        if isinstance(translated.event, ie.ItemEvent | ie.ExternalOrderEvent):
            self._commit_alone(translated, stamped.timestamp, now)
        elif problem := self._check_order_event(translated):
            self.problems.append(
                problem.prefixed(f"{type(translated.event).__name__} for '{translated.key}'")
            )
        else:
            self.pending.append(translated)
            self.pending_times.append(stamped.timestamp)

    def _check_order_event(self, keyed: e.KeyedEvent) -> Problem | None:
        order = self.orders.get(keyed.key) or self.state.orders.get(keyed.key)
        if order is None:
            return Problem(f"Unknown order '{keyed.key}'")
        updated = apply_order_event(order, keyed.event)
        if isinstance(updated, Problem):
            return updated
        self.orders[keyed.key] = updated
        return None

    def _commit_alone(self, keyed: e.KeyedEvent, timestamp: int | None, now: int) -> None:
        self._flush()
        if problem := external_order_problem(self.state, keyed):
            self.problems.append(problem)
            return
        # The follow-ups read nothing the event changes, so they are computed before it applies.
        transaction = [keyed, *file_order_events(self.state, keyed, now)]
        self.commit(transaction, [timestamp] + [None] * (len(transaction) - 1))
        self.events += transaction

    def _flush(self, *closing: e.KeyedEvent) -> None:
        transaction = [*self.pending, *closing]
        if transaction:
            self.commit(transaction, [*self.pending_times, *(None for _ in closing)])
            self.events += transaction
        self.pending, self.pending_times, self.orders = [], [], {}

    def finish(self) -> Adoption:
        if self.until == self.observed:
            self._flush()
            return Adoption(events=self.events, problems=self.problems, until_event_id=self.observed)
        self._flush(e.KeyedEvent(self.agent_path, ie.AgentEventsObserved(until_event_id=self.until)))
        return Adoption(events=self.events, problems=self.problems, until_event_id=self.until)


def external_order_problem(state: EngineState, keyed: e.KeyedEvent) -> Problem | None:
    """Why a file event does not apply (as engine.apply_items would refuse it), or None."""
    event = keyed.event
    if not isinstance(event, ie.ExternalOrderAppeared | ie.ExternalOrderVanished):
        return None
    record = state.external_orders.get((keyed.key, event.external_order_name))
    if isinstance(event, ie.ExternalOrderAppeared) and record is not None and not record.vanished:
        return Problem(f"File order {event.external_order_name} of {keyed.key} exists already")
    if isinstance(event, ie.ExternalOrderVanished) and record is None:
        return Problem(f"Unknown file order {event.external_order_name} of {keyed.key}")
    return None


def _known_attachment(state: EngineState, keyed: e.KeyedEvent) -> bool:
    """ItemAttached that the Controller recorded already when the Agent accepted the item."""
    event = keyed.event
    return isinstance(event, ie.ItemAttached) and event.key in state.attached_items.get(event.delegate_id, ())
