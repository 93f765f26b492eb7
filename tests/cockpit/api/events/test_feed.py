"""The event snapshots of one Controller without any server: which events give which snapshots, the bounded
list and the EventIds it knows, answers' deduplication and the SSE messages with their heartbeat."""

from __future__ import annotations

import asyncio
from typing import Any

from stellwerk.cockpit.api.events import deduplicated, long_poll, sse_messages_of, sse_stream
from stellwerk.cockpit.services import events as service
from stellwerk.cockpit.services.events import Feed, Snapshot, snapshot_object

START = 1_700_000_000_000_000


def _added(event_id: int, order_id: str, path: str = "greet") -> dict[str, Any]:
    workflow = {"path": path, "versionId": "v1"}
    return {"eventId": event_id, "Key": order_id, "TYPE": "OrderAdded", "workflowId": workflow}


def _order(event_id: int, order_id: str, event_type: str) -> dict[str, Any]:
    return {"eventId": event_id, "Key": order_id, "TYPE": event_type}


def _shown(snapshots: list[Snapshot]) -> list[dict[str, Any]]:
    return [snapshot_object(s, {("WORKFLOW", "greet"): "/team/greet"}) for s in snapshots]


async def _feed_of(*batches: list[dict[str, Any]]) -> Feed:
    feed = Feed(START)
    for batch in batches:
        feed.observe(batch)
    return feed


def test_order_events_give_workflow_job_and_history_snapshots() -> None:
    feed = asyncio.run(
        _feed_of(
            [_added(START + 1, "o1"), _order(START + 2, "o1", "OrderStarted")],
            [
                _order(START + 3, "o1", "OrderProcessingStarted"),
                _order(START + 4, "o1", "OrderStdoutWritten"),
                _order(START + 5, "o1", "OrderProcessed"),
                _order(START + 6, "o1", "OrderFinished"),
                _order(START + 7, "o1", "OrderDeleted"),
                _order(START + 8, "o1", "OrderMoved"),
                _order(START + 9, "before-start", "OrderMoved"),
            ],
        )
    )
    shown = _shown(feed.after(START))
    types = [(s["eventId"] - START, s["eventType"]) for s in shown]
    assert types == [
        (1, "WorkflowStateChanged"),
        (2, "WorkflowStateChanged"),
        (2, "HistoryOrderStarted"),
        (3, "WorkflowStateChanged"),
        (3, "JobStateChanged"),
        (3, "HistoryTaskStarted"),
        (5, "WorkflowStateChanged"),
        (5, "JobStateChanged"),
        (5, "HistoryTaskTerminated"),
        (6, "WorkflowStateChanged"),
        (6, "HistoryOrderTerminated"),
        (7, "WorkflowStateChanged"),
    ], "no snapshot of output, nor of orders deleted or added before the feed began"
    assert shown[0] == {
        "eventId": START + 1,
        "eventType": "WorkflowStateChanged",
        "objectType": "WORKFLOW",
        "path": "/team/greet",
        "workflow": {"path": "/team/greet", "versionId": "v1"},
        "message": "o1",
    }
    assert shown[2] == {
        "eventId": START + 2,
        "eventType": "HistoryOrderStarted",
        "objectType": "ORDERHISTORY",
    }
    assert feed.last == START + 9
    assert [(s["eventId"] - START, s["eventType"]) for s in deduplicated(shown)] == [
        (2, "HistoryOrderStarted"),
        (3, "HistoryTaskStarted"),
        (5, "JobStateChanged"),
        (5, "HistoryTaskTerminated"),
        (6, "HistoryOrderTerminated"),
        (7, "WorkflowStateChanged"),
    ], "each change once, at its latest"


def test_item_agent_and_board_events_and_forked_children() -> None:
    workflow = {"TYPE": "Workflow", "path": "greet", "versionId": "v2", "instructions": []}
    feed = asyncio.run(
        _feed_of(
            [
                {"eventId": START + 1, "TYPE": "ItemAdded", "item": workflow},
                {"eventId": START + 2, "TYPE": "ItemDeleted", "key": "Lock:L1"},
                {"eventId": START + 3, "TYPE": "ItemAdded", "item": {"TYPE": "PlanSchema", "path": "p"}},
                {"eventId": START + 4, "Key": "agentA", "TYPE": "AgentCoupled"},
                {"eventId": START + 5, "Key": "agentA", "TYPE": "AgentEventsObserved", "untilEventId": 1},
                {"eventId": START + 6, "Key": "board", "TYPE": "NoticePosted", "noticeId": "n"},
                _added(START + 7, "parent", "unknown-folder"),
                {
                    "eventId": START + 8,
                    "Key": "parent",
                    "TYPE": "OrderForked",
                    "children": [{"orderId": "c"}],
                },
                _order(START + 9, "c", "OrderMoved"),
                {"eventId": START + 10, "TYPE": "SomethingNew"},
            ]
        )
    )
    shown = _shown(feed.after(START))
    assert [(s["eventType"], s["objectType"], s.get("path")) for s in shown] == [
        ("ItemAdded", "WORKFLOW", "/team/greet"),
        ("ItemDeleted", "LOCK", "/L1"),
        ("AgentStateChanged", "AGENT", "/agentA"),
        ("BoardStateChanged", "NOTICEBOARD", "/board"),
        ("WorkflowStateChanged", "WORKFLOW", "/unknown-folder"),
        ("WorkflowStateChanged", "WORKFLOW", "/unknown-folder"),
        ("WorkflowStateChanged", "WORKFLOW", "/unknown-folder"),
    ]
    assert shown[-1]["message"] == "c", "a forked child belongs to its parent's workflow"


def test_the_feed_knows_eventids_from_its_start_while_it_keeps_their_snapshots(
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(service, "KEPT_SNAPSHOTS", 3)
    feed = asyncio.run(_feed_of([_added(START + n, f"o{n}") for n in range(1, 3)]))
    assert not feed.knows(START - 1), "from before the start"
    assert feed.knows(START) and feed.knows(START + 2)
    assert not feed.knows(START + 3), "not seen yet"
    feed.observe([_added(START + n, f"o{n}") for n in range(3, 6)])
    assert not feed.knows(START + 1), "its snapshots were dropped"
    assert feed.knows(START + 2) and [s.event_id - START for s in feed.after(START + 2)] == [3, 4, 5]


async def _visible(found: list[Snapshot]) -> list[dict[str, Any]]:
    return [snapshot_object(s, {}) for s in found if s.message != "hidden"]


def test_a_long_poll_answers_when_a_visible_snapshot_comes_and_empty_at_its_timeout() -> None:
    async def poll() -> tuple[tuple[int, list[dict[str, Any]]], tuple[int, list[dict[str, Any]]]]:
        feed = Feed(START)
        waiting = asyncio.create_task(long_poll(feed, _visible, START, 30))
        await asyncio.sleep(0)
        feed.observe([_added(START + 1, "hidden")])
        await asyncio.sleep(0)
        assert not waiting.done(), "a snapshot the caller may not see does not answer"
        feed.observe([_added(START + 2, "o2")])
        early = await waiting
        timed_out = await long_poll(feed, _visible, feed.last, 0.01)
        return early, timed_out

    (event_id, shown), (later_id, nothing) = asyncio.run(poll())
    assert event_id == START + 2 and [s["message"] for s in shown] == ["o2"]
    assert (later_id, nothing) == (START + 2, [])


def test_sse_messages_resume_reload_and_heartbeat() -> None:
    shown = _shown(
        [
            Snapshot(event_id=7, event_type="A", object_type="JOB"),
            Snapshot(event_id=7, event_type="B", object_type="JOB"),
        ]
    )
    assert sse_messages_of(shown) == [
        'event: A\ndata: {"eventId":7,"eventType":"A","objectType":"JOB"}\n\n',
        'id: 7\nevent: B\ndata: {"eventId":7,"eventType":"B","objectType":"JOB"}\n\n',
    ], "only the last message of an EventId carries it, so Last-Event-ID resumes after all of them"

    async def read(after: int | None, count: int, batches: list[dict[str, Any]]) -> list[str]:
        feed = Feed(START)
        stream = sse_stream("c", feed, _visible, after, heartbeat=0.01)
        messages = [await anext(stream)]
        feed.observe(batches)
        while len(messages) < count:
            messages.append(await anext(stream))
        await stream.aclose()
        return messages

    resumed = asyncio.run(read(START, 3, [_added(START + 1, "o1")]))
    assert resumed[0].startswith(": events of c after")
    assert (
        resumed[1].startswith(f"id: {START + 1}\nevent: WorkflowStateChanged\n")
        and '"message":"o1"' in resumed[1]
    )
    assert resumed[2] == ": heartbeat\n\n"
    reload = asyncio.run(read(START - 5, 1, []))
    assert reload == [f'id: {START}\nevent: Reload\ndata: {{"controllerId":"c","eventId":{START}}}\n\n']
