"""A standby Cockpit (a second one on the same database) answers the event API from the Controller's event
stream, which it follows read-only while the active Cockpit's History writes and releases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stellwerk.cockpit.config import CockpitConfig
from tests.cockpit.api.cluster.test_joc_cluster import wait_until_active
from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit, serve_cockpit
from tests.cockpit.api.ctl.conftest import root
from tests.cockpit.api.events.test_events_api import EVENTS, _deploy_and_add, _polled_until


@pytest.fixture
def standby(
    database_url: str, controller_cockpit: tuple[RunningCockpit, ControllerNodes], tmp_path: Path
) -> Iterator[RunningCockpit]:
    running, _ = controller_cockpit
    wait_until_active(root(running))
    config = CockpitConfig(
        data_directory=tmp_path / "standby",
        database_url=database_url,
        controller_tls=running.cockpit.config.controller_tls,
    )
    yield from serve_cockpit(config, admin_password=ADMIN_PASSWORD)


def test_a_standby_sees_a_new_orders_snapshots(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes], standby: RunningCockpit
) -> None:
    _, controller = controller_cockpit
    joc = root(standby)
    assert joc.ok("/joc/api/joc/is_active")["ok"] is False
    start = joc.ok(EVENTS, {"controllerId": "e2e"})["eventId"]

    def of_o1(snapshot: dict[str, Any]) -> bool:
        return snapshot["eventType"] == "WorkflowStateChanged" and snapshot.get("message") == "o1"

    _deploy_and_add(controller, "o1")
    snapshots = _polled_until(joc, start, of_o1)
    assert any(of_o1(s) for s in snapshots)
    assert joc.ok("/joc/api/joc/is_active")["ok"] is False
