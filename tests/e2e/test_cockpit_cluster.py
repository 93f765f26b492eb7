"""Two `stellwerk cockpit` processes on one PostgreSQL database with a real Controller and Agent: the active one
is killed with SIGKILL while its Daily Plan run submits 200 orders; the standby takes over within 10 s (with the
default heartbeat and takeover timeout), finishes the plan, and no order is planned or added twice."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from stellwerk.transport.client import NodeClient
from tests.cockpit.api.dailyplan.test_plan_orders import release, store
from tests.cockpit.api.joc import Joc
from tests.cockpit.backends import SessionDatabases
from tests.e2e.nodes import (
    COCKPIT,
    Installation,
    NodeProcess,
    deploy,
    events,
    orders,
    running,
    until,
    until_async,
    workflow,
)

PASSWORD = "cluster-secret"
ORDERS = 200
TAKEOVER_LIMIT_SECONDS = 10.0


class CockpitProcess(NodeProcess):
    """`stellwerk cockpit` on the database, with the Cockpit certificate of the installation (its own copy)."""

    listening = re.compile(r"Cockpit listening on (\S+)/joc/api")

    def __init__(self, installation: Installation, name: str, database_url: str) -> None:
        folder = installation.folder / name
        if name != COCKPIT:
            shutil.copytree(installation.folder / COCKPIT, folder)
        super().__init__("cockpit", folder / "node.toml", installation.folder / f"{name}.log")
        self.arguments = [
            "-m", "stellwerk", "cockpit", "--data", str(folder), "--database-url", database_url, "--http",
            "--port", "0", "--member-id", name, "--admin-password", PASSWORD,
            "--controller", f"e2e={installation.controller_url}",
        ]  # fmt: skip
        installation.nodes.append(self)

    def command(self) -> list[str]:
        return self.arguments

    def joc(self) -> Joc:
        client = Joc(self.url)
        assert client.login("root", PASSWORD).status == 200
        return client


def active(joc: Joc) -> bool:
    return bool(joc.ok("/joc/api/joc/is_active")["ok"])


def plan(joc: Joc, tomorrow: str) -> None:
    """A schedule starting `greet` 200 times tomorrow (every 5 minutes from midnight UTC), planned and submitted
    automatically."""
    calendar = {"from": tomorrow, "to": tomorrow, "includes": {"weekdays": [{"days": list(range(7))}]}}
    store(joc, "/cal/tomorrow", "WORKINGDAYSCALENDAR", calendar)
    starts = [f"{minutes // 60:02d}:{minutes % 60:02d}:00" for minutes in range(0, ORDERS * 5, 5)]
    schedule = {
        "workflowNames": ["greet"],
        "planOrderAutomatically": True,
        "submitOrderToControllerWhenPlanned": True,
        "calendars": [
            {
                "calendarName": "tomorrow",
                "timeZone": "Etc/UTC",
                "periods": [{"singleStart": start} for start in starts],
            }
        ],
    }
    store(joc, "/plans/many", "SCHEDULE", schedule)
    release(joc, ("/cal/tomorrow", "WORKINGDAYSCALENDAR"), ("/plans/many", "SCHEDULE"))


def planned_items(joc: Joc, tomorrow: str) -> list[dict[str, Any]]:
    answer = joc.ok(
        "/joc/api/daily_plan/orders", {"dailyPlanDateFrom": tomorrow, "dailyPlanDateTo": tomorrow}
    )
    return list(answer["plannedOrderItems"])


async def test_the_standby_takes_over_a_daily_plan_run_when_the_active_cockpit_is_killed(
    installation: Installation, tmp_path: Path
) -> None:
    databases = SessionDatabases(tmp_path / "databases")
    url = databases.url("postgresql")
    if isinstance(url, ConnectionError):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{url} (CI has every database server)")
        pytest.skip(str(url))
    try:
        async with running(installation):
            await _kill_during_the_plan(installation, url)
    finally:
        databases.drop_all()


async def _kill_during_the_plan(installation: Installation, database_url: str) -> None:
    async with installation.client() as client:
        await _with_client(installation, database_url, client)


async def _with_client(installation: Installation, database_url: str, client: NodeClient) -> None:
    await deploy(client, workflow("greet", [], {}, versionId="1"))
    first = CockpitProcess(installation, COCKPIT, database_url)
    await first.start()
    joc = first.joc()
    await until(lambda: active(joc), 20, "the first Cockpit to be active")
    second = CockpitProcess(installation, "cockpit-b", database_url)
    await second.start()
    standby = second.joc()
    assert not active(standby)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    plan(joc, tomorrow)

    run = asyncio.create_task(asyncio.to_thread(joc.post, "/joc/api/joc/cluster/run", {"type": "dailyplan"}))

    async def submitting() -> bool:
        return len(await orders(client)) > 0

    await until_async(submitting, 60, "the first orders at the Controller", step=0.01)
    at_kill = len(await orders(client))
    await first.kill()
    killed = time.monotonic()
    await asyncio.gather(run, return_exceptions=True)
    await until(lambda: active(standby), 30, "the standby to take over", step=0.05)
    took = time.monotonic() - killed
    figure = (
        f"killed with {at_kill} of {ORDERS} orders at the Controller; the standby took over in {took:.2f} s"
    )
    print(figure)  # noqa: T201 - the measured figure, shown with -s
    assert took <= TAKEOVER_LIMIT_SECONDS

    def all_submitted() -> bool:
        items = planned_items(standby, tomorrow)
        return len(items) == ORDERS and all(item["state"]["_text"] == "SUBMITTED" for item in items)

    await until(all_submitted, 60, "every planned order submitted", step=0.2)
    items = planned_items(standby, tomorrow)
    planned_ids = [item["orderId"] for item in items]
    assert len(set(planned_ids)) == ORDERS
    at_controller = await orders(client)
    assert set(at_controller) == set(planned_ids)
    added = Counter(event["Key"] for event in await events(client) if event["TYPE"] == "OrderAdded")
    assert set(added) == set(planned_ids) and set(added.values()) == {1}
    await second.stop()
