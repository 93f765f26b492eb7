"""How a batch of a Controller's events changes the history, worked out in memory before anything is written:
the order runs and tasks the batch adds or changes (each row once, however many events touched it), their log
lines, and what it needs from the Controller that was not known. Pure: the database rows it starts from and the
Controller's facts are its arguments; `HistoryBatchRepository` writes the result in one transaction.

A fold needs the workflow of every job it starts a task of, the URL of the job's Agent, and what an order brought
when it was added (kept from `OrderAdded`, asked of the Controller after a restart). When one of these is not in
`Facts`, the fold says which (`Missing`); the caller asks the Controller and folds the same batch again.

Rows as the read endpoints rely on them are described in `history.py`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import msgspec

from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.history_batch import (
    Added,
    Changes,
    Joined,
    LogLine,
    Run,
    Running,
    Task,
)
from stellwerk.cockpit.services.dailyplan.planning import is_planned, plan_date_of
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import outcome as o
from stellwerk.model.position import from_string, to_string
from stellwerk.model.workflow import Workflow, instruction_at, job_of


def event_time(event_id: int) -> int:
    """The epoch milliseconds of an EventId."""
    return event_id // 1000


class FoldedEvent(NamedTuple):
    """An order's event as the fold reads it: `time` is when it happened (epoch ms), which is the Agent's time
    for an event the Controller took from an Agent (a process started, ended), else the EventId's."""

    key: str
    event: object
    event_id: int
    time: int


def iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Facts:
    """What the fold knows of the Controller: workflows by (path, version), Agent URLs by Agent path, and orders
    by id as added. A key with None (a workflow, an order) or "" (an Agent) was asked for and does not exist."""

    workflows: Mapping[tuple[str, str], Workflow | None]
    agent_urls: Mapping[str, str]
    orders: Mapping[str, Added | None]


@dataclass(frozen=True)
class Missing:
    """What the fold needs to be asked of the Controller first."""

    workflows: frozenset[tuple[str, str]]
    agents: frozenset[str]
    orders: frozenset[str]


# The events a fold reads; the others (attaching to Agents, marks, …) change no history row.
FOLDED: tuple[type[e.Event], ...] = (
    e.OrderAdded, e.OrderOrderAdded, e.OrderStarted, e.OrderForked, e.OrderProcessingStarted,
    e.OrderStdoutWritten, e.OrderStderrWritten, e.OrderProcessed, e.OrderDeleted, e.OrderMoved, e.OrderFailed,
    e.OrderFailedInFork, e.OrderCaught, e.OrderRetrying, e.OrderFinished, e.OrderCancelled, e.OrderBroken,
    e.OrderJoined, e.OrderSuspended, e.OrderResumed, e.OrderPrompted, e.OrderPromptAnswered, e.OrderAwoke,
    e.OrderLocksQueued, e.OrderNoticesExpected, e.OrderSleeping,
)  # fmt: skip
_FOLDED_TYPES = frozenset(kind.__struct_config__.tag for kind in FOLDED)


def is_folded(raw: Mapping[str, Any]) -> bool:
    """Whether a fold reads this raw Controller event (an order's event that may change the history): the
    others need not be decoded."""
    return raw.get("TYPE") in _FOLDED_TYPES and "Key" in raw


def fold(
    events: Iterable[FoldedEvent],
    running: Mapping[str, Running],
    added: Mapping[str, Added],
    facts: Facts,
) -> Changes | Missing:
    """The changes of a batch of order events, from the stored runs that have not ended (by order
    id) and the orders added but not started before it."""
    folding = _Fold(running, added, facts)
    for key, event, event_id, time in events:
        folding.apply(key, event, event_id, time)
    return folding.result()


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


def _arguments(arguments: Mapping[str, Any] | None) -> str | None:
    return json.dumps(msgspec.to_builtins(arguments)) if arguments else None


def _run_of(stored: Running) -> Run:
    run = Run(
        history_id=stored.history_id,
        order_id=stored.order_id,
        workflow_path=stored.workflow_path,
        workflow_version_id=stored.workflow_version_id,
        state=stored.state,
        severity=stored.severity,
        position=stored.position,
        modified=stored.modified,
        error_text=stored.error_text,
    )
    if stored.task_id is not None:
        run.task = Task(task_id=stored.task_id, run=run, modified=stored.modified)
    return run


@dataclass(frozen=True)
class _Change:
    state: OrderStateText
    severity: HistoryState
    position: str | None = None
    ends: bool = False
    error_text: str | None = None


class _Fold:
    def __init__(self, running: Mapping[str, Running], added: Mapping[str, Added], facts: Facts) -> None:
        self._stored = running
        self._facts = facts
        self._runs: dict[str, Run | None] = {}  # order id → its run not ended (None: it has none)
        self._changes = Changes(added=dict(added))
        self._missing_workflows: set[tuple[str, str]] = set()
        self._missing_agents: set[str] = set()
        self._missing_orders: set[str] = set()

    def result(self) -> Changes | Missing:
        if self._missing_workflows or self._missing_agents or self._missing_orders:
            return Missing(
                frozenset(self._missing_workflows),
                frozenset(self._missing_agents),
                frozenset(self._missing_orders),
            )
        return self._changes

    def _running(self, order_id: str) -> Run | None:
        if order_id not in self._runs:
            stored = self._stored.get(order_id)
            self._runs[order_id] = None if stored is None else _run_of(stored)
        return self._runs[order_id]

    def _touch(self, run: Run, now: int, state: OrderStateText, severity: HistoryState) -> None:
        if not run.changed:
            run.changed = True
            if run.history_id is not None:
                self._changes.runs.append(run)
        run.state, run.severity, run.modified = state, severity, now

    def _log(self, run: Run, level: str, log_event: str, position: str, now: int, **extra: Any) -> None:
        entry = {
            "controllerDatetime": iso(now),
            "orderId": run.order_id,
            "logLevel": level,
            "logEvent": log_event,
            "position": position,
            **extra,
        }
        self._changes.log.append(LogLine(run=run, time=now, entry=entry))

    def apply(self, key: str, event: object, event_id: int, now: int) -> None:
        if isinstance(event, e.OrderAdded):
            self._changes.added[key] = Added(
                workflow_path=event.workflow_id.path,
                version_id=event.workflow_id.version_id,
                arguments=_arguments(event.arguments),
                scheduled_for=event.scheduled_for,
                position=to_string(event.start_position or (0,)),
            )
        elif isinstance(event, e.OrderOrderAdded):
            self._changes.added[event.order_id] = Added(
                workflow_path=event.workflow_id.path,
                version_id=event.workflow_id.version_id,
                arguments=_arguments(event.arguments),
                scheduled_for=None,
                position=to_string(event.start_position or (0,)),
            )
        elif isinstance(event, e.OrderMoved) and key in self._changes.added:
            # Moved before it started (a skipped first job): its run begins where it has moved to.
            self._changes.added[key] = msgspec.structs.replace(
                self._changes.added[key], position=to_string(event.to)
            )
        elif isinstance(event, e.OrderStarted):
            self._started(key, event_id, now)
        elif isinstance(event, e.OrderForked):
            self._forked(key, event, event_id, now)
        elif isinstance(event, e.OrderProcessingStarted):
            self._processing_started(key, event, event_id, now)
        elif isinstance(event, e.OrderStdoutWritten | e.OrderStderrWritten):
            self._output(key, event.chunk, now)
        elif isinstance(event, e.OrderProcessed):
            self._processed(key, event, now)
        elif isinstance(event, e.OrderDeleted):
            self._changes.added.pop(key, None)
        else:
            self._changed(key, event, now)

    def _new_run(self, order_id: str, event_id: int, now: int, **fields: Any) -> Run:
        run = Run(
            history_id=None,
            order_id=order_id,
            state=OrderStateText.INPROGRESS,
            severity=HistoryState.INCOMPLETE,
            modified=now,
            start_time=now,
            start_event_id=event_id,
            changed=True,
            **fields,
        )
        self._runs[order_id] = run
        self._changes.runs.append(run)
        return run

    def _added(self, order_id: str) -> Added | None:
        if order_id in self._changes.added:
            return self._changes.added.pop(order_id)
        if order_id not in self._facts.orders:
            self._missing_orders.add(order_id)
            return None
        known = self._facts.orders[order_id]
        return known or Added(
            workflow_path="", version_id="", arguments=None, scheduled_for=None, position="0"
        )

    def _started(self, order_id: str, event_id: int, now: int) -> None:
        if self._running(order_id) is not None:
            return
        added = self._added(order_id)
        if added is None:
            return
        run = self._new_run(
            order_id,
            event_id,
            now,
            workflow_path=added.workflow_path,
            workflow_version_id=added.version_id,
            position=added.position,
            planned_time=added.scheduled_for,
            plan_date=plan_date_of(order_id) if is_planned(order_id) else None,
            arguments=added.arguments,
        )
        self._log(run, "MAIN", "OrderStarted", added.position, now)

    def _forked(self, order_id: str, event: e.OrderForked, event_id: int, now: int) -> None:
        parent = self._running(order_id)
        if parent is None:
            return
        self._touch(parent, now, OrderStateText.WAITING, HistoryState.INCOMPLETE)
        for child in event.children:
            run = self._new_run(
                child.order_id,
                event_id,
                now,
                workflow_path=parent.workflow_path,
                workflow_version_id=parent.workflow_version_id,
                position=parent.position,
                parent=parent,
            )
            self._log(run, "MAIN", "OrderStarted", parent.position, now)
        self._log(parent, "DETAIL", "OrderForked", parent.position, now)

    def _job_at(self, run: Run) -> tuple[str, str, str | None] | None:
        """(job name, Agent path, label) of the job at the run's position; None when the workflow is missing."""
        wanted = (run.workflow_path, run.workflow_version_id)
        if wanted not in self._facts.workflows:
            self._missing_workflows.add(wanted)
            return None
        workflow = self._facts.workflows[wanted]
        instruction = instruction_at(workflow, from_string(run.position)) if workflow else None
        if not isinstance(instruction, i.Execute) or workflow is None:
            return "", "", None
        job = job_of(workflow, instruction)
        name = instruction.job_name if isinstance(instruction, i.ExecuteNamed) else ""
        return name, job.agent_path if job else "", instruction.label

    def _agent_url(self, agent_path: str) -> str | None:
        if not agent_path:
            return ""
        if agent_path not in self._facts.agent_urls:
            self._missing_agents.add(agent_path)
            return None
        return self._facts.agent_urls[agent_path]

    def _processing_started(
        self, order_id: str, event: e.OrderProcessingStarted, event_id: int, now: int
    ) -> None:
        run = self._running(order_id)
        if run is None:
            return
        job = self._job_at(run)
        agent_url = self._agent_url(job[1]) if job is not None else None
        if job is None or agent_url is None:
            return
        job_name, agent_id, label = job
        task = Task(
            task_id=None,
            run=run,
            modified=now,
            job_name=job_name,
            label=label,
            agent_id=agent_id,
            agent_url=agent_url,
            subagent_id=event.subagent_id,
            position=run.position,
            start_time=now,
            start_event_id=event_id,
        )
        run.task = task
        self._changes.tasks.append(task)
        self._touch(run, now, OrderStateText.RUNNING, HistoryState.INCOMPLETE)
        self._log(
            run, "DETAIL", "OrderProcessingStarted", run.position, now,
            agentId=agent_id, agentUrl=agent_url, job=job_name, taskId=task,
        )  # fmt: skip

    def _output(self, order_id: str, chunk: str, now: int) -> None:
        run = self._running(order_id)
        if run is not None and run.task is not None:
            self._changes.log.append(LogLine(run=run, time=now, output=chunk, task=run.task))

    def _processed(self, order_id: str, event: e.OrderProcessed, now: int) -> None:
        run = self._running(order_id)
        task = run.task if run is not None else None
        if run is None or task is None:
            return
        error = _outcome_error(event.outcome)
        code = _return_code(event.outcome)
        if task.task_id is not None:
            self._changes.tasks.append(task)
        task.end_time, task.modified, task.return_code, task.error_text = now, now, code, error
        task.severity = (
            HistoryState.SUCCESSFUL if isinstance(event.outcome, o.Succeeded) else HistoryState.FAILED
        )
        run.task = None
        self._touch(run, now, OrderStateText.INPROGRESS, HistoryState.INCOMPLETE)
        extra: dict[str, Any] = {"taskId": task}
        if code is not None:
            extra["returnCode"] = code
        if error is not None:
            extra["error"] = {"errorState": "failed", "errorText": error}
        self._log(run, "ERROR" if error else "DETAIL", "OrderProcessed", run.position, now, **extra)

    def _changed(self, order_id: str, event: object, now: int) -> None:
        change_and_name = _order_change(event)
        if change_and_name is None:
            return
        run = self._running(order_id)
        if run is None:
            return
        change, log_event = change_and_name
        self._touch(run, now, change.state, change.severity)
        if change.position is not None:
            run.position = change.position
        if change.error_text is not None:
            run.error_text = change.error_text
        if change.ends:
            run.end_time = now
            self._runs[order_id] = None
        if isinstance(event, e.OrderJoined):
            self._end_children(run, event.outcome, now)
        if log_event is not None:
            level = "ERROR" if change.severity is HistoryState.FAILED else "MAIN"
            extra = {"error": {"errorText": change.error_text}} if change.error_text else {}
            self._log(run, level, log_event, run.position, now, **extra)

    def _end_children(self, parent: Run, outcome: object, now: int) -> None:
        severity = HistoryState.SUCCESSFUL if isinstance(outcome, o.Succeeded) else HistoryState.FAILED
        for order_id, run in list(self._runs.items()):
            if run is not None and run.parent is parent:
                self._touch(run, now, OrderStateText.FINISHED, severity)
                run.end_time = now
                self._runs[order_id] = None
        if parent.history_id is not None:
            self._changes.joined.append(Joined(parent.history_id, severity, now))


def _order_change(event: object) -> tuple[_Change, str | None] | None:
    """How an event changes an order's row (None: it does not), and the JOC log event name to log it under."""
    incomplete = HistoryState.INCOMPLETE
    if isinstance(event, e.OrderMoved):
        return _Change(OrderStateText.INPROGRESS, incomplete, position=to_string(event.to)), None
    if isinstance(event, e.OrderFailed | e.OrderFailedInFork):
        failed = _Change(OrderStateText.FAILED, HistoryState.FAILED, position=to_string(event.moved_to))
        return failed, "OrderFailed"
    if isinstance(event, e.OrderCaught):
        return _Change(
            OrderStateText.INPROGRESS, incomplete, position=to_string(event.moved_to)
        ), "OrderCaught"
    if isinstance(event, e.OrderRetrying):  # movedTo: a retry without delay moves at once
        moved = None if event.moved_to is None else to_string(event.moved_to)
        return _Change(OrderStateText.WAITING, incomplete, position=moved), "OrderRetrying"
    if isinstance(event, e.OrderFinished):
        failed_outcome = event.outcome is not None and not isinstance(event.outcome, o.Succeeded)
        severity = HistoryState.FAILED if failed_outcome else HistoryState.SUCCESSFUL
        return _Change(OrderStateText.FINISHED, severity, ends=True), "OrderFinished"
    if isinstance(event, e.OrderCancelled):
        return _Change(OrderStateText.CANCELLED, HistoryState.FAILED, ends=True), "OrderCancelled"
    if isinstance(event, e.OrderBroken):
        broken = _Change(OrderStateText.BROKEN, HistoryState.FAILED, ends=True, error_text=event.problem)
        return broken, "OrderBroken"
    if isinstance(event, e.OrderJoined):
        return _Change(OrderStateText.INPROGRESS, incomplete), "OrderJoined"
    if isinstance(event, e.OrderSuspended):
        return _Change(OrderStateText.SUSPENDED, incomplete), "OrderSuspended"
    if isinstance(event, e.OrderResumed):
        return _Change(OrderStateText.INPROGRESS, incomplete), "OrderResumed"
    if isinstance(event, e.OrderPrompted):
        return _Change(OrderStateText.PROMPTING, incomplete), None
    if isinstance(event, e.OrderPromptAnswered | e.OrderAwoke):
        return _Change(OrderStateText.INPROGRESS, incomplete), None
    if isinstance(event, e.OrderLocksQueued | e.OrderNoticesExpected | e.OrderSleeping):
        return _Change(OrderStateText.WAITING, incomplete), None
    return None
