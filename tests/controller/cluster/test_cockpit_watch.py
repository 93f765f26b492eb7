"""The Cockpit as the Cluster Watch of a registered Controller cluster (real processes): the cluster couples with
the Cockpit's watch alone, the Cockpit's proxy follows the active node through a SIGKILL fail-over, a switch-over
goes through the JOC API, and confirming a node loss that the watch did not refuse is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from stellwerk.cockpit.config import CockpitConfig, ControllerTls
from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import ControllerRole
from stellwerk.cockpit.db.repositories.controllers import ControllerNode, ControllerRepository
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit, serve_cockpit
from tests.cockpit.api.joc import Joc
from tests.controller.cluster.processes import (
    ClusterInstallation,
    coupled,
    is_active,
    kill_primary_and_time_the_fail_over,
)
from tests.e2e.nodes import until_async


def _register(installation: ClusterInstallation) -> Any:
    urls = (installation.nodes["Primary"].uri, installation.nodes["Backup"].uri)

    async def register(cockpit: Cockpit) -> None:
        async with cockpit.database.session() as db:
            nodes = [
                ControllerNode(controller_id="e2e", role=ControllerRole.PRIMARY, url=urls[0]),
                ControllerNode(controller_id="e2e", role=ControllerRole.BACKUP, url=urls[1]),
            ]
            await ControllerRepository(db).register(nodes, cockpit.now())
        cockpit.proxies.register("e2e", urls)

    return register


async def _overview(running: RunningCockpit) -> dict[str, Any]:
    async def overview(cockpit: Cockpit) -> dict[str, Any]:
        return await cockpit.proxies.get("e2e").overview()

    return await asyncio.to_thread(running.call, overview)


async def test_the_cockpit_watches_the_cluster_and_follows_the_active_node(tmp_path: Path) -> None:
    installation = ClusterInstallation(tmp_path / "installation")
    folder = installation.folder / "cockpit"
    tls = ControllerTls(
        certificate=folder / "node.pem", key=folder / "node-key.pem", ca=folder.parent / "ca" / "ca.pem"
    )
    config = CockpitConfig(
        data_directory=tmp_path / "cockpit",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'cockpit.db'}",
        controller_tls=tls,
    )
    try:
        await asyncio.gather(*(node.start() for node in installation.nodes.values()))
        for running in serve_cockpit(config, admin_password=ADMIN_PASSWORD):
            await _watched_by_the_cockpit(installation, running)
    finally:
        installation.clean_up()


async def _watched_by_the_cockpit(installation: ClusterInstallation, running: RunningCockpit) -> None:
    primary = installation.nodes["Primary"]
    running.call(_register(installation))
    await until_async(lambda: coupled(installation), 30, "the cluster to couple with the Cockpit's watch")
    assert (await _overview(running))["controllerId"] == "e2e"

    joc = Joc(running.url)
    assert joc.login("root", ADMIN_PASSWORD).status == 200
    refused = await asyncio.to_thread(
        joc.post, "/joc/api/controller/cluster/confirm_node_loss", {"controllerId": "e2e"}
    )
    assert refused.status == 420
    assert "nothing to confirm" in str(refused.body)

    assert await kill_primary_and_time_the_fail_over(installation) < 2.0
    assert await _overview(running)  # the proxy found the new active node

    await primary.start()
    await until_async(lambda: coupled(installation), 30, "the cluster to couple again")
    await asyncio.to_thread(joc.ok, "/joc/api/controller/cluster/switchover", {"controllerId": "e2e"})
    async with installation.client("Primary") as client:
        await until_async(lambda: is_active(client), 15, "the Primary to become active by switch-over")
    await until_async(lambda: coupled(installation), 30, "the cluster to couple after the switch-over")
