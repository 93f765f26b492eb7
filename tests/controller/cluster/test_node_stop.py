"""Ending a node of a real Controller cluster on request: ShutDown with a switch-over hands the active role to
the passive node before the process ends (the order added before is still there); the passive node restarts on
request (in its process) and couples again; EmergencyStop of the active node lets the passive fail over."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.controller.cluster.processes import ClusterInstallation, coupled, is_active
from tests.e2e.nodes import API, deploy, orders, shell_job, until, until_async, workflow

LATER = {"id": "later", "workflowPath": "W", "scheduledFor": 4_102_444_800_000}  # 2100: waits


@pytest.fixture
def installation(tmp_path: Path) -> ClusterInstallation:
    return ClusterInstallation(tmp_path / "installation")


async def test_terminate_with_switch_over_and_restart_of_the_passive_node(
    installation: ClusterInstallation,
) -> None:
    primary, backup = installation.nodes["Primary"], installation.nodes["Backup"]
    try:
        await asyncio.gather(installation.agent.start(), primary.start(), backup.start())
        async with installation.watch():
            await until_async(lambda: coupled(installation), 30, "the cluster to couple")
            async with installation.client("Primary") as client:
                job = {"j": shell_job("agentA", "true\n")}
                await deploy(client, workflow("W", [{"TYPE": "Execute.Named", "jobName": "j"}], job))
                await client.post(f"{API}/command", {"TYPE": "AddOrders", "orders": [LATER]}, dict)
                switching = {"TYPE": "ShutDown", "clusterAction": {"TYPE": "Switchover"}}
                assert await client.post(f"{API}/command", switching, dict) == {"TYPE": "Accepted"}
            process = primary.running_process()
            await until(lambda: process.poll() is not None, 30, "the Primary to end after handing over")
            assert process.returncode == 0
            async with installation.client("Backup") as client:
                assert await is_active(client)
                assert "later" in await orders(client)

            await primary.start()  # back as passive
            await until_async(lambda: coupled(installation), 30, "the cluster to couple again")
            passive = primary.running_process()
            async with installation.client("Primary") as client:
                restart = {"TYPE": "ShutDown", "restart": True}
                assert await client.post(f"{API}/command", restart, dict) == {"TYPE": "Accepted"}
            await until(lambda: primary.output().count("listening on") == 2, 30, "the Primary to restart")
            assert passive.poll() is None, "in its own process"
            await until_async(lambda: coupled(installation), 30, "the restarted passive node to couple")

            async with installation.client("Backup") as client:
                assert await client.post(f"{API}/command", {"TYPE": "EmergencyStop"}, dict) == {
                    "TYPE": "Accepted"
                }
            async with installation.client("Primary") as client:
                await until_async(lambda: is_active(client), 30, "the Primary to fail over")
                assert "later" in await orders(client)
    finally:
        installation.clean_up()
