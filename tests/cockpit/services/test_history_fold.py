"""How a batch of events folds into history rows, without a database: one row per run and task however many
events touched it, forked children and their join, failed, cancelled and broken orders, what the fold asks of the
Controller, and the events the History service need not decode."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec

from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.history_batch import Added, Changes, Running
from stellwerk.cockpit.services.history_fold import FOLDED, Facts, FoldedEvent, Missing, fold, is_folded
from stellwerk.model import events as e
from stellwerk.model import outcome as o
from stellwerk.model.order import ForkedChild
from stellwerk.model.workflow import Workflow, WorkflowId

WORKFLOW = msgspec.convert(
    {
        "TYPE": "Workflow",
        "path": "team/greet",
        "versionId": "v1",
        "instructions": [{"TYPE": "Execute.Named", "jobName": "hello", "label": "hi"}],
        "jobs": {
            "hello": {"agentPath": "agentA", "executable": {"TYPE": "ShellScriptExecutable", "script": ""}}
        },
    },
    Workflow,
)
FACTS = Facts(workflows={("team/greet", "v1"): WORKFLOW}, agent_urls={"agentA": "https://a"}, orders={})
ADDED = e.OrderAdded(workflow_id=WorkflowId(path="team/greet", version_id="v1"), arguments={"x": "1"})
T = 1_800_000_000_000


def events(*pairs: tuple[str, object]) -> list[FoldedEvent]:
    """Keyed events one millisecond apart."""
    return [FoldedEvent(key, event, (T + n) * 1000, T + n) for n, (key, event) in enumerate(pairs)]


def changes_of(batch: list[FoldedEvent], running: dict[str, Running] | None = None) -> Changes:
    folded = fold(batch, running or {}, {}, FACTS)
    assert isinstance(folded, Changes), folded
    return folded


def log_events(changes: Changes, order_id: str) -> list[Any]:
    return [
        line.entry["logEvent"]
        for line in changes.log
        if line.entry is not None and line.run.order_id == order_id
    ]


def test_a_whole_run_in_one_batch_is_one_row_one_task_and_its_log() -> None:
    changes = changes_of(
        events(
            ("o1", ADDED),
            ("o1", e.OrderStarted()),
            ("o1", e.OrderAttachable(agent_path="agentA")),
            ("o1", e.OrderProcessingStarted(subagent_id="agentA")),
            ("o1", e.OrderStdoutWritten(chunk="hello\n")),
            ("o1", e.OrderProcessed(outcome=o.Succeeded(named_values={"returnCode": 0}))),
            ("o1", e.OrderMoved(to=(1,))),
            ("o1", e.OrderFinished()),
            ("o1", e.OrderDeleted()),
        )
    )
    [run] = changes.runs
    assert (run.history_id, run.state, run.severity, run.position) == (
        None, OrderStateText.FINISHED, HistoryState.SUCCESSFUL, "1",
    )  # fmt: skip
    assert (run.start_time, run.end_time, run.arguments) == (T + 1, T + 7, '{"x": "1"}')
    [task] = changes.tasks
    assert (task.job_name, task.label, task.agent_url, task.severity, task.return_code, task.end_time) == (
        "hello", "hi", "https://a", HistoryState.SUCCESSFUL, 0, T + 5,
    )  # fmt: skip
    assert log_events(changes, "o1") == [
        "OrderStarted",
        "OrderProcessingStarted",
        "OrderProcessed",
        "OrderFinished",
    ]
    assert [line.output for line in changes.log if line.output is not None] == ["hello\n"]
    assert changes.added == {}, "a started order is no longer waiting to start"


def test_an_immediate_retry_moves_the_run_back_to_the_job() -> None:
    """OrderRetrying{movedTo} (a retry without delay) moves the order: the next task is the job there."""
    changes = changes_of(
        events(
            ("o1", ADDED),
            ("o1", e.OrderStarted()),
            ("o1", e.OrderProcessingStarted(subagent_id="agentA")),
            ("o1", e.OrderProcessed(outcome=o.Failed(named_values={"returnCode": 1}))),
            ("o1", e.OrderMoved(to=(1,))),
            ("o1", e.OrderRetrying(moved_to=(0,))),
            ("o1", e.OrderProcessingStarted(subagent_id="agentA")),
        )
    )
    assert [(task.position, task.job_name) for task in changes.tasks] == [("0", "hello"), ("0", "hello")]


def test_stored_runs_are_continued_and_changed_once() -> None:
    stored = Running(
        history_id=7, order_id="o1", workflow_path="team/greet", workflow_version_id="v1",
        state=OrderStateText.RUNNING, severity=HistoryState.INCOMPLETE, position="0", error_text=None,
        modified=T, task_id=70,
    )  # fmt: skip
    changes = changes_of(
        events(
            ("o1", e.OrderStdoutWritten(chunk="more\n")),
            ("o1", e.OrderProcessed(outcome=o.Failed(message="bad", named_values={"returnCode": 3}))),
            ("o1", e.OrderFailed(moved_to=(0,))),
            ("o1", e.OrderStarted()),  # again: the run is still there (failed, resumable), nothing new
        ),
        {"o1": stored},
    )
    [run] = changes.runs
    assert (run.history_id, run.state, run.severity, run.end_time) == (
        7, OrderStateText.FAILED, HistoryState.FAILED, None,
    )  # fmt: skip
    [task] = changes.tasks
    assert (task.task_id, task.severity, task.return_code, task.error_text) == (
        70,
        HistoryState.FAILED,
        3,
        "bad",
    )
    [output] = [line for line in changes.log if line.output is not None]
    assert output.task is task
    assert log_events(changes, "o1") == ["OrderProcessed", "OrderFailed"]


def test_forked_children_get_rows_and_end_when_joined() -> None:
    fork = e.OrderForked(children=(ForkedChild(order_id="p|a"), ForkedChild(order_id="p|b")))
    changes = changes_of(
        events(
            ("p", ADDED),
            ("p", e.OrderStarted()),
            ("p", fork),
            ("p|a", e.OrderMoved(to=(0, "fork+a", 1))),
            ("p", e.OrderJoined(outcome=o.Failed(message="b failed"))),
            ("p", e.OrderMoved(to=(1,))),
            ("p", e.OrderFinished()),
        )
    )
    parent, first, second = changes.runs
    assert (first.parent, second.parent, first.order_id, second.order_id) == (parent, parent, "p|a", "p|b")
    for child in (first, second):
        assert (child.state, child.severity, child.end_time) == (
            OrderStateText.FINISHED, HistoryState.FAILED, T + 4,
        )  # fmt: skip
    assert first.position == "0/fork+a:1"
    assert (parent.state, parent.end_time) == (OrderStateText.FINISHED, T + 6)
    assert log_events(changes, "p") == ["OrderStarted", "OrderForked", "OrderJoined", "OrderFinished"]
    assert log_events(changes, "p|b") == ["OrderStarted"]
    assert changes.joined == [], "children of a parent new in the batch are all in the batch"


def test_a_stored_parent_joins_children_not_in_the_batch() -> None:
    stored = Running(
        history_id=5, order_id="p", workflow_path="team/greet", workflow_version_id="v1",
        state=OrderStateText.WAITING, severity=HistoryState.INCOMPLETE, position="0", error_text=None,
        modified=T, task_id=None,
    )  # fmt: skip
    changes = changes_of(events(("p", e.OrderJoined(outcome=o.Succeeded()))), {"p": stored})
    [joined] = changes.joined
    assert (joined.parent_id, joined.severity, joined.time) == (5, HistoryState.SUCCESSFUL, T)


def test_cancelled_and_broken_orders_end_failed() -> None:
    changes = changes_of(
        events(
            ("c", ADDED), ("c", e.OrderStarted()), ("c", e.OrderCancelled()),
            ("b", ADDED), ("b", e.OrderStarted()), ("b", e.OrderBroken(problem="no such job")),
        )
    )  # fmt: skip
    cancelled, broken = changes.runs
    assert (cancelled.state, cancelled.severity, cancelled.end_time) == (
        OrderStateText.CANCELLED, HistoryState.FAILED, T + 2,
    )  # fmt: skip
    assert (broken.state, broken.severity, broken.error_text) == (
        OrderStateText.BROKEN, HistoryState.FAILED, "no such job",
    )  # fmt: skip
    [entry] = [line.entry for line in changes.log if line.entry and line.entry["logEvent"] == "OrderBroken"]
    assert entry["error"] == {"errorText": "no such job"} and entry["logLevel"] == "ERROR"


def test_the_fold_names_what_it_must_ask_the_controller() -> None:
    unknown = Facts(workflows={}, agent_urls={}, orders={})
    batch = events(("late", e.OrderStarted()), ("o1", ADDED), ("o1", e.OrderStarted()))
    batch += events(("o1", e.OrderProcessingStarted()))
    assert fold(batch, {}, {}, unknown) == Missing(
        workflows=frozenset({("team/greet", "v1")}), agents=frozenset(), orders=frozenset({"late"})
    )
    learnt = Facts(
        workflows={("team/greet", "v1"): WORKFLOW},
        agent_urls={},
        orders={
            "late": Added(workflow_path="w", version_id="1", arguments=None, scheduled_for=None, position="0")
        },
    )
    assert fold(batch, {}, {}, learnt) == Missing(
        workflows=frozenset(), agents=frozenset({"agentA"}), orders=frozenset()
    )


def test_only_the_events_a_fold_reads_are_decoded() -> None:
    assert is_folded({"TYPE": "OrderProcessed", "Key": "o1", "eventId": 1})
    assert not is_folded({"TYPE": "OrderAttached", "Key": "o1", "eventId": 1})
    assert not is_folded({"TYPE": "OrderFinished", "eventId": 1}), "an order event has a Key"
    assert not is_folded({"TYPE": "AgentReady", "Key": "agentA", "eventId": 1})
    ignored = changes_of(
        events(("o1", ADDED), ("o1", e.OrderStarted()), ("o1", e.OrderAttached(agent_path="a")))
    )
    assert len(ignored.log) == 1 and e.OrderAttached not in FOLDED


def test_a_daily_plan_order_keeps_its_plan_date() -> None:
    planned, adhoc = "#2026-11-23#P0000000001-daily", "#2026-11-23#T0000000001-now"
    changes = changes_of(
        events((planned, ADDED), (planned, e.OrderStarted()), (adhoc, ADDED), (adhoc, e.OrderStarted()))
    )
    assert {run.order_id: run.plan_date for run in changes.runs} == {
        planned: datetime.date(2026, 11, 23),
        adhoc: None,
    }
