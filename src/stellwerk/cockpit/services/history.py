"""The History service: per registered Controller a task that reads the Controller's events after the EventId it
stored last, writes order history, task history and log chunks, and stores the new EventId — all in one
transaction — and only then releases the events on the Controller (whose journal may then shrink). A crash
between the commit and the release only repeats the release; a crash before the commit repeats the events, and
nothing of them was written. When the Controller or the database is away it retries with backoff; the
Controller keeps the events until they are released. After storing a batch it hands it to its batch listener (the
event snapshots of `/joc/api/events`).

Rows as written (the read endpoints rely on this):
- `history_orders`: one row per run of an order, added at `OrderStarted` (a fork's children at `OrderForked`,
  with `parent_id`); `state` is JOC's OrderStateText of the order's last state, `severity` INCOMPLETE while it
  runs, SUCCESSFUL when it finished, FAILED when it failed, was cancelled (as in JOC) or broke. `end_time` is
  set when the run ended (finished, cancelled, broken, joined into its parent) — a FAILED order that may still
  be resumed keeps `end_time` None. `position` is JOC's position string (`1/then:0`).
- `history_tasks`: one row per job process, added at `OrderProcessingStarted` (INCOMPLETE, `end_time` None
  while it runs), completed at `OrderProcessed` with the return code and SUCCESSFUL or FAILED.
- log chunks: a task's chunks hold the job's stdout and stderr as written; an order's own chunks (task_id
  None) hold newline-terminated JSON objects in JOC's OrderLogEntry shape (history/order/orderLogEntry
  schema), with only the `logEvent` names the JOC client knows.

Times are the events' times (an EventId is epoch milliseconds × 1000).

A batch is worked out in memory first (`history_fold`), in its transaction: from the runs not ended of the orders
it names (two queries), each row it touches is inserted or updated once with a few bulk statements, and the log
lines of an order or a task become one chunk per batch. When the fold needs something of the Controller
(workflows, Agent URLs, orders added before a restart), the transaction ends having written nothing, the Controller
is asked (never while a transaction is open) and the batch is folded again. Events at or before the stored
EventId are skipped, so a batch that comes again changes nothing."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import msgspec
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.repositories.event_ids import EventIdRepository
from stellwerk.cockpit.db.repositories.history_batch import Added, Changes, HistoryBatchRepository, Run
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.errors import JocError
from stellwerk.cockpit.services.dailyplan.lateness import StartLateness
from stellwerk.cockpit.services.history_fold import Facts, FoldedEvent, Missing, event_time, fold, is_folded
from stellwerk.cockpit.services.proxy import ControllerProxy, ProxyListener
from stellwerk.cockpit.services.workflows import workflow_paths
from stellwerk.model.codec import decode_keyed_event
from stellwerk.model.position import to_string
from stellwerk.model.workflow import Workflow

logger = logging.getLogger(__name__)

CONSUMER = "history"
WAIT_SECONDS = 5.0
BATCH = 1000
BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
# After a batch that was not full, a pause, so that the next one carries more events: a batch's own cost (its
# transaction, the release on the Controller) is then shared by more of them, at a latency people do not notice.
GATHER_SECONDS = 0.1
# Bookkeeping of releases: a batch of only these is not released (it would be recorded again, and so on).
RELEASES = frozenset({"JournalEventsReleased", "AgentEventsObserved"})

# Told of every batch of a Controller's events once History has stored it: (Controller id, the events).
BatchListener = Callable[[str, Sequence[dict[str, Any]]], None]


def order_events(events: Sequence[dict[str, Any]], after: int) -> list[FoldedEvent]:
    """The order events the engine knows, after the EventId `after`, with the time they happened (`timestamp`
    where the Controller's event has one, else the EventId's)."""
    decoded: list[FoldedEvent] = []
    for raw in events:
        event_id = int(raw["eventId"])
        if event_id <= after or not is_folded(raw):
            continue
        try:
            keyed = decode_keyed_event(msgspec.json.encode(raw))
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue  # an order event this engine does not know
        time = raw.get("timestamp")
        when = time if isinstance(time, int) else event_time(event_id)
        decoded.append(FoldedEvent(keyed.key, keyed.event, event_id, when))
    return decoded


def _order_ids(events: Sequence[FoldedEvent]) -> set[str]:
    return {folded.key for folded in events}


class History:
    """The History of one Controller: its loop, and what it remembers between batches (orders added but not yet
    started, workflows and Agent URLs it looked up)."""

    def __init__(
        self,
        database: Database,
        proxy: ControllerProxy,
        clock: Callable[[], int],
        on_batch: BatchListener | None = None,
        *,
        workflows: Iterable[Workflow] = (),
        agent_urls: Mapping[str, str] | None = None,
        lateness: StartLateness | None = None,
    ) -> None:
        """`workflows` and `agent_urls` are known already (else asked of the Controller when a task starts);
        `lateness` counts the start of each new run with a planned start once its batch is committed."""
        self.database = database
        self.lateness = lateness
        self.proxy = proxy
        self.controller_id = proxy.controller_id
        self.clock = clock
        self.on_batch = on_batch
        self.added: dict[str, Added] = {}
        self._workflows: dict[tuple[str, str], Workflow | None] = {
            (workflow.path, workflow.version_id or ""): workflow for workflow in workflows
        }
        self._agent_urls: dict[str, str] = dict(agent_urls or {})
        self._taken: int | None = None  # the EventId stored last, once known
        self._paths: dict[str, str] = {}  # the inventory path of a workflow by its name on the Controller

    async def run(self) -> None:
        """Follows the Controller until cancelled; errors of the Controller or the database are retried."""
        failures = 0
        while True:
            try:
                taken = await self.step(WAIT_SECONDS)
                failures = 0
                if 0 < taken < BATCH:
                    await asyncio.sleep(GATHER_SECONDS)
            except (JocError, SQLAlchemyError, OSError) as error:
                self._taken = None
                delay = BACKOFF[min(failures, len(BACKOFF) - 1)]
                failures += 1
                logger.warning("History of %s: %s; again in %s s", self.controller_id, error, delay)
                await asyncio.sleep(delay)

    async def step(self, wait_seconds: float) -> int:
        """Takes one batch of events (waiting up to `wait_seconds` for the first), commits it with its EventId,
        then releases it on the Controller. Returns how many events it took."""
        if self._taken is None:
            async with self.database.session() as db:
                self._taken = await EventIdRepository(db).load(self.controller_id, CONSUMER) or 0
        after = self._taken
        events = await self.proxy.events(after, wait_seconds, BATCH)
        if not events:
            return 0
        last = int(events[-1]["eventId"])
        if all(raw.get("TYPE") in RELEASES for raw in events):
            # Only the records of releases (ours, the Controller's of its Agents): releasing them would be
            # recorded again, and so on forever. They are released with the next batch that holds anything else.
            self._taken = last
            return 0
        await self.store(order_events(events, after), last)
        if self.on_batch is not None:
            self.on_batch(self.controller_id, events)
        await self.proxy.release_events(last)
        return len(events)

    async def store(self, events: Sequence[FoldedEvent], last: int) -> None:
        """Writes the history of the order events and stores `last` as the EventId taken, in one transaction;
        events at or before the EventId stored already are left out (they were written). When the fold misses
        something of the Controller, the transaction ends having written nothing, the Controller is asked, and
        the batch is folded again."""
        orders: dict[str, Added | None] = {}
        while True:
            async with self.database.session() as db:
                stored = await EventIdRepository(db).load(self.controller_id, CONSUMER) or 0
                events = [event for event in events if event[2] > stored]
                history = HistoryBatchRepository(db, self.controller_id, self._paths)
                running = await history.running(_order_ids(events))
                facts = Facts(workflows=self._workflows, agent_urls=self._agent_urls, orders=orders)
                folded = fold(events, running, self.added, facts)
                if not isinstance(folded, Missing):
                    await self._know_paths(db, folded)
                    started = [run for run in folded.runs if run.history_id is None and run.parent is None]
                    await history.write(folded)
                    await EventIdRepository(db).store(
                        self.controller_id, CONSUMER, max(last, stored), self.clock()
                    )
            if not isinstance(folded, Missing):
                self.added, self._taken = folded.added, max(last, stored)
                self._count_lateness(started)
                return
            await self._learn(folded, orders)

    def _count_lateness(self, started: Iterable[Run]) -> None:
        if self.lateness is None:
            return
        for run in started:
            path = self._paths.get(run.workflow_path, f"/{run.workflow_path}")
            self.lateness.observe(self.controller_id, path, run.planned_time, run.start_time)

    async def _know_paths(self, db: AsyncSession, changes: Changes) -> None:
        """Looks up the inventory paths when a new run is of a workflow whose path is not known yet; a workflow
        the inventory does not have shows as /name."""
        names = {run.workflow_path for run in changes.runs if run.history_id is None}
        if names <= self._paths.keys():
            return
        self._paths.update(await workflow_paths(db, self.controller_id))
        self._paths.update((name, f"/{name}") for name in names - self._paths.keys())

    async def _learn(self, missing: Missing, orders: dict[str, Added | None]) -> None:
        """Asks the Controller for what a fold missed; what it does not know is remembered as unknown."""
        if missing.workflows:
            for item in await self.proxy.items():
                if item.get("TYPE") == "Workflow":
                    workflow = msgspec.convert(item, Workflow)
                    self._workflows[(workflow.path, workflow.version_id or "")] = workflow
            for wanted in missing.workflows:
                self._workflows.setdefault(wanted, None)
        if missing.agents:
            for path, agent in (await self.proxy.overview()).get("agents", {}).items():
                self._agent_urls[path] = str(agent.get("uri") or "")
            for path in missing.agents:
                self._agent_urls.setdefault(path, "")
        for order_id in missing.orders:
            orders[order_id] = await self.added_from_controller(order_id)

    async def added_from_controller(self, order_id: str) -> Added | None:
        """What the Controller still knows of an order whose OrderAdded was taken before a restart."""
        order = await self.proxy.order(order_id)
        if order is None:
            return None
        workflow = order.get("workflowPosition", {}).get("workflowId", {})
        arguments = order.get("arguments")
        position = order.get("workflowPosition", {}).get("position", [0])
        return Added(
            workflow_path=str(workflow.get("path", "")),
            version_id=str(workflow.get("versionId", "")),
            arguments=json.dumps(arguments) if arguments else None,
            scheduled_for=order.get("scheduledFor"),
            position=to_string(tuple(position)),
        )


class HistoryServices(ProxyListener):
    """A History task per registered Controller: started when its proxy is registered (again: restarted),
    stopped when it is forgotten or the Cockpit stops."""

    def __init__(
        self,
        database: Database,
        clock: Callable[[], int],
        on_batch: BatchListener | None = None,
        lateness: StartLateness | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._on_batch = on_batch
        self._lateness = lateness
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def registered(self, proxy: ControllerProxy) -> None:
        self.forgotten(proxy.controller_id)
        history = History(self._database, proxy, self._clock, self._on_batch, lateness=self._lateness)
        self._tasks[proxy.controller_id] = asyncio.create_task(
            history.run(), name=f"History {proxy.controller_id}"
        )

    def forgotten(self, controller_id: str) -> None:
        task = self._tasks.pop(controller_id, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
