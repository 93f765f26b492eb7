"""The Agent's driving loop: the only code that persists to the Agent's journal.

Every change goes through one lock: plan the turn on a scratch copy (`turn.plan_turn`: incoming events, then what
the engine derives), persist it as one transaction, then act on it (start a process for each
OrderProcessingStarted, forget it at OrderProcessed, kill processes whose order got a kill mark). Commands of the
Controller take the same path (`execute`), so a command and the loop never plan on the same state twice.

Work arrives as job output and results (JobLauncher), file orders (FileWatcher), commands, and time: an attached
order whose wake-up (`engine.wakeup.next_wakeup`) has come is derived; if that yields nothing, that wake-up is
remembered as spent, so it does not spin the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable

from msgspec import structs

from stellwerk.agent import restart
from stellwerk.agent.commands import BatchDecision, CommandContext, decide_batch
from stellwerk.agent.config import AgentConfig
from stellwerk.agent.turn import TurnPlan, agent_process_limit, plan_turn, processes_running
from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup import next_wakeup
from stellwerk.journal.journaled import JournaledState
from stellwerk.model import agent_commands as ac
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.runner.executors import ExecutionSettings
from stellwerk.runner.jobs import JobLauncher

logger = logging.getLogger(__name__)

Clock = Callable[[], int]


class AgentLoop:
    """Owns the job processes and the order of persisting; `run` is the loop task."""

    def __init__(
        self, config: AgentConfig, journal: JournaledState, clock: Clock, oldest_event_id: Callable[[], int]
    ) -> None:
        self._config = config
        self._journal = journal
        self._clock = clock
        self._oldest_event_id = oldest_event_id
        self._lock = asyncio.Lock()
        self._inbox: list[e.KeyedEvent] = []
        self._to_derive: set[str] = set()
        self._held_back: set[str] = set()
        self._spent_wakeups: dict[str, int] = {}
        self._work = asyncio.Event()
        self._accepting_reports = True
        self.events_persisted = 0
        self.shutdown_requested = asyncio.Event()
        settings = ExecutionSettings(executables_directory=config.executables_directory)
        self._jobs = JobLauncher(config.work_directory, settings, self._report_one, clock)

    @property
    def state(self) -> EngineState:
        return self._journal.state

    def report(self, events: list[e.KeyedEvent]) -> None:
        """Events from outside the engine (file orders); checked against the state when planned."""
        if self._accepting_reports:
            self._inbox.extend(events)
            self._work.set()

    def _report_one(self, keyed: e.KeyedEvent) -> None:
        self.report([keyed])

    async def recover(self) -> None:
        """After start: the processes of orders recovered in Processing are lost; then derive every order."""
        async with self._lock:
            lost = restart.lost_process_events(self.state, restart.LOST_DUE_TO_RESTART)
            for keyed in lost:
                logger.warning("Order %s: %s after restart", keyed.key, restart.LOST_DUE_TO_RESTART)
            await self._persist(self._plan(lost, list(self.state.orders)))

    async def run(self) -> None:
        while True:
            await self._wait_for_work()
            async with self._lock:
                await self._turn()

    async def execute(self, commands: tuple[ac.AgentCommand, ...]) -> list[ac.Response]:
        """Decides, persists and carries out the commands; answers in command order."""
        async with self._lock:
            context = CommandContext(
                agent_path=self._config.name,
                new_run_id=uuid.uuid4().hex,
                last_event_id=self._journal.last_event_id,
                oldest_event_id=self._oldest_event_id(),
            )
            decision = decide_batch(self.state, commands, context)
            plan = self._plan(decision.events, decision.touched_orders)
            if plan.dropped:
                logger.error("Command events did not apply when planned again: %s", plan.dropped)
            await self._persist(plan)
            self._carry_out(commands, decision)
            return [self._completed(response) for response in decision.responses]

    async def stop(self, *, orderly: bool) -> None:
        """Kills the running processes. Orderly, their orders get OrderProcessed{Disrupted(ProcessLost)}, so
        the jobs run again after the restart; else (a simulated crash) nothing more is persisted."""
        self._accepting_reports = False
        await self._jobs.stop(self._config.shutdown_grace)
        if not orderly:
            return
        async with self._lock:
            lost = restart.lost_process_events(self.state, restart.KILLED_DUE_TO_SHUTDOWN)
            if lost:
                await self._journal.persist(lost)
                self.events_persisted += len(lost)

    # The turn ------------------------------------------------------------------------------------------------

    async def _turn(self) -> None:
        incoming, self._inbox = self._inbox, []
        to_derive, self._to_derive = self._to_derive, set()
        now = self._clock()
        due = {order_id: t for order_id, t in self._wakeups(now).items() if t <= now}
        plan = self._plan(incoming, [*to_derive, *due], now)
        await self._persist(plan)
        moved = {keyed.key for keyed in plan.events}
        self._spent_wakeups.update((order_id, t) for order_id, t in due.items() if order_id not in moved)

    def _plan(self, incoming: list[e.KeyedEvent], order_ids: list[str], now: int | None = None) -> TurnPlan:
        limit = agent_process_limit(self.state, self._config.name, self._config.process_limit)
        free = None if limit is None else limit - processes_running(self.state)
        return plan_turn(self.state, incoming, order_ids, self._clock() if now is None else now, free)

    async def _persist(self, plan: TurnPlan) -> None:
        self._held_back.update(plan.held_back)
        for keyed in plan.dropped:
            logger.debug("Dropped an event that no longer applies: %s", keyed)
        if not plan.events:
            return
        await self._journal.persist(plan.events)
        self.events_persisted += len(plan.events)
        self._after_persist(plan.events)

    def _after_persist(self, events: list[e.KeyedEvent]) -> None:
        freed = False
        for keyed in events:
            self._spent_wakeups.pop(keyed.key, None)
            if isinstance(keyed.event, e.OrderProcessingStarted):
                self._jobs.start(self.state, keyed.key)
            elif isinstance(keyed.event, e.OrderProcessed):
                self._jobs.finished(keyed.key)
                freed = True
        if freed and self._held_back:
            self._to_derive |= self._held_back
            self._held_back.clear()
            self._work.set()
        self._jobs.kill_marked(self.state)

    def _wakeups(self, now: int) -> dict[str, int]:
        """The wake-ups of the orders attached here, but those already spent without effect."""
        wakeups = {}
        for order_id, order in self.state.orders.items():
            if not order.is_attached:
                continue
            wakeup = next_wakeup(self.state, order_id, now)
            if wakeup is not None and self._spent_wakeups.get(order_id) != wakeup:
                wakeups[order_id] = wakeup
        return wakeups

    async def _wait_for_work(self) -> None:
        if not self._work.is_set():
            now = self._clock()
            next_time = min(self._wakeups(now).values(), default=None)
            timeout = None if next_time is None else max(0.0, (next_time - now) / 1000)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._work.wait(), timeout)
        self._work.clear()

    # Commands ------------------------------------------------------------------------------------------------

    def _carry_out(self, commands: tuple[ac.AgentCommand, ...], decision: BatchDecision) -> None:
        for keyed in decision.events:
            event = keyed.event
            if isinstance(event, ie.AgentDedicated):
                self._journal.register_reader(event.controller_id)
            elif isinstance(event, ie.JournalEventsReleased):
                self._journal.register_reader(event.user_id)
                deleted = self._journal.release(event.user_id, event.until_event_id)
                for path in deleted:
                    logger.info("Released journal file %s", path.name)
        if any(isinstance(command, ac.ShutDown) for command in commands):
            self.shutdown_requested.set()

    def _completed(self, response: ac.Response) -> ac.Response:
        if isinstance(response, ac.Dedicated):
            return structs.replace(response, agent_event_id=self._journal.last_event_id)
        return response
