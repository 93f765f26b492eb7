"""The Controller's journaled engine: every change goes through `transact` — compute events on a scratch copy
of the state, persist them as one transaction (the journal applies them to the live state), then hand the Agent
commands they call for to the drivers. One transaction at a time, so decisions never rest on a stale state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import msgspec

from stellwerk.controller.adoption import Adoption, AgentStamped, adopt
from stellwerk.controller.effects import AgentIntents, intents_of
from stellwerk.controller.items import UpdateItems, update_items_events
from stellwerk.controller.scratch import try_all, with_derived
from stellwerk.controller.timers import due_orders, next_controller_wakeup
from stellwerk.engine.clone import clone
from stellwerk.engine.commands import execute_command
from stellwerk.engine.derive import derive
from stellwerk.engine.state import EngineState
from stellwerk.journal.journaled import JournaledState
from stellwerk.journal.stamped import Stamped
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model.problems import Problem

logger = logging.getLogger(__name__)

Clock = Callable[[], int]
Build = Callable[[EngineState], "list[e.KeyedEvent] | Problem"]
IntentSink = Callable[[AgentIntents], None]


class Accepted(msgspec.Struct, frozen=True, tag_field="TYPE", tag="Accepted"):
    pass


class AddOrderResponse(msgspec.Struct, frozen=True, tag_field="TYPE", tag="AddOrder.Response"):
    ignored_because_duplicate: bool = msgspec.field(name="ignoredBecauseDuplicate")


CommandResponse = Accepted | AddOrderResponse


class ControllerCore:
    """The journaled state and the only path that changes it."""

    def __init__(self, journal: JournaledState, clock: Clock, new_version: Callable[[], str]) -> None:
        self.journal = journal
        self.clock = clock
        self._new_version = new_version
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._sinks: list[IntentSink] = []

    @property
    def state(self) -> EngineState:
        return self.journal.state

    def on_intents(self, sink: IntentSink) -> None:
        """`sink` gets the Agent intents of every transaction (it must not block)."""
        self._sinks.append(sink)

    async def transact(self, build: Build, *, and_derive: bool = True) -> list[e.KeyedEvent] | Problem:
        """Persists what `build(state)` returns, plus (with `derive`) what the Controller derives from it for
        its own orders, as one transaction; a Problem (from `build`, or an event that does not apply) changes
        nothing. Returns the persisted events."""
        async with self._lock:
            events = build(self.state)
            if isinstance(events, Problem):
                return events
            scratch = clone(self.state)
            if problem := try_all(scratch, events):
                return problem
            if and_derive:
                events = with_derived(scratch, events, self.clock())
            await self._persist(events)
            return events

    async def _persist(self, events: list[e.KeyedEvent]) -> tuple[Stamped, ...]:
        if not events:
            return ()
        stamped = await self.journal.persist(events)
        self._changed.set()
        intents = intents_of(self.state, events)
        if intents:
            for sink in self._sinks:
                sink(intents)
        return stamped

    async def execute(self, command: c.Command) -> CommandResponse | Problem:
        """An order or notice command (model/commands.py), with what follows from it, in one transaction."""
        result = await self.transact(lambda state: execute_command(state, command, self.clock()))
        if isinstance(result, Problem):
            return result
        if isinstance(command, c.AddOrder):
            return AddOrderResponse(ignored_because_duplicate=not result)
        return Accepted()

    async def update_items(self, update: UpdateItems) -> list[e.KeyedEvent] | Problem:
        return await self.transact(lambda state: update_items_events(state, update, self._new_version))

    async def adopt(self, agent_path: str, chunk: Sequence[AgentStamped]) -> Adoption:
        """Persists an Agent's chunk of events (adoption.py) with what the Controller derives from them."""
        async with self._lock:
            observed = self.agent_observed(agent_path)
            scratch = clone(self.state)
            adoption = adopt(scratch, agent_path, observed, chunk, self.clock())
            for problem in adoption.problems:
                logger.warning("Agent %s: event not adopted: %s", agent_path, problem)
            await self._persist(with_derived(scratch, adoption.events, self.clock()))
            return adoption

    def agent_observed(self, agent_path: str) -> int:
        record = self.state.agents.get(agent_path)
        return record.observed_event_id if record is not None else 0

    async def record(self, events: list[e.KeyedEvent]) -> list[e.KeyedEvent] | Problem:
        """Persists bookkeeping events (Agent coupling, items attached) that are not about orders."""
        return await self.transact(lambda _: events, and_derive=False)

    async def release_events(self, user_id: str, until_event_id: int) -> Problem | None:
        """A reader (the Cockpit) has what it needs up to `until_event_id`: journal files before may go."""
        if until_event_id > self.journal.last_event_id:
            return Problem(f"Unknown EventId {until_event_id}")
        released = ie.JournalEventsReleased(user_id=user_id, until_event_id=until_event_id)
        result = await self.record([e.KeyedEvent("", released)])
        if isinstance(result, Problem):
            return result
        self.journal.release(user_id, until_event_id)
        return None

    async def run_timers(self) -> None:
        """Derives the Controller's orders when their time comes (and all of them once at start). Runs until
        cancelled."""
        await self._derive(list(self.state.orders))
        while True:
            now = self.clock()
            wakeup = next_controller_wakeup(self.state, now)
            timeout = None if wakeup is None else max(0.0, (wakeup - now) / 1000)
            try:
                await asyncio.wait_for(self._changed.wait(), timeout)
            except TimeoutError:
                pass
            self._changed.clear()
            now = self.clock()
            wakeup = next_controller_wakeup(self.state, now)
            if wakeup is not None and wakeup <= now:
                await self._derive(due_orders(self.state, now))

    async def _derive(self, order_ids: list[str]) -> None:
        async with self._lock:
            scratch = clone(self.state)
            touched = [order_id for order_id in order_ids if order_id in scratch.orders]
            await self._persist(derive(scratch, touched, self.clock()))
