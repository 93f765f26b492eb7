"""AgentDriver: the Controller's side of one Agent (js7-reference §6.1–6.3).

It connects, dedicates the Agent on first contact, couples from the last adopted EventId, then runs three
loops until the connection fails: the command queue (intents from the Controller's transactions, sent as
batches of at most 100 commands, one request at a time), the event loop (pulls the Agent's events and adopts
each chunk in one transaction) and the release of adopted events. On failure it records
`AgentCouplingFailed` once per distinct problem and tries again with growing delays, without end. Everything
it sends is derived from the state when sent, so re-sending after a reconnect duplicates nothing.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

from stellwerk.controller.adoption import AgentStamped
from stellwerk.controller.agent_link import MAX_BATCH, AgentLink, AgentRefused
from stellwerk.controller.config import ControllerConfig
from stellwerk.controller.core import ControllerCore
from stellwerk.controller.effects import Intent, commands_for, coupling_intents
from stellwerk.model import agent_commands as ac
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model.problems import Problem
from stellwerk.transport.client import NodeClient, RetryPolicy, TransportError

logger = logging.getLogger(__name__)


class AgentDriver:
    """Drives one Agent at one of `uris` (a cluster Agent's two Directors: after a failure it tries the other
    one, so it follows the active Director); `run()` until cancelled. `coupled` and `problem` tell how it goes."""

    def __init__(
        self,
        core: ControllerCore,
        agent_path: str,
        uris: tuple[str, ...],
        ssl_context: ssl.SSLContext | None,
        config: ControllerConfig,
    ) -> None:
        if not uris:
            raise ValueError(f"Agent {agent_path} has no URI")
        self.core = core
        self.agent_path = agent_path
        self.uris = uris
        self._turn = 0
        self.coupled = False
        self.problem: str | None = None
        self._ssl_context = ssl_context
        self._config = config
        self._intents: dict[Intent, None] = {}
        self._wake = asyncio.Event()
        self._items_sent: set[str] = set()
        self._release_until = 0
        self._worth_releasing = 0  # the last adopted EventId of an event other than the Agent's own release
        self._released = 0
        self._release_due = False
        self._failures = 0
        self._link: AgentLink | None = None  # while coupled

    def enqueue(self, intents: list[Intent]) -> None:
        """Intents for this Agent; sent with the next batch (kept across reconnects)."""
        self._intents.update(dict.fromkeys(intents))
        self._wake.set()

    async def run(self) -> None:
        """Couples and drives the Agent, again and again after failures, until cancelled."""
        delays = self._config.reconnect_delays or (1.0,)
        while True:
            try:
                await self._session()
            except Exception as error:  # a driver never gives up; the problem is recorded
                if not _expected(error):
                    logger.exception("Agent %s: unexpected failure", self.agent_path)
                await self._failed(_describe(error))
            self.coupled = False
            self._failures += 1
            self._turn += 1
            await asyncio.sleep(delays[min(self._failures - 1, len(delays) - 1)])

    @property
    def uri(self) -> str:
        """The Director this driver talks to (or tries next)."""
        return self.uris[self._turn % len(self.uris)]

    async def _session(self) -> None:
        retry = RetryPolicy(attempts=1)
        async with NodeClient(self.uri, ssl_context=self._ssl_context, retry=retry) as client:
            link = AgentLink(client, self.agent_path)
            if self._resetting():
                await self._reset(link)
                return
            run_id = await self._dedicated(link)
            coupled = await link.couple(run_id, self.core.agent_observed(self.agent_path))
            await self.core.record([e.KeyedEvent(self.agent_path, ie.AgentCoupled())])
            self.coupled, self.problem, self._failures = True, None, 0
            logger.info("Agent %s coupled (%d orders there)", self.agent_path, len(coupled.order_ids))
            self._items_sent = set(self.core.state.attached_items.get(self.agent_path, ()))
            self.enqueue(coupling_intents(self.core.state, self.agent_path, coupled.order_ids))
            self._link = link
            try:
                async with asyncio.TaskGroup() as tasks:
                    tasks.create_task(self._send_commands(link))
                    tasks.create_task(self._pull_events(link))
                    tasks.create_task(self._release_periodically())
            finally:
                self._link = None

    async def subagents(self) -> dict[str, Any] | Problem:
        """The Agent's own listing of its Subagents and pool members; a problem while it is not coupled."""
        if self._link is None:
            return Problem(f"Agent {self.agent_path} is not coupled: {self.problem or 'coupling'}")
        try:
            return await self._link.subagents()
        except TransportError as error:
            return Problem(f"Agent {self.agent_path}: {error}")

    async def switch_over(self) -> Problem | None:
        """Asks the active Director of this cluster Agent to hand over to the passive one."""
        if self._link is None:
            return Problem(f"Agent {self.agent_path} is not coupled: {self.problem or 'coupling'}")
        try:
            await self._link.switch_over()
        except (TransportError, AgentRefused) as error:
            return Problem(f"Agent {self.agent_path}: {error}")
        return None

    async def _dedicated(self, link: AgentLink) -> str:
        record = self.core.state.agents.get(self.agent_path)
        if record is not None and record.agent_run_id:
            return record.agent_run_id
        dedicated = await link.dedicate(self.core.state.controller_id)
        events = [
            e.KeyedEvent(
                self.agent_path,
                ie.AgentDedicated(
                    agent_path=self.agent_path,
                    agent_run_id=dedicated.agent_run_id,
                    controller_id=self.core.state.controller_id,
                ),
            )
        ]
        if dedicated.agent_event_id > self.core.agent_observed(self.agent_path):
            observed = ie.AgentEventsObserved(until_event_id=dedicated.agent_event_id)
            events.append(e.KeyedEvent(self.agent_path, observed))
        await self.core.record(events)
        return dedicated.agent_run_id

    def _resetting(self) -> bool:
        record = self.core.state.agents.get(self.agent_path)
        return record is not None and record.resetting

    async def _reset(self, link: AgentLink) -> None:
        """Has the Agent drop its journal and restart (a forced reset whoever holds it, else only if it is still
        ours), then records AgentReset: the next session dedicates it anew and sends what it needs."""
        record = self.core.state.agents[self.agent_path]
        run_id = None if record.reset_force else record.agent_run_id
        [response] = await link.send([ac.Reset(agent_run_id=run_id)])
        if isinstance(response, ac.Rejected):
            raise AgentRefused(response.message)
        await self.core.record([e.KeyedEvent(self.agent_path, ie.AgentReset())])
        self._intents = {intent: None for intent in self._intents if intent.kind != "reset"}
        self._items_sent = set()
        logger.info("Agent %s has been reset", self.agent_path)

    async def _failed(self, problem: str) -> None:
        self.problem = problem
        record = self.core.state.agents.get(self.agent_path)
        if record is None or record.coupling_problem != problem:
            logger.warning("Agent %s: coupling failed: %s", self.agent_path, problem)
            failed = ie.AgentCouplingFailed(problem=problem)
            await self.core.record([e.KeyedEvent(self.agent_path, failed)])

    # The command queue ---------------------------------------------------------------------------------

    async def _send_commands(self, link: AgentLink) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            # Commands are made from the live state, which may be ahead of the journal: wait until it is not.
            await self.core.durable()
            while commands := self._next_batch():
                responses = await link.send(commands)
                await self._handle_responses(commands, responses)
                await self.core.durable()

    def _next_batch(self) -> list[ac.AgentCommand]:
        """Up to MAX_BATCH commands from the queued intents (taken off the queue) and a due release."""
        commands: list[ac.AgentCommand] = []
        # Only when due: every release adds an event at the Agent, which would be released again and again.
        if self._release_due and self._release_until > self._released:
            self._release_due = False
            commands.append(ac.ReleaseEvents(until_event_id=self._release_until))
        while self._intents and len(commands) < MAX_BATCH:
            intent = next(iter(self._intents))
            if intent.kind == "reset":  # the session ends; the next one resets the Agent first
                raise _ResetDue(self.agent_path)
            del self._intents[intent]
            commands += commands_for(self.core.state, self.agent_path, intent, self._items_sent)
        return commands

    async def _handle_responses(self, commands: list[ac.AgentCommand], responses: list[ac.Response]) -> None:
        attached: list[e.KeyedEvent] = []
        known = self.core.state.attached_items.get(self.agent_path, set())
        for command, response in zip(commands, responses, strict=False):
            if isinstance(response, ac.Rejected):
                logger.info(
                    "Agent %s: %s rejected: %s", self.agent_path, type(command).__name__, response.message
                )
                continue
            match command:
                case ac.AttachItem() if (key := ie.item_key(command.item)) not in known:
                    attached.append(
                        e.KeyedEvent(self.agent_path, ie.ItemAttached(key=key, delegate_id=self.agent_path))
                    )
                case ac.DetachItem() if command.key in known:
                    attached.append(
                        e.KeyedEvent(
                            self.agent_path, ie.ItemDetached(key=command.key, delegate_id=self.agent_path)
                        )
                    )
                case ac.ReleaseEvents():
                    self._released = max(self._released, command.until_event_id)
        if attached:
            await self.core.record(attached)

    # The event loop ------------------------------------------------------------------------------------

    async def _pull_events(self, link: AgentLink) -> None:
        chunks: asyncio.Queue[AgentStamped] = asyncio.Queue()
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._read_events(link, chunks))
            while True:
                chunk = [await chunks.get()]
                while not chunks.empty():
                    chunk.append(chunks.get_nowait())
                adoption = await self.core.adopt(self.agent_path, chunk)
                self._adopted(adoption.until_event_id, worth=not all(map(_is_release, chunk)))

    async def _read_events(self, link: AgentLink, queue: asyncio.Queue[AgentStamped]) -> None:
        after = self.core.agent_observed(self.agent_path)
        while True:
            async for stamped in link.events(after, self._config.event_poll_timeout):
                queue.put_nowait(stamped)
                after = max(after, stamped.event_id)

    def _adopted(self, until_event_id: int, *, worth: bool) -> None:
        self._release_until = max(self._release_until, until_event_id)
        if not worth:
            # Only the Agent's record of our last release: releasing it would be recorded again, forever.
            # It goes with the next release of anything else.
            return
        self._worth_releasing = max(self._worth_releasing, until_event_id)
        if self._config.release_events_period <= 0:
            self._release_due = True
            self._wake.set()

    async def _release_periodically(self) -> None:
        period = self._config.release_events_period
        if period <= 0:
            return
        while True:
            await asyncio.sleep(period)
            if self._worth_releasing > self._released:
                self._release_due = True
                self._wake.set()


class _ResetDue(Exception):
    def __str__(self) -> str:
        return f"Agent {self.args[0]} is to be reset"


def _is_release(stamped: AgentStamped) -> bool:
    return stamped.keyed is not None and isinstance(stamped.keyed.event, ie.JournalEventsReleased)


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def _expected(error: BaseException) -> bool:
    expected = TransportError | AgentRefused | OSError | _ResetDue
    return all(isinstance(leaf, expected) for leaf in _leaves(error))


def _describe(error: BaseException) -> str:
    return "; ".join(str(leaf) or type(leaf).__name__ for leaf in _leaves(error))
