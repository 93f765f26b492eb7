"""The Agent's driving loop: the only code that commits to the Agent's journal.

Every change derives events from the live state and commits them at once (`JournaledState.commit`: applied now,
written behind), transaction by transaction, without copying the state (`turn.commit_turn`,
`commands.decide_batch`). Each turn, and each batch of commands, runs without an `await` between reading the
state and committing, so they never interleave and no lock is needed.

What leaves the process waits until the events it rests on are durable: a job process starts when its
OrderProcessingStarted is (a callback of the durability future), a command batch is answered when its events
are, and the journal publishes (releases to the Controller) only durable events.

Work arrives as job output and results (JobLauncher), file orders (FileWatcher), commands, and time: the
wake-ups of the orders attached here are kept in a queue (`engine.wakeup_queue`), updated for every order whose
events were committed; a due order is derived, and a wake-up derived without effect is dropped (no spinning).

An event that does not apply although it was derived from the state is a bug: the journal raises
InapplicableJournaledEvent with the state ahead of the journal; the loop refuses all further work
(`AgentFailed`) and says so loudly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import Callable

from msgspec import structs

from stellwerk.agent import restart
from stellwerk.agent.commands import BatchDecision, CommandContext, decide_batch
from stellwerk.agent.config import AgentConfig
from stellwerk.agent.turn import commit_turn, own_agent_ref
from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup_queue import WakeupQueue
from stellwerk.journal.journaled import InapplicableJournaledEvent, JournaledState
from stellwerk.journal.stamped import Stamped
from stellwerk.model import agent_commands as ac
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from stellwerk.runner.executors import ExecutionSettings
from stellwerk.runner.jobs import JobEnded, JobLauncher, RemoteSubagents
from stellwerk.runner.spawner import Spawner

logger = logging.getLogger(__name__)

Clock = Callable[[], int]
Durable = asyncio.Future[tuple[Stamped, ...]]


class AgentFailed(RuntimeError):
    """An event did not apply to the state it was derived from (a bug): the Agent does nothing more."""


def attached_here(order: o.Order) -> bool:
    return isinstance(order.attached_state, o.Attached)


def _couples(commands: tuple[ac.AgentCommand, ...]) -> bool:
    return any(isinstance(command, ac.CoupleController) for command in commands)


class AgentLoop:
    """Owns the job processes and the order of committing; `run` is the loop task."""

    def __init__(
        self,
        config: AgentConfig,
        journal: JournaledState,
        clock: Clock,
        oldest_event_id: Callable[[], int],
        remote: RemoteSubagents | None = None,
        job_ended: JobEnded | None = None,
        spawner: Spawner | None = None,
    ) -> None:
        self._config = config
        self._journal = journal
        self._clock = clock
        self._oldest_event_id = oldest_event_id
        self._inbox: list[e.KeyedEvent] = []
        self._to_derive: set[str] = set()
        self._wakeups = WakeupQueue(attached_here)
        self._deadline: int | None = None
        self._work = asyncio.Event()
        self._accepting_reports = True
        self._last_commit: Durable | None = None
        self._failure: BaseException | None = None
        self.events_persisted = 0
        self.shutdown_requested = asyncio.Event()
        self.reset_requested = asyncio.Event()
        # The Agent's environment as it started, copied once rather than decoded again for every process.
        settings = ExecutionSettings(
            executables_directory=config.executables_directory, inherited_env=dict(os.environ)
        )
        self._jobs = JobLauncher(
            config.work_directory, settings, self._report_one, clock, remote, job_ended, spawner
        )

    @property
    def state(self) -> EngineState:
        return self._journal.state

    @property
    def failed(self) -> bool:
        """Whether an event did not apply: the state is ahead of the journal and must not be snapshot."""
        return self._failure is not None

    def report(self, events: list[e.KeyedEvent]) -> None:
        """Events from outside the engine (file orders); checked against the state in the next turn."""
        if self._accepting_reports:
            self._inbox.extend(events)
            self._work.set()

    def subagents_changed(self) -> None:
        """The Director's view of its Subagents changed: the Ready orders (some wait for a Subagent) are derived
        again in the next turn."""
        self._to_derive.update(
            oid for oid, order in self.state.orders.items() if isinstance(order.state, o.Ready)
        )
        self._work.set()

    def _report_one(self, keyed: e.KeyedEvent) -> None:
        self.report([keyed])

    async def recover(self) -> None:
        """After start: the configured process limit goes into this Agent's AgentRef; the processes of orders
        recovered in Processing are lost; then every order is derived."""
        now = self._clock()
        agent_ref = own_agent_ref(self.state, self._config.name, self._config.process_limit)
        if agent_ref is not None:
            self._commit([e.KeyedEvent("", ie.ItemAttachedToMe(item=agent_ref))])
        lost = restart.lost_process_events(self.state, restart.LOST_DUE_TO_RESTART)
        for keyed in lost:
            logger.warning(
                "Order %s: %s after restart",
                keyed.key,
                restart.LOST_DUE_TO_RESTART,
                extra={"order": keyed.key},
            )
        self._committed(commit_turn(self.state, lost, list(self.state.orders), now, self._commit).events, now)
        self._wakeups.update(self.state, list(self.state.orders), now)  # also those that did not move
        await self._durable()

    async def run(self) -> None:
        while True:
            await self._wait_for_work()
            self._turn()

    async def execute(self, commands: tuple[ac.AgentCommand, ...]) -> list[ac.Response]:
        """Decides and commits the commands and what follows; answers in command order when durable."""
        self._check_running()
        context = CommandContext(
            agent_path=self._config.name,
            new_run_id=uuid.uuid4().hex,
            last_event_id=self._journal.last_event_id,
            # Only CoupleController needs it, and it lists the journal's directory.
            oldest_event_id=self._oldest_event_id() if _couples(commands) else 0,
            process_limit=self._config.process_limit,
        )
        now = self._clock()
        decision = decide_batch(self.state, commands, context, self._commit)
        derived = commit_turn(self.state, [], decision.touched_orders, now, self._commit)
        self._committed([*decision.events, *derived.events], now)
        await self._durable()
        self._carry_out(commands, decision)
        return [self._completed(response) for response in decision.responses]

    async def stop(self, *, orderly: bool) -> None:
        """Stops the running processes (SIGTERM, SIGKILL after the job's sigkillDelay, within the configured
        grace). Orderly, their orders get OrderProcessed{Disrupted(ProcessLost)}, so the jobs run again after
        the restart; else (a simulated crash) nothing more is committed."""
        self._accepting_reports = False
        await self._jobs.stop(self._config.shutdown_grace, orderly=orderly)
        if not orderly or self._failure is not None:
            return
        lost = restart.lost_process_events(self.state, restart.KILLED_DUE_TO_SHUTDOWN)
        if lost:
            self._commit(lost)
            await self._durable()

    # The turn ------------------------------------------------------------------------------------------------

    def _turn(self) -> None:
        self._check_running()
        incoming, self._inbox = self._inbox, []
        to_derive, self._to_derive = self._to_derive, set()
        now = self._clock()
        due = self._wakeups.pop_due(now)
        result = commit_turn(self.state, incoming, [*to_derive, *due], now, self._commit)
        for keyed in result.dropped:
            logger.debug("Dropped an event that no longer applies: %s", keyed)
        self._committed(result.events, now)
        self._wakeups.spent(self.state, due, now)

    def _commit(self, events: list[e.KeyedEvent]) -> None:
        try:
            self._last_commit = self._journal.commit(events)
        except InapplicableJournaledEvent as failure:
            self._failure = failure
            logger.critical("The Agent stops: %s", failure)
            raise AgentFailed(str(failure)) from failure
        self.events_persisted += len(events)

    def _committed(self, events: list[e.KeyedEvent], now: int) -> None:
        """After commits: wake-ups, processes to start when durable, processes ended or to kill."""
        if not events:
            return
        self._wakeups.update(self.state, dict.fromkeys(keyed.key for keyed in events), now)
        earliest = self._wakeups.next_time()
        if earliest is not None and (self._deadline is None or earliest < self._deadline):
            self._work.set()
        starts: list[str] = []
        for keyed in events:
            if isinstance(keyed.event, e.OrderProcessingStarted):
                starts.append(keyed.key)
            elif isinstance(keyed.event, e.OrderProcessed):
                self._jobs.finished(keyed.key)
        if starts and self._last_commit is not None:
            self._last_commit.add_done_callback(lambda done: self._start_processes(done, starts))
        self._jobs.kill_marked(self.state)

    def _start_processes(self, done: Durable, order_ids: list[str]) -> None:
        if done.cancelled() or done.exception() is not None or not self._accepting_reports:
            return
        for order_id in order_ids:
            order = self.state.orders.get(order_id)
            if order is not None and isinstance(order.state, o.Processing):
                self._jobs.start(self.state, order_id)
        self._jobs.kill_marked(self.state)

    async def _durable(self) -> None:
        if self._last_commit is not None:
            await asyncio.shield(self._last_commit)

    def _check_running(self) -> None:
        if self._failure is not None:
            raise AgentFailed("The Agent has stopped after a failure") from self._failure

    async def _wait_for_work(self) -> None:
        if not self._work.is_set():
            now = self._clock()
            self._deadline = self._wakeups.next_time()
            timeout = None if self._deadline is None else max(0.0, (self._deadline - now) / 1000)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._work.wait(), timeout)
        self._deadline = None
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
        accepted = (command for command, response in zip(commands, decision.responses, strict=True)
                    if isinstance(response, ac.Accepted))  # fmt: skip
        if any(isinstance(command, ac.Reset) for command in accepted):
            self.reset_requested.set()

    def _completed(self, response: ac.Response) -> ac.Response:
        if isinstance(response, ac.Dedicated):
            return structs.replace(response, agent_event_id=self._journal.last_event_id)
        return response
