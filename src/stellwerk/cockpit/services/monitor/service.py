"""The Monitor service: started with the Cockpit, it turns what happens into notifications, stores them (the
`/monitoring/...` API lists and acknowledges them) and hands them to the configured notifiers.

- Job steps: the History's batch listener passes each stored batch to `observe`, which only keeps the events
  that matter and queues them (it never blocks the History). A worker classifies them (`classify`), looks up the
  step's task row and its job's rules in the database, and stores the notifications; a job that succeeds for
  an order after its error is RECOVERED (remembered in memory: not across a restart).
- Agents: coupling failed or reset (Controller events in the same batches) for longer than `agent_lost_after_ms`
  (an Agent still starting is no loss), and coupled again after that.
- Controllers: a loop checks the proxies' connection states; every node unreachable for longer than
  `controller_lost_after_ms` is a loss (`reachability`), and answering again after it a recovery.
- Anything else (a Cockpit cluster node lost): `notify_component_failure`.

A delivery that fails is logged and tried again after each of `retry_delays_ms`, in a task of its own; so is
storing when the database fails. The queue is bounded: a Monitor that far behind drops work (logged) rather
than hold the History up or grow without end."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.services.monitor import reachability
from stellwerk.cockpit.services.monitor.classify import (
    ERROR,
    RECOVERED,
    AgentChanged,
    JobRules,
    StepEnded,
    Verdict,
    Watch,
    observe,
    relevant,
    verdicts,
)
from stellwerk.cockpit.services.monitor.notifiers import DeliveryFailed, Notifier, notifiers
from stellwerk.cockpit.services.monitor.settings import CATEGORIES, ORDER, MonitorSettings
from stellwerk.cockpit.services.monitor.store import (
    Notification,
    NotificationStore,
    Task,
    average_duration,
    ended_tasks,
    jobs_rules,
)
from stellwerk.cockpit.services.proxy import Connection

logger = logging.getLogger(__name__)

REMEMBERED_ERRORS = 10_000
QUEUED = 10_000  # batches and notifications waiting: beyond, the Monitor drops (and logs) rather than grow
CLOSING_WAIT = 5.0  # seconds closing waits for the item in hand (a database down at close: retries cut short)
ErrorKey = tuple[str, str, str, str]  # Controller, order, workflow, job
Batch = tuple[str, list[Mapping[str, Any]]]
Delivery = tuple[Notification, JobRules | None]


@dataclass
class _Notes:
    """The notifications of one batch before they are stored: where its errors are (by job of an order), and
    the recoveries from an error of the same batch (by position in `found`: the ids come with storing)."""

    found: list[Delivery] = field(default_factory=list)
    errors: dict[ErrorKey, int] = field(default_factory=dict)
    recoveries: list[tuple[int, int]] = field(default_factory=list)


def _described(item: Batch | Notification) -> str:
    if isinstance(item, Notification):
        return f"the {item.type} notification of {item.category} {item.source}: {item.message}"
    return f"a batch of {len(item[1])} events of Controller {item[0]}"


class MonitorService:
    """The background tasks; `close` stops them (deliveries under way are abandoned)."""

    def __init__(
        self, cockpit: Cockpit, settings: MonitorSettings, extra_notifiers: Sequence[Notifier] = ()
    ) -> None:
        """`extra_notifiers` are delivered to besides those the settings configure."""
        self._cockpit = cockpit
        self._settings = settings
        self._notifiers = [*notifiers(settings), *extra_notifiers]
        self._queue: asyncio.Queue[Batch | Notification] = asyncio.Queue(QUEUED)
        self._watches: dict[str, Watch] = {}
        self._controllers = reachability.Reachability()
        self._agents = reachability.Reachability()  # by "controller id/agent id"
        self._failing_agents: dict[str, AgentChanged] = {}
        # The error notification of a job of an order (Controller, order, workflow, job) until the job succeeds
        # for the order again (a retry, a resumed order): then RECOVERED refers to it.
        self._errors: dict[ErrorKey, int] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._deliveries: set[asyncio.Task[None]] = set()
        self._handling: asyncio.Future[list[Delivery]] | None = None

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._work(), name="monitor"),
            asyncio.create_task(self._watch_components(), name="monitor components"),
        ]

    async def close(self) -> None:
        tasks = [*self._tasks, *self._deliveries]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._handling is not None and not self._handling.done():
            await asyncio.wait([self._handling], timeout=CLOSING_WAIT)
            self._handling.cancel()
            await asyncio.gather(self._handling, return_exceptions=True)

    def observe(self, controller_id: str, events: Sequence[Mapping[str, Any]]) -> None:
        """A batch of a Controller's events, stored by the History: queued when it holds anything of interest."""
        wanted = relevant(events)
        if wanted:
            self._enqueue((controller_id, wanted))

    def notify_component_failure(
        self, kind: str, component_id: str, message: str, *, recovered: bool = False
    ) -> None:
        """A component failed (or recovered): `kind` is JOC's category (JOC for a Cockpit node, CONTROLLER,
        AGENT, SYSTEM), `component_id` names it. Stored and delivered in the background."""
        if kind not in CATEGORIES or kind == ORDER:
            raise ValueError(f"not a component category: {kind}")
        self._enqueue(self._component(kind, component_id, message, recovered=recovered))

    def _enqueue(self, item: Batch | Notification) -> None:
        """Queues work; when the Monitor is that far behind, the item is dropped and logged (never blocks)."""
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            logger.error("The Monitor is %s items behind; dropped %s", QUEUED, _described(item))

    def _component(
        self, kind: str, source: str, message: str, *, recovered: bool, controller_id: str | None = None
    ) -> Notification:
        return Notification(
            type=RECOVERED if recovered else ERROR,
            category=kind,
            controller_id=controller_id,
            source=source,
            message=message,
            created=self._cockpit.now(),
        )

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            if isinstance(item, Notification):
                work = functools.partial(self._store_alone, item)
            else:
                changes = observe(self._watches.setdefault(item[0], Watch()), item[1])
                work = functools.partial(self._judge, item[0], changes)
            # Shielded: closing waits for the item's database work instead of cutting a query off while
            # aiosqlite's thread runs it (its answer would then reach a closed event loop).
            self._handling = asyncio.ensure_future(self._retried(work, _described(item)))
            self._deliver_all(await asyncio.shield(self._handling))

    async def _retried(self, work: Callable[[], Awaitable[list[Delivery]]], what: str) -> list[Delivery]:
        """The work's stored notifications; a database error is tried again after each retry delay, then the
        work is given up (logged)."""
        delays = self._settings.retry_delays_ms
        for attempt in range(len(delays) + 1):
            try:
                return await work()
            except (SQLAlchemyError, OSError) as error:
                if attempt == len(delays):
                    logger.error("The Monitor gave up storing %s: %s", what, error)
                    break
                logger.warning(
                    "The Monitor could not store %s (%s); again in %s ms", what, error, delays[attempt]
                )
                await asyncio.sleep(delays[attempt] / 1000)
            except Exception:
                logger.exception("The Monitor could not handle %s", what)
                break
        return []

    async def _store_alone(self, notification: Notification) -> list[Delivery]:
        async with self._cockpit.database.session() as db:
            return await self._store(db, [(notification, None)])

    async def _judge(self, controller_id: str, changes: Sequence[StepEnded | AgentChanged]) -> list[Delivery]:
        """The notifications of a batch's changes, stored together."""
        notes = _Notes()
        async with self._cockpit.database.session() as db:
            steps = [(c.order_id, c.event_id, c.ended) for c in changes if isinstance(c, StepEnded)]
            tasks = await ended_tasks(db, controller_id, steps) if steps else {}
            rules: dict[str, dict[str, JobRules]] = {}  # by workflow path, read once per batch
            for change in changes:
                if isinstance(change, AgentChanged):
                    agent_key = f"{controller_id}/{change.agent_id}"
                    if change.failed:
                        self._failing_agents[agent_key] = change
                    else:
                        self._failing_agents.pop(agent_key, None)
                    notes.found.extend((n, None) for n in self._check_agent(controller_id, change))
                    continue
                task = tasks.get(change.event_id)
                if task is None:
                    logger.warning(
                        "Monitor: no task of order %s ended at %s", change.order_id, change.event_id
                    )
                    continue
                if task.workflow_path not in rules:
                    rules[task.workflow_path] = await jobs_rules(db, task.workflow_path)
                job = rules[task.workflow_path].get(task.job_name, JobRules())
                await self._note_step(db, notes, controller_id, change, task, job)
            stored = await self._store(db, notes.found)
            store = NotificationStore(db)
            for recovered, error in notes.recoveries:
                error_id, (notification, its_job) = stored[error][0].id, stored[recovered]
                await store.set_recovered(notification.id or 0, error_id or 0)
                stored[recovered] = (msgspec.structs.replace(notification, recovered_id=error_id), its_job)
        for error_key, index in notes.errors.items():
            self._remember_error(error_key, stored[index][0].id or 0)
        return stored

    def _check_agent(self, controller_id: str, change: AgentChanged) -> list[Notification]:
        """The notification of an Agent failing longer than the setting, or coupled again after that."""
        key = f"{controller_id}/{change.agent_id}"
        lost_after = self._settings.agent_lost_after_ms
        verdict = reachability.check(self._agents, key, not change.failed, self._cockpit.now(), lost_after)
        if verdict is None:
            return []
        recovered = verdict == RECOVERED
        return [self._component("AGENT", change.agent_id, change.message, recovered=recovered, controller_id=controller_id)]  # fmt: skip

    async def _note_step(
        self,
        db: AsyncSession,
        notes: _Notes,
        controller_id: str,
        step: StepEnded,
        task: Task,
        rules: JobRules,
    ) -> None:
        """Adds a step's notifications to the batch's: its verdicts, and RECOVERED when the job failed before
        for the order (in an earlier batch or in this one) and now succeeded."""
        percentages = any(
            limit and limit.endswith("%") for limit in (rules.warn_if_longer, rules.warn_if_shorter)
        )
        average = await average_duration(db, controller_id, task) if percentages else None
        found = verdicts(step, rules, task.end_time - task.start_time, average)
        key = (controller_id, step.order_id, task.workflow_path, task.job_name)
        earlier = in_batch = None
        if step.outcome == "Succeeded":
            earlier, in_batch = self._errors.pop(key, None), notes.errors.pop(key, None)
            if earlier is not None or in_batch is not None:
                found.insert(0, Verdict(RECOVERED, "The job succeeded again after its error"))
        base = Notification(
            type=ERROR,
            category=ORDER,
            message="",
            created=self._cockpit.now(),
            controller_id=controller_id,
            order_id=step.order_id,
            workflow_path=task.workflow_path,
            job_name=task.job_name,
            position=task.position,
            task_id=task.task_id,
            agent_url=task.agent_url,
            # JOC-only: the History knows it only when the engine's job carries it.
            criticality=task.criticality if task.criticality != "NORMAL" else rules.criticality,
            task_state=task.severity.value,
            return_code=step.return_code,
            start_time=task.start_time,
            end_time=task.end_time,
        )
        for verdict in found:
            recovered_id = None
            if verdict.type == RECOVERED:
                if in_batch is not None:
                    notes.recoveries.append((len(notes.found), in_batch))
                else:
                    recovered_id = earlier
            if verdict.type == ERROR:
                notes.errors[key] = len(notes.found)
            notification = msgspec.structs.replace(
                base, type=verdict.type, message=verdict.message, recovered_id=recovered_id
            )
            notes.found.append((notification, rules))

    def _remember_error(self, key: ErrorKey, notification_id: int) -> None:
        """Remembers the error of a step until it succeeds again (the oldest forgotten beyond a bound)."""
        self._errors.pop(key, None)
        self._errors[key] = notification_id
        if len(self._errors) > REMEMBERED_ERRORS:
            del self._errors[next(iter(self._errors))]

    async def _store(self, db: AsyncSession, found: list[Delivery]) -> list[Delivery]:
        """Stores the notifications (they get their ids), each with its job for the delivery."""
        if not found:
            return []
        stored = await NotificationStore(db).add([notification for notification, _ in found])
        return [(notification, job) for notification, (_, job) in zip(stored, found, strict=True)]

    def _deliver_all(self, stored: list[Delivery]) -> None:
        """Hands the notifications stored (committed) to the notifiers that want them."""
        for notification, job in stored:
            logger.info(
                "Notification %s %s: %s", notification.type, notification.category, notification.message
            )
            for notifier in self._notifiers:
                if notifier.wants(notification):
                    task = asyncio.create_task(
                        self._deliver(notifier, notification, job), name="monitor delivery"
                    )
                    self._deliveries.add(task)
                    task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, notifier: Notifier, notification: Notification, job: JobRules | None) -> None:
        delays = self._settings.retry_delays_ms
        for attempt in range(len(delays) + 1):
            try:
                await notifier.deliver(notification, job)
                return
            except DeliveryFailed as error:
                if attempt == len(delays):
                    logger.error("Notification %s not delivered, given up: %s", notification.id, error)
                    return
                logger.warning(
                    "Notification %s not delivered (%s); again in %s ms",
                    notification.id,
                    error,
                    delays[attempt],
                )
                await asyncio.sleep(delays[attempt] / 1000)

    async def _watch_components(self) -> None:
        while True:
            await asyncio.sleep(self._settings.check_interval_ms / 1000)
            try:
                for notification in [*self._check_controllers(), *self._check_failing_agents()]:
                    self._enqueue(notification)
            except Exception:
                logger.exception("The Monitor could not check the Controllers and Agents")

    def _check_failing_agents(self) -> list[Notification]:
        found = []
        for key, change in list(self._failing_agents.items()):
            found.extend(self._check_agent(key.split("/", 1)[0], change))
        return found

    def _check_controllers(self) -> list[Notification]:
        proxies = self._cockpit.proxies
        known = set(proxies.ids())
        reachability.forget(self._controllers, known)
        found = []
        for controller_id in sorted(known):
            proxy = proxies.get(controller_id)
            states = [proxy.status(url) for url in proxy.urls]
            reachable = None
            if any(s.connection == Connection.ESTABLISHED for s in states):
                reachable = True
            elif all(s.connection == Connection.UNREACHABLE for s in states):
                reachable = False
            lost_after = self._settings.controller_lost_after_ms
            verdict = reachability.check(
                self._controllers, controller_id, reachable, self._cockpit.now(), lost_after
            )
            if verdict is not None:
                recovered = verdict == RECOVERED
                problems = "; ".join(f"{s.url}: {s.problem}" for s in states if s.problem)
                message = (
                    f"Controller {controller_id} is reachable again"
                    if recovered
                    else f"Controller {controller_id} is not reachable: {problems}"
                )
                found.append(self._component("CONTROLLER", controller_id, message, recovered=recovered, controller_id=controller_id))  # fmt: skip
        return found
