"""The Controller's journaled engine: every change derives events from the live state (pure: `execute_command`,
`next_events`, adoption's checks) and commits them at once (`JournaledState.commit`: applied now, written
behind), transaction by transaction, without copying the state. The part of an operation that reads the state
and commits runs without an `await`, so no other operation interleaves, and no lock is needed.

What leaves the process waits until the events it rests on are durable: an answer (`execute`, `record`, …
return after), Agent commands (intents are handed to the drivers by the durability future's callback, and
`durable()` lets a driver wait for everything committed before it reads the state), the event stream (the
journal publishes only durable events).

An event that does not apply although it was derived from the state is a bug: the journal raises
InapplicableJournaledEvent with the state changed ahead of the journal, so the core refuses all further work
(`ControllerFailed`) and says so loudly; the process must end.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import msgspec

from stellwerk.controller.adoption import Adoption, AgentStamped, adopt
from stellwerk.controller.effects import AgentIntents, intents_of
from stellwerk.controller.items import UpdateItems, update_items_events
from stellwerk.controller.scratch import touched_by_events
from stellwerk.controller.timers import ControllerTimers
from stellwerk.engine.commands import execute_command
from stellwerk.engine.derive import derive_with
from stellwerk.engine.state import EngineState
from stellwerk.journal.journaled import InapplicableJournaledEvent, JournaledState
from stellwerk.journal.stamped import Stamped
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model.problems import Problem

logger = logging.getLogger(__name__)

Clock = Callable[[], int]
Build = Callable[[EngineState], "list[e.KeyedEvent] | Problem"]
IntentSink = Callable[[AgentIntents], None]
Durable = asyncio.Future[tuple[Stamped, ...]]

# The orders derived at start are taken in slices, so that the API answers meanwhile.
START_SLICE = 10_000


class Accepted(msgspec.Struct, frozen=True, tag_field="TYPE", tag="Accepted"):
    pass


class AddOrderResponse(msgspec.Struct, frozen=True, tag_field="TYPE", tag="AddOrder.Response"):
    ignored_because_duplicate: bool = msgspec.field(name="ignoredBecauseDuplicate")


CommandResponse = Accepted | AddOrderResponse


class ControllerFailed(RuntimeError):
    """An event did not apply to the state it was derived from (a bug): the Controller does nothing more."""


class ControllerCore:
    """The journaled state and the only path that changes it."""

    def __init__(self, journal: JournaledState, clock: Clock, new_version: Callable[[], str]) -> None:
        self.journal = journal
        self.clock = clock
        self._new_version = new_version
        self._sinks: list[IntentSink] = []
        self._timers = ControllerTimers()
        self._last_commit: Durable | None = None
        self._committed: list[e.KeyedEvent] = []
        self._failure: BaseException | None = None
        # Set when every order recovered at start has been derived once (readiness).
        self.first_pass_done = asyncio.Event()

    @property
    def state(self) -> EngineState:
        return self.journal.state

    @property
    def failed(self) -> bool:
        """Whether an event did not apply: the state is ahead of the journal and must not be snapshot."""
        return self._failure is not None

    def on_intents(self, sink: IntentSink) -> None:
        """`sink` gets the Agent intents of every transaction once it is durable (it must not block)."""
        self._sinks.append(sink)

    async def durable(self) -> None:
        """Returns when everything committed so far is durable (also what was committed while waiting, unless
        commits keep coming: then what was committed before the last wait)."""
        for _ in range(3):
            last = self._last_commit
            if last is None or last.done():
                return
            await asyncio.shield(last)

    async def transact(self, build: Build, *, and_derive: bool = True) -> list[e.KeyedEvent] | Problem:
        """Commits what `build(state)` returns as one transaction, plus (with `and_derive`) what the Controller
        derives from it for its own orders; a Problem from `build` changes nothing. Returns the events of
        `build` when they and what followed are durable."""
        events = build(self.state)
        if isinstance(events, Problem):
            return events
        await self._operate(events, and_derive=and_derive)
        return events

    async def execute(self, command: c.Command) -> CommandResponse | Problem:
        """An order or notice command (model/commands.py) with what follows from it; answered when durable."""
        result = await self.transact(lambda state: execute_command(state, command, self.clock()))
        if isinstance(result, Problem):
            return result
        if isinstance(command, c.AddOrder):
            return AddOrderResponse(ignored_because_duplicate=not result)
        return Accepted()

    async def update_items(self, update: UpdateItems) -> list[e.KeyedEvent] | Problem:
        return await self.transact(lambda state: update_items_events(state, update, self._new_version))

    async def adopt(self, agent_path: str, chunk: Sequence[AgentStamped]) -> Adoption:
        """Commits an Agent's chunk of events (adoption.py) with what the Controller derives from them."""
        self._check_running()
        self._committed = []
        now = self.clock()
        adoption = adopt(self.state, agent_path, self.agent_observed(agent_path), chunk, now, self._commit)
        for problem in adoption.problems:
            logger.warning("Agent %s: event not adopted: %s", agent_path, problem)
        self._derive(touched_by_events(self.state, adoption.events), now)
        await self._finish(now)
        return adoption

    def agent_observed(self, agent_path: str) -> int:
        record = self.state.agents.get(agent_path)
        return record.observed_event_id if record is not None else 0

    async def record(self, events: list[e.KeyedEvent]) -> list[e.KeyedEvent] | Problem:
        """Commits bookkeeping events (Agent coupling, items attached) that are not about orders."""
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
        """Derives all orders once at start (in slices), then the Controller's orders when their time comes.
        Runs until cancelled."""
        order_ids = list(self.state.orders)
        for start in range(0, len(order_ids), START_SLICE):
            chunk = order_ids[start : start + START_SLICE]
            await self._derive_now(chunk)
            self._timers.update(self.state, chunk, self.clock())  # also those that did not move
            await asyncio.sleep(0)
        self.first_pass_done.set()
        while True:
            await self._timers.wait(self.state, self.clock)
            now = self.clock()
            due = self._timers.pop_due(now)
            if due or self._timers.notice_due(self.state, now):
                await self._derive_now(due)
                self._timers.spent(self.state, due, now)

    # Committing ----------------------------------------------------------------------------------------------

    async def _operate(self, events: list[e.KeyedEvent], *, and_derive: bool) -> None:
        self._check_running()
        self._committed = []
        now = self.clock()
        if events:
            self._commit(events)
            if and_derive:
                self._derive(touched_by_events(self.state, events), now)
        await self._finish(now)

    async def _derive_now(self, order_ids: list[str]) -> None:
        self._check_running()
        self._committed = []
        now = self.clock()
        self._derive([order_id for order_id in order_ids if order_id in self.state.orders], now)
        await self._finish(now)

    def _derive(self, order_ids: list[str], now: int) -> None:
        derive_with(self.state, order_ids, now, self._commit)

    def _commit(self, events: list[e.KeyedEvent], timestamps: list[int | None] | None = None) -> None:
        try:
            self._last_commit = self.journal.commit(events, timestamps)
        except InapplicableJournaledEvent as failure:
            self._failure = failure
            logger.critical("The Controller stops: %s", failure)
            raise ControllerFailed(str(failure)) from failure
        self._committed.extend(events)

    async def _finish(self, now: int) -> None:
        """After an operation's commits (no await since they began): wake-ups and intents, then waits until
        the operation is durable."""
        committed, self._committed = self._committed, []
        if not committed:
            await self.durable()
            return
        self._timers.update(self.state, [keyed.key for keyed in committed], now)
        intents = intents_of(self.state, committed)
        last = self._last_commit
        assert last is not None
        if intents:
            last.add_done_callback(lambda done: self._dispatch(done, intents))
        await asyncio.shield(last)

    def _dispatch(self, done: Durable, intents: AgentIntents) -> None:
        if done.cancelled() or done.exception() is not None:
            return
        for sink in self._sinks:
            sink(intents)

    def _check_running(self) -> None:
        if self._failure is not None:
            raise ControllerFailed("The Controller has stopped after a failure") from self._failure
