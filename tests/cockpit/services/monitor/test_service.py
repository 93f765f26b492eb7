"""The Monitor service on a real database with a real webhook: a component failure is stored and delivered,
again after failed deliveries; an Agent's coupling failure in a History batch and a Controller unreachable from
its proxy become notifications too."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stellwerk.cockpit.config import CockpitConfig
from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import HistoryState
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.errors import ControllerUnreachable
from stellwerk.cockpit.services.monitor.service import MonitorService
from stellwerk.cockpit.services.monitor.settings import MonitorSettings, WebhookNotifierSettings
from stellwerk.cockpit.services.monitor.store import NotificationFilter, NotificationStore
from stellwerk.cockpit.services.proxy import Proxies
from tests.cockpit.services.monitor.history_rows import T0, o1_tasks
from tests.cockpit.services.monitor.receivers import Webhook, webhook_server


@dataclass
class Running:
    cockpit: Cockpit
    monitor: MonitorService
    hook: Webhook

    async def delivered(self, count: int) -> list[dict[str, Any]]:
        found = await asyncio.to_thread(self.hook.received.wait, count)
        return [body for body, _, status in found if status == 200]

    async def stored(self) -> list[Any]:
        async with self.cockpit.database.session() as db:
            return await NotificationStore(db).search(NotificationFilter(orders=False))


@pytest.fixture
async def running(database_url: str, database: Database, tmp_path: Path) -> AsyncIterator[Running]:
    with webhook_server() as hook:
        settings = MonitorSettings(
            webhooks=(WebhookNotifierSettings(name="hook", url=hook.url, types=("ERROR", "RECOVERED")),),
            retry_delays_ms=(10, 10, 10),
            check_interval_ms=20,
            controller_lost_after_ms=0,
            agent_lost_after_ms=0,
        )
        config = CockpitConfig(data_directory=tmp_path, database_url=database_url, monitor=settings)
        cockpit = Cockpit(config, database, Proxies(None))
        monitor = MonitorService(cockpit, settings)
        monitor.start()
        try:
            yield Running(cockpit, monitor, hook)
        finally:
            await monitor.close()
            await cockpit.proxies.close()


async def test_a_component_failure_is_stored_and_delivered_again_until_it_arrives(running: Running) -> None:
    running.hook.status.extend([500, 503])
    running.monitor.notify_component_failure("JOC", "joc#2", "Cockpit node joc#2 is lost")
    [delivered] = await running.delivered(3)
    assert [status for _, _, status in running.hook.received.items] == [500, 503, 200]
    [stored] = await running.stored()
    assert (stored.type, stored.category, stored.source, stored.message) == (
        "ERROR",
        "JOC",
        "joc#2",
        "Cockpit node joc#2 is lost",
    )
    assert delivered["notificationId"] == stored.id and delivered["category"] == "JOC"
    with pytest.raises(ValueError, match="not a component category"):
        running.monitor.notify_component_failure("ORDER", "x", "no")


async def test_an_agents_coupling_failure_in_a_history_batch(running: Running) -> None:
    failed = {
        "eventId": 1000,
        "Key": "agentA",
        "TYPE": "AgentCouplingFailed",
        "problem": "connection refused",
    }
    running.monitor.observe("e2e", [{"eventId": 999, "TYPE": "ControllerReady"}, failed])
    [delivered] = await running.delivered(1)
    assert (delivered["category"], delivered["source"], delivered["controllerId"]) == (
        "AGENT",
        "agentA",
        "e2e",
    )
    assert delivered["message"] == "Agent agentA: coupling failed: connection refused"
    running.monitor.observe(
        "e2e", [{**failed, "eventId": 1001}, {"eventId": 1002, "Key": "agentA", "TYPE": "AgentCoupled"}]
    )
    delivered_again = await running.delivered(2)
    assert [d["type"] for d in delivered_again] == ["ERROR", "RECOVERED"], (
        "failing again is not notified twice"
    )


async def test_a_controller_unreachable_from_its_proxy_is_lost(running: Running) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proxy = running.cockpit.proxies.register("far", (f"http://127.0.0.1:{port}",))
    with pytest.raises(ControllerUnreachable):
        await proxy.overview()
    [delivered] = await running.delivered(1)
    assert (delivered["type"], delivered["category"], delivered["source"]) == ("ERROR", "CONTROLLER", "far")
    assert delivered["message"].startswith("Controller far is not reachable: http://127.0.0.1:")


async def test_an_agent_is_lost_only_when_its_coupling_fails_longer_than_the_setting(
    running: Running,
) -> None:
    hook = WebhookNotifierSettings(name="hook", url=running.hook.url)
    settings = MonitorSettings(webhooks=(hook,), check_interval_ms=20, agent_lost_after_ms=300)
    monitor = MonitorService(running.cockpit, settings)
    monitor.start()
    try:
        failed = {"eventId": 1, "Key": "agentB", "TYPE": "AgentCouplingFailed", "problem": "starting"}
        coupled = {"eventId": 2, "Key": "agentB", "TYPE": "AgentCoupled"}
        monitor.observe("e2e", [failed, coupled])  # coupled soon after: no loss
        failing_since = running.cockpit.now()
        monitor.observe("e2e", [{**failed, "eventId": 3, "problem": "gone"}])
        [delivered] = await running.delivered(1)
    finally:
        await monitor.close()
    assert (delivered["source"], delivered["message"]) == ("agentB", "Agent agentB: coupling failed: gone")
    assert delivered["created"] - failing_since >= 300, "notified once the setting has passed, not before"


def _processed(event_id: int, outcome: str, code: int) -> dict[str, Any]:
    result = {"TYPE": outcome, "namedValues": {"returnCode": code}}
    return {"eventId": event_id, "Key": "o1", "TYPE": "OrderProcessed", "outcome": result}


async def test_a_job_that_succeeds_after_its_error_recovers_in_the_same_batch_or_a_later(
    running: Running,
) -> None:
    end = T0 + 5
    await o1_tasks(
        running.cockpit.database,
        (T0 * 1000 + 1, end, HistoryState.FAILED),
        (end * 1000 + 3, end, HistoryState.SUCCESSFUL),
        (end * 1000 + 10, end + 1, HistoryState.FAILED),
        (end * 1000 + 2_000, end + 2, HistoryState.SUCCESSFUL),
        controller_id="e2e",
    )
    running.monitor.observe("e2e", [_processed(end * 1000 + 2, "Failed", 1), _processed(end * 1000 + 9, "Succeeded", 0)])  # fmt: skip
    error, recovered = await running.delivered(2)
    assert (error["type"], recovered["type"]) == ("ERROR", "RECOVERED")
    async with running.cockpit.database.session() as db:
        [stored] = await NotificationStore(db).search(NotificationFilter(orders=True, types=("RECOVERED",)))
    assert stored.recovered_id == error["notificationId"], "the same batch's error, linked once stored"
    running.monitor.observe("e2e", [_processed((end + 1) * 1000 + 1, "Failed", 1)])
    running.monitor.observe("e2e", [_processed((end + 2) * 1000 + 1, "Succeeded", 0)])
    *_, error, recovered = await running.delivered(4)
    assert (recovered["type"], recovered["recoveredNotificationId"]) == ("RECOVERED", error["notificationId"])


async def test_a_database_error_is_retried_then_given_up_and_the_monitor_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'cockpit.db'}"  # its folder does not exist
    settings = MonitorSettings(retry_delays_ms=(1, 1))
    cockpit = Cockpit(
        CockpitConfig(data_directory=tmp_path, database_url=url), Database.connect(url), Proxies(None)
    )
    monitor = MonitorService(cockpit, settings)
    monitor.start()
    try:
        for attempt in range(2):
            monitor.notify_component_failure("JOC", f"joc#{attempt}", "lost")
        deadline = asyncio.get_running_loop().time() + 10
        while sum("gave up" in r.message for r in caplog.records) < 2:
            assert asyncio.get_running_loop().time() < deadline, [r.message for r in caplog.records]
            await asyncio.sleep(0.01)
    finally:
        await monitor.close()
        await cockpit.database.close()
    retried = [r for r in caplog.records if "could not store" in r.message]
    assert len(retried) == 4 and all("JOC joc#" in r.message for r in retried)
