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

Times are the events' times (an EventId is epoch milliseconds × 1000)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.event_ids import EventIdRepository
from stellwerk.cockpit.db.repositories.logs import LogRepository
from stellwerk.cockpit.db.repositories.order_history import (
    OrderChanged,
    OrderHistory,
    OrderHistoryRepository,
    OrderStarted,
)
from stellwerk.cockpit.db.repositories.task_history import TaskEnded, TaskHistoryRepository, TaskStarted
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.errors import JocError
from stellwerk.cockpit.services.proxy import ControllerProxy, ProxyListener
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import outcome as o
from stellwerk.model.codec import decode_keyed_event
from stellwerk.model.position import from_string, to_string
from stellwerk.model.workflow import Workflow, instruction_at, job_of

logger = logging.getLogger(__name__)

CONSUMER = "history"
WAIT_SECONDS = 5.0
BATCH = 1000
BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)

# Told of every batch of a Controller's events once History has stored it: (Controller id, the events).
BatchListener = Callable[[str, Sequence[dict[str, Any]]], None]


def event_time(event_id: int) -> int:
    """The epoch milliseconds of an EventId."""
    return event_id // 1000


def iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="milliseconds")


class Added(msgspec.Struct, frozen=True, kw_only=True):
    """What an order brought when it was added, kept until it starts."""

    workflow_path: str
    version_id: str
    arguments: str | None
    scheduled_for: int | None
    position: str


def _return_code(outcome: object) -> int | None:
    named = getattr(outcome, "named_values", None) or {}
    code = named.get("returnCode")
    return int(code) if isinstance(code, int | float) and not isinstance(code, bool) else None


def _outcome_error(outcome: object) -> str | None:
    if isinstance(outcome, o.Failed):
        return outcome.message or "failed"
    if isinstance(outcome, o.Disrupted):
        return getattr(outcome.reason, "problem", None) or "disrupted"
    if isinstance(outcome, o.TimedOut | o.Killed):
        return type(outcome).__name__
    return None


class HistoryWriter:
    """Writes one batch of a Controller's events inside one session (the caller's transaction)."""

    def __init__(self, history: History, db: AsyncSession) -> None:
        self._h = history
        self._db = db
        self._orders = OrderHistoryRepository(db)
        self._tasks = TaskHistoryRepository(db)
        self._logs = LogRepository(db)

    async def write(self, raw: dict[str, Any]) -> None:
        event_id = int(raw["eventId"])
        try:
            keyed = decode_keyed_event(json.dumps(raw))
        except (msgspec.DecodeError, msgspec.ValidationError):
            return  # not an order event the engine knows (Controller or cluster events)
        await self._apply(keyed.key, keyed.event, event_id, event_time(event_id))

    async def _apply(self, key: str, event: object, event_id: int, now: int) -> None:
        if isinstance(event, e.OrderAdded):
            self._h.added[key] = Added(
                workflow_path=event.workflow_id.path,
                version_id=event.workflow_id.version_id,
                arguments=json.dumps(msgspec.to_builtins(event.arguments)) if event.arguments else None,
                scheduled_for=event.scheduled_for,
                position=to_string(event.start_position or (0,)),
            )
        elif isinstance(event, e.OrderOrderAdded):
            self._h.added[event.order_id] = Added(
                workflow_path=event.workflow_id.path,
                version_id=event.workflow_id.version_id,
                arguments=json.dumps(msgspec.to_builtins(event.arguments)) if event.arguments else None,
                scheduled_for=None,
                position=to_string(event.start_position or (0,)),
            )
        elif isinstance(event, e.OrderMoved) and key in self._h.added:
            # Moved before it started (a skipped first job): its run begins where it has moved to.
            self._h.added[key] = msgspec.structs.replace(self._h.added[key], position=to_string(event.to))
        elif isinstance(event, e.OrderStarted):
            await self._started(key, event_id, now)
        elif isinstance(event, e.OrderForked):
            await self._forked(key, event, event_id, now)
        elif isinstance(event, e.OrderProcessingStarted):
            await self._processing_started(key, event, event_id, now)
        elif isinstance(event, e.OrderStdoutWritten | e.OrderStderrWritten):
            await self._output(key, event.chunk, now)
        elif isinstance(event, e.OrderProcessed):
            await self._processed(key, event, now)
        elif isinstance(event, e.OrderDeleted):
            self._h.added.pop(key, None)
        else:
            await self._changed(key, event, now)

    async def _running(self, order_id: str) -> OrderHistory | None:
        return await self._orders.latest(self._h.controller_id, order_id, running=True)

    async def _started(self, order_id: str, event_id: int, now: int) -> None:
        if await self._running(order_id) is not None:
            return
        added = self._h.added.pop(order_id, None) or await self._h.added_from_controller(order_id)
        history_id = await self._orders.add(
            OrderStarted(
                controller_id=self._h.controller_id,
                order_id=order_id,
                workflow_path=added.workflow_path,
                workflow_version_id=added.version_id,
                start_time=now,
                start_event_id=event_id,
                position=added.position,
                planned_time=added.scheduled_for,
                arguments=added.arguments,
            ),
            now,
        )
        await self._log(history_id, order_id, "MAIN", "OrderStarted", added.position, now)

    async def _forked(self, order_id: str, event: e.OrderForked, event_id: int, now: int) -> None:
        parent = await self._running(order_id)
        if parent is None:
            return
        await self._orders.update(
            parent.history_id,
            OrderChanged(state=OrderStateText.WAITING, severity=HistoryState.INCOMPLETE),
            now,
        )
        for child in event.children:
            child_id = await self._orders.add(
                OrderStarted(
                    controller_id=self._h.controller_id,
                    order_id=child.order_id,
                    workflow_path=parent.workflow_path,
                    workflow_version_id=parent.workflow_version_id,
                    start_time=now,
                    start_event_id=event_id,
                    position=parent.position,
                    parent_id=parent.history_id,
                ),
                now,
            )
            await self._log(child_id, child.order_id, "MAIN", "OrderStarted", parent.position, now)
        await self._log(parent.history_id, order_id, "DETAIL", "OrderForked", parent.position, now)

    async def _processing_started(
        self, order_id: str, event: e.OrderProcessingStarted, event_id: int, now: int
    ) -> None:
        order = await self._running(order_id)
        if order is None:
            return
        job_name, agent_id, label = await self._h.job_at(
            order.workflow_path, order.workflow_version_id, order.position
        )
        agent_url = await self._h.agent_url(agent_id)
        task_id = await self._tasks.add(
            TaskStarted(
                controller_id=self._h.controller_id,
                history_order_id=order.history_id,
                order_id=order_id,
                workflow_path=order.workflow_path,
                workflow_version_id=order.workflow_version_id,
                job_name=job_name,
                position=order.position,
                agent_id=agent_id,
                agent_url=agent_url,
                start_time=now,
                start_event_id=event_id,
                label=label,
                subagent_id=event.subagent_id,
            ),
            now,
        )
        await self._orders.update(
            order.history_id,
            OrderChanged(state=OrderStateText.RUNNING, severity=HistoryState.INCOMPLETE),
            now,
        )
        extra = {"agentId": agent_id, "agentUrl": agent_url, "job": job_name, "taskId": task_id}
        await self._log(
            order.history_id, order_id, "DETAIL", "OrderProcessingStarted", order.position, now, extra
        )

    async def _running_task(self, order_id: str) -> tuple[OrderHistory, int] | None:
        order = await self._running(order_id)
        if order is None:
            return None
        tasks = [t for t in await self._tasks.of_order(order.history_id) if t.end_time is None]
        return (order, tasks[-1].task_id) if tasks else None

    async def _output(self, order_id: str, chunk: str, now: int) -> None:
        found = await self._running_task(order_id)
        if found is not None:
            order, task_id = found
            await self._logs.append(order.history_id, chunk, now, task_id=task_id)

    async def _processed(self, order_id: str, event: e.OrderProcessed, now: int) -> None:
        found = await self._running_task(order_id)
        if found is None:
            return
        order, task_id = found
        error = _outcome_error(event.outcome)
        severity = HistoryState.SUCCESSFUL if isinstance(event.outcome, o.Succeeded) else HistoryState.FAILED
        code = _return_code(event.outcome)
        await self._tasks.end(
            task_id, TaskEnded(end_time=now, severity=severity, return_code=code, error_text=error), now
        )
        await self._orders.update(
            order.history_id,
            OrderChanged(state=OrderStateText.INPROGRESS, severity=HistoryState.INCOMPLETE),
            now,
        )
        extra: dict[str, Any] = {"taskId": task_id}
        if code is not None:
            extra["returnCode"] = code
        if error is not None:
            extra["error"] = {"errorState": "failed", "errorText": error}
        level = "ERROR" if error else "DETAIL"
        await self._log(order.history_id, order_id, level, "OrderProcessed", order.position, now, extra)

    async def _changed(self, order_id: str, event: object, now: int) -> None:
        found = _order_change(event, now)
        if found is None:
            return
        order = await self._running(order_id)
        if order is None:
            return
        change, log_event = found
        await self._orders.update(order.history_id, change, now)
        if isinstance(event, e.OrderJoined):
            await self._end_children(order.history_id, event.outcome, now)
        if log_event is not None:
            level = "ERROR" if change.severity is HistoryState.FAILED else "MAIN"
            extra = {"error": {"errorText": change.error_text}} if change.error_text else None
            await self._log(
                order.history_id, order_id, level, log_event, change.position or order.position, now, extra
            )

    async def _end_children(self, history_id: int, outcome: object, now: int) -> None:
        severity = HistoryState.SUCCESSFUL if isinstance(outcome, o.Succeeded) else HistoryState.FAILED
        for child in await self._orders.children(history_id):
            if child.end_time is None:
                finished = OrderChanged(state=OrderStateText.FINISHED, severity=severity, end_time=now)
                await self._orders.update(child.history_id, finished, now)

    async def _log(
        self,
        history_id: int,
        order_id: str,
        level: str,
        log_event: str,
        position: str,
        now: int,
        extra: dict[str, Any] | None = None,
    ) -> None:
        entry = {
            "controllerDatetime": iso(now),
            "orderId": order_id,
            "logLevel": level,
            "logEvent": log_event,
            "position": position,
            **(extra or {}),
        }
        await self._logs.append(history_id, json.dumps(entry) + "\n", now)


def _order_change(event: object, now: int) -> tuple[OrderChanged, str | None] | None:
    """How an event changes an order's row (None: it does not), and the JOC log event name to log it under."""
    incomplete = HistoryState.INCOMPLETE
    if isinstance(event, e.OrderMoved):
        return OrderChanged(
            state=OrderStateText.INPROGRESS, severity=incomplete, position=to_string(event.to)
        ), None
    if isinstance(event, e.OrderFailed | e.OrderFailedInFork):
        moved = to_string(event.moved_to)
        return OrderChanged(
            state=OrderStateText.FAILED, severity=HistoryState.FAILED, position=moved
        ), "OrderFailed"
    if isinstance(event, e.OrderCaught):
        caught = to_string(event.moved_to)
        return OrderChanged(
            state=OrderStateText.INPROGRESS, severity=incomplete, position=caught
        ), "OrderCaught"
    if isinstance(event, e.OrderRetrying):
        return OrderChanged(state=OrderStateText.WAITING, severity=incomplete), "OrderRetrying"
    if isinstance(event, e.OrderFinished):
        failed = event.outcome is not None and not isinstance(event.outcome, o.Succeeded)
        severity = HistoryState.FAILED if failed else HistoryState.SUCCESSFUL
        return OrderChanged(state=OrderStateText.FINISHED, severity=severity, end_time=now), "OrderFinished"
    if isinstance(event, e.OrderCancelled):
        cancelled = OrderChanged(state=OrderStateText.CANCELLED, severity=HistoryState.FAILED, end_time=now)
        return cancelled, "OrderCancelled"
    if isinstance(event, e.OrderBroken):
        broken = OrderChanged(
            state=OrderStateText.BROKEN, severity=HistoryState.FAILED, end_time=now, error_text=event.problem
        )
        return broken, "OrderBroken"
    if isinstance(event, e.OrderJoined):
        return OrderChanged(state=OrderStateText.INPROGRESS, severity=incomplete), "OrderJoined"
    if isinstance(event, e.OrderSuspended):
        return OrderChanged(state=OrderStateText.SUSPENDED, severity=incomplete), "OrderSuspended"
    if isinstance(event, e.OrderResumed):
        return OrderChanged(state=OrderStateText.INPROGRESS, severity=incomplete), "OrderResumed"
    if isinstance(event, e.OrderPrompted):
        return OrderChanged(state=OrderStateText.PROMPTING, severity=incomplete), None
    if isinstance(event, e.OrderPromptAnswered | e.OrderAwoke):
        return OrderChanged(state=OrderStateText.INPROGRESS, severity=incomplete), None
    if isinstance(event, e.OrderLocksQueued | e.OrderNoticesExpected | e.OrderSleeping):
        return OrderChanged(state=OrderStateText.WAITING, severity=incomplete), None
    return None


class History:
    """The History of one Controller: its loop, and what it remembers between batches (orders added but not yet
    started, workflows and Agent URLs it looked up)."""

    def __init__(
        self,
        database: Database,
        proxy: ControllerProxy,
        clock: Callable[[], int],
        on_batch: BatchListener | None = None,
    ) -> None:
        self.database = database
        self.proxy = proxy
        self.controller_id = proxy.controller_id
        self.clock = clock
        self.on_batch = on_batch
        self.added: dict[str, Added] = {}
        self._workflows: dict[tuple[str, str], Workflow] = {}
        self._agent_urls: dict[str, str] = {}

    async def run(self) -> None:
        """Follows the Controller until cancelled; errors of the Controller or the database are retried."""
        failures = 0
        while True:
            try:
                await self.step(WAIT_SECONDS)
                failures = 0
            except (JocError, SQLAlchemyError, OSError) as error:
                delay = BACKOFF[min(failures, len(BACKOFF) - 1)]
                failures += 1
                logger.warning("History of %s: %s; again in %s s", self.controller_id, error, delay)
                await asyncio.sleep(delay)

    async def step(self, wait_seconds: float) -> int:
        """Takes one batch of events (waiting up to `wait_seconds` for the first), commits it with its EventId,
        then releases it on the Controller. Returns how many events it wrote."""
        async with self.database.session() as db:
            after = await EventIdRepository(db).load(self.controller_id, CONSUMER) or 0
        events = await self.proxy.events(after, wait_seconds, BATCH)
        if not events:
            return 0
        last = int(events[-1]["eventId"])
        async with self.database.session() as db:
            writer = HistoryWriter(self, db)
            for raw in events:
                await writer.write(raw)
            await EventIdRepository(db).store(self.controller_id, CONSUMER, last, self.clock())
        if self.on_batch is not None:
            self.on_batch(self.controller_id, events)
        await self.proxy.release_events(last)
        return len(events)

    async def added_from_controller(self, order_id: str) -> Added:
        """What the Controller still knows of an order whose OrderAdded was taken before a restart."""
        order = await self.proxy.order(order_id) or {}
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

    async def job_at(self, path: str, version_id: str, position_text: str) -> tuple[str, str, str | None]:
        """(job name, Agent path, label) of the job instruction at a position of a workflow version."""
        workflow = await self._workflow(path, version_id)
        instruction = instruction_at(workflow, from_string(position_text)) if workflow else None
        if not isinstance(instruction, i.Execute) or workflow is None:
            return "", "", None
        job = job_of(workflow, instruction)
        name = instruction.job_name if isinstance(instruction, i.ExecuteNamed) else ""
        return name, job.agent_path if job else "", instruction.label

    async def _workflow(self, path: str, version_id: str) -> Workflow | None:
        if (path, version_id) not in self._workflows:
            for item in await self.proxy.items():
                if item.get("TYPE") == "Workflow":
                    workflow = msgspec.convert(item, Workflow)
                    self._workflows[(workflow.path, workflow.version_id or "")] = workflow
        return self._workflows.get((path, version_id))

    async def agent_url(self, agent_path: str) -> str:
        if agent_path and agent_path not in self._agent_urls:
            for path, agent in (await self.proxy.overview()).get("agents", {}).items():
                self._agent_urls[path] = str(agent.get("uri") or "")
        return self._agent_urls.get(agent_path, "")


class HistoryServices(ProxyListener):
    """A History task per registered Controller: started when its proxy is registered (again: restarted),
    stopped when it is forgotten or the Cockpit stops."""

    def __init__(
        self, database: Database, clock: Callable[[], int], on_batch: BatchListener | None = None
    ) -> None:
        self._database = database
        self._clock = clock
        self._on_batch = on_batch
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def registered(self, proxy: ControllerProxy) -> None:
        self.forgotten(proxy.controller_id)
        history = History(self._database, proxy, self._clock, self._on_batch)
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
