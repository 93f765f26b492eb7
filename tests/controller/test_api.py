"""The Controller's API on a real server with mutual TLS, without Agents: items, orders, commands, events."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from stellwerk.controller.event_stream import event_lines
from stellwerk.controller.service import ControllerService
from stellwerk.journal.stamped import Stamped
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.transport.client import CertificateRejected, HttpError, NodeClient, TransportError
from tests.controller.support import COCKPIT, controller_config, eventually
from tests.transport.pki import TestPki

API = "/controller/api"

PROMPT_WORKFLOW = {
    "TYPE": "Workflow",
    "path": "W",
    "instructions": [
        {"TYPE": "Lock", "demands": [{"lockPath": "L1"}], "lockedWorkflow": {"instructions": [
            {"TYPE": "Prompt", "question": "'Go on?'"},
        ]}},
    ],
}  # fmt: skip


@contextlib.asynccontextmanager
async def running(pki: TestPki, tmp_path: Path) -> AsyncIterator[tuple[ControllerService, NodeClient]]:
    config = controller_config(pki, tmp_path / "controller")
    async with ControllerService.start(config) as controller:
        async with NodeClient(controller.url, ssl_context=pki.client_context(COCKPIT)) as client:
            yield controller, client


async def update(client: NodeClient, *operations: dict[str, Any]) -> Any:
    body = {"TYPE": "UpdateItems", "operations": list(operations)}
    return await client.post(f"{API}/item", body, dict)


async def command(client: NodeClient, body: dict[str, Any]) -> Any:
    return await client.post(f"{API}/command", body, dict)


def add(item: dict[str, Any]) -> dict[str, Any]:
    return {"TYPE": "AddOrChange", "item": item}


async def test_a_controller_only_workflow_runs_to_its_end(pki: TestPki, tmp_path: Path) -> None:
    async with running(pki, tmp_path) as (controller, client):
        assert await update(client, add({"TYPE": "Lock", "path": "L1"}), add(PROMPT_WORKFLOW)) == {
            "TYPE": "Accepted"
        }
        added = await command(client, {"TYPE": "AddOrder", "order": {"id": "o1", "workflowPath": "W"}})
        assert added == {"TYPE": "AddOrder.Response", "ignoredBecauseDuplicate": False}
        again = await command(client, {"TYPE": "AddOrder", "order": {"id": "o1", "workflowPath": "W"}})
        assert again["ignoredBecauseDuplicate"] is True
        order = await client.get(f"{API}/order/o1", dict)
        assert order["state"]["TYPE"] == "Prompting"
        assert await command(client, {"TYPE": "AnswerOrderPrompt", "orderId": "o1"}) == {"TYPE": "Accepted"}
        assert isinstance(controller.state.orders["o1"].state, o.Finished)
        names = [line["TYPE"] for line in await events_after(client, 0)]
        assert names[-8:] == [
            "OrderAdded", "OrderStarted", "OrderLocksAcquired", "OrderPrompted", "OrderPromptAnswered",
            "OrderMoved", "OrderLocksReleased", "OrderFinished",
        ]  # fmt: skip


async def test_the_locks_show_their_holders_and_their_queue(pki: TestPki, tmp_path: Path) -> None:
    async with running(pki, tmp_path) as (_, client):
        await update(client, add({"TYPE": "Lock", "path": "L1"}), add(PROMPT_WORKFLOW))
        assert await client.get(f"{API}/lock", list) == [
            {"path": "L1", "limit": 1, "holders": {}, "queue": []}
        ]
        for order_id in ("o1", "o2"):
            await command(client, {"TYPE": "AddOrder", "order": {"id": order_id, "workflowPath": "W"}})
        locks = await client.get(f"{API}/lock", list)
        assert locks == [{"path": "L1", "limit": 1, "holders": {"o1": None}, "queue": ["o2"]}]


async def test_notices_show_their_state_and_go_when_deleted(pki: TestPki, tmp_path: Path) -> None:
    board = {
        "TYPE": "GlobalBoard",
        "path": "B",
        "postOrderToNoticeKey": "'k'",
        "expectOrderToNoticeKey": "'k'",
    }
    async with running(pki, tmp_path) as (_, client):
        await update(client, add(board))
        posted = {"TYPE": "PostNotice", "noticeId": ["B", "2026-01-01"], "endOfLife": 1_900_000_000_000}
        assert await command(client, posted) == {"TYPE": "Accepted"}
        assert await client.get(f"{API}/notice", list) == [
            {
                "noticeId": ["B", "2026-01-01"],
                "state": "POSTED",
                "endOfLife": 1_900_000_000_000,
                "expecting": [],
            }
        ]
        await command(client, {"TYPE": "DeleteNotice", "noticeId": ["B", "2026-01-01"]})
        assert await client.get(f"{API}/notice", list) == []


async def test_a_deleted_item_in_use_is_refused_and_nothing_changes(pki: TestPki, tmp_path: Path) -> None:
    async with running(pki, tmp_path) as (controller, client):
        await update(client, add({"TYPE": "Lock", "path": "L1"}), add(PROMPT_WORKFLOW))
        items = await client.get(f"{API}/item", list)
        workflow = next(i for i in items if i["TYPE"] == "Workflow")
        assert workflow["versionId"], "a workflow without versionId gets one"
        with pytest.raises(HttpError) as refused:
            await update(client, {"TYPE": "Delete", "key": "Lock:L1"})
        assert refused.value.status == 400
        assert "in use" in refused.value.message
        assert "L1" in controller.state.locks


async def test_a_malformed_command_is_refused_naming_the_json_path(pki: TestPki, tmp_path: Path) -> None:
    async with running(pki, tmp_path) as (controller, client):
        with pytest.raises(HttpError) as refused:
            await command(client, {"TYPE": "AddOrder", "order": {"id": 7, "workflowPath": "W"}})
        assert refused.value.status == 400
        assert "$.order.id" in refused.value.message
        with pytest.raises(HttpError) as unknown:
            await command(client, {"TYPE": "AddOrder", "order": {"id": "x", "workflowPath": "nowhere"}})
        assert "Unknown workflow" in unknown.value.message
        assert controller.state.orders == {}


async def test_a_client_not_allow_listed_is_refused(pki: TestPki, tmp_path: Path) -> None:
    async with running(pki, tmp_path) as (controller, _):
        async with NodeClient(controller.url, ssl_context=pki.client_context("stranger")) as stranger:
            with pytest.raises(HttpError) as refused:
                await stranger.get(API, dict)
            assert refused.value.status == 403
        async with NodeClient(controller.url, ssl_context=pki.anonymous_client_context()) as anonymous:
            with pytest.raises((CertificateRejected, TransportError)):
                await anonymous.get(API, dict)


async def test_the_event_stream_long_polls_and_sends_a_heartbeat(pki: TestPki, tmp_path: Path) -> None:
    async with running(pki, tmp_path) as (controller, client):
        last = controller.core.journal.last_event_id
        heartbeat = await events_after(client, last, wait=0.1)
        assert heartbeat == [{"eventId": last, "TYPE": "Heartbeat"}]
        await update(client, add({"TYPE": "Lock", "path": "L1"}))
        [added] = await events_after(client, last, wait=5)
        assert added["TYPE"] == "ItemAdded" and added["eventId"] > last
        with pytest.raises(HttpError) as unknown:
            await events_after(client, added["eventId"] + 1_000_000)
        assert unknown.value.status == 400


async def test_overview_health_metrics_and_release(pki: TestPki, tmp_path: Path) -> None:
    async with running(pki, tmp_path) as (controller, client):
        overview = await client.get(API, dict)
        assert overview == {"controllerId": "test-controller", "eventId": 0, "orderCount": 0, "agents": {}}
        assert (await client.get(f"{API}/health", dict))["TYPE"] == "Healthy"
        await update(client, add({"TYPE": "Lock", "path": "L1"}))
        last = controller.core.journal.last_event_id
        assert await command(client, {"TYPE": "ReleaseEvents", "untilEventId": last}) == {"TYPE": "Accepted"}
        assert controller.state.released == {COCKPIT: last}
        assert (await client.get(f"{API}/health/live", dict))["TYPE"] == "Alive"
        assert (await client.get(f"{API}/health/ready", dict))["TYPE"] == "Ready"
        text = b"\n".join([line async for line in client.stream_lines("/metrics")]).decode()
        assert "stellwerk_controller_orders 0.0" in text
        assert 'stellwerk_journal_events_written_total{role="controller"}' in text
        fsyncs = re.search(r'stellwerk_journal_fsync_seconds_count\{role="controller"\} (\d+)', text)
        assert fsyncs and int(float(fsyncs[1])) >= 2  # the Lock item and the release
        size = re.search(r'stellwerk_journal_size_bytes\{role="controller"\} ([0-9.e+]+)', text)
        assert size and float(size[1]) > 0


async def events_after(client: NodeClient, after: int, wait: float = 0) -> list[dict[str, Any]]:
    params: dict[str, str | int] = {"after": after, "timeout": f"{wait:g}"}
    return [msgspec.json.decode(line) async for line in client.stream_lines(f"{API}/event", params)]


STREAM = {"Accept": "application/x-ndjson"}


async def test_the_event_stream_sends_events_as_they_happen_with_heartbeats(
    pki: TestPki, tmp_path: Path
) -> None:
    async with running(pki, tmp_path) as (controller, client):
        last = controller.core.journal.last_event_id
        params: dict[str, str | int] = {"after": last, "heartbeat": "0.05", "timeout": "30"}
        lines = client.stream_lines(f"{API}/event", params, headers=STREAM)
        async with contextlib.aclosing(lines):
            assert msgspec.json.decode(await anext(lines)) == {"eventId": last, "TYPE": "Heartbeat"}
            await update(client, add({"TYPE": "Lock", "path": "L1"}))
            first = await _next_event(lines)
            assert first["TYPE"] == "ItemAdded" and first["eventId"] > last
            await update(client, add({"TYPE": "Lock", "path": "L2"}))
            second = await _next_event(lines)
            assert second["TYPE"] == "ItemAdded" and second["item"]["path"] == "L2"


async def test_the_event_stream_ends_at_its_timeout_or_limit(pki: TestPki, tmp_path: Path) -> None:
    async with running(pki, tmp_path) as (controller, client):
        await update(client, add({"TYPE": "Lock", "path": "L1"}), add({"TYPE": "Lock", "path": "L2"}))
        last = controller.core.journal.last_event_id
        ended = [
            line
            async for line in client.stream_lines(f"{API}/event", {"after": 0, "limit": 1}, headers=STREAM)
        ]
        assert [msgspec.json.decode(line)["TYPE"] for line in ended] == ["ItemAdded"]
        params: dict[str, str | int] = {"after": last, "timeout": "0.2", "heartbeat": "0.05"}
        idle = [
            msgspec.json.decode(line)
            async for line in client.stream_lines(f"{API}/event", params, headers=STREAM)
        ]
        assert idle and all(line == {"eventId": last, "TYPE": "Heartbeat"} for line in idle)
        with pytest.raises(HttpError) as unknown:
            await anext(client.stream_lines(f"{API}/event", {"after": last + 10**9}, headers=STREAM))
        assert unknown.value.status == 400
        with pytest.raises(HttpError) as malformed:
            await anext(client.stream_lines(f"{API}/event", {"heartbeat": "0"}, headers=STREAM))
        assert malformed.value.status == 400


async def test_a_closed_event_stream_leaves_no_waiting_task(pki: TestPki, tmp_path: Path) -> None:
    async with running(pki, tmp_path) as (controller, client):
        last = controller.core.journal.last_event_id
        before = _waiting_tasks()
        params: dict[str, str | int] = {"after": last, "heartbeat": "0.05"}
        lines = client.stream_lines(f"{API}/event", params, headers=STREAM)
        async with contextlib.aclosing(lines):
            await anext(lines)
            assert _waiting_tasks() > before
        await eventually(lambda: _waiting_tasks() == before, seconds=10)


async def _next_event(lines: AsyncIterator[bytes]) -> dict[str, Any]:
    """The next line that is not a heartbeat."""
    while (line := msgspec.json.decode(await anext(lines)))["TYPE"] == "Heartbeat":
        pass
    return line  # type: ignore[no-any-return]


def _waiting_tasks() -> int:
    """Tasks waiting for the journal's next event (the stream's waits)."""
    names = {"EventLog.wait_after", "EventStream.wait_after", "Event.wait"}
    return sum(1 for task in asyncio.all_tasks() if task.get_coro().__qualname__ in names)  # type: ignore[union-attr]


def test_event_lines_keep_the_time_of_an_event_taken_from_an_agent() -> None:
    """An Agent's event keeps its time in the Controller's journal, and the event API shows it (History's start
    of a job is when the Agent started it); an event of the Controller's own has only its EventId."""
    started = e.KeyedEvent("o1", e.OrderStarted())
    lines = event_lines(
        [
            Stamped(event_id=5_000_007, timestamp=4_990, keyed=started),
            Stamped(event_id=5_001_000, timestamp=5_001, keyed=started),
        ]
    ).splitlines()
    assert [msgspec.json.decode(line) for line in lines] == [
        {"eventId": 5_000_007, "timestamp": 4_990, "Key": "o1", "TYPE": "OrderStarted"},
        {"eventId": 5_001_000, "Key": "o1", "TYPE": "OrderStarted"},
    ]
