"""Two `stellwerk controller --cluster` processes and an Agent: SIGKILL the active node while jobs run, the
passive becomes active within 2 s with every accepted order, the Agent follows it, no job starts twice; the
killed node comes back as passive."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.controller.cluster.processes import (
    ClusterInstallation,
    coupled,
    is_active,
    kill_primary_and_time_the_fail_over,
)
from tests.e2e.nodes import add_orders, deploy, orders, shell_job, state_of, until_async, workflow

ORDERS = 12


@pytest.fixture
def installation(tmp_path: Path) -> ClusterInstallation:
    return ClusterInstallation(tmp_path / "installation")


async def test_sigkill_of_the_active_node_fails_over_within_two_seconds(
    installation: ClusterInstallation, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    agent = installation.agent
    primary, backup = installation.nodes["Primary"], installation.nodes["Backup"]
    try:
        await asyncio.gather(agent.start(), primary.start(), backup.start())
        async with installation.watch():
            await until_async(lambda: coupled(installation), 30, "the cluster to couple")
            job = shell_job("agentA", f'sleep 0.3\necho "$JS7_ORDER_ID" >> "{runs}/runs"\n')
            ids = [f"order-{n:02}" for n in range(ORDERS)]
            async with installation.client("Primary") as client:
                await deploy(client, workflow("W", [{"TYPE": "Execute.Named", "jobName": "j"}], {"j": job}))
                await add_orders(client, "W", *ids[: ORDERS // 2])
            await asyncio.sleep(0.4)  # some jobs run
            assert await kill_primary_and_time_the_fail_over(installation) < 2.0
            async with installation.client("Backup") as client:
                await add_orders(client, "W", *ids[ORDERS // 2 :])

                async def all_finished() -> bool:
                    found = await orders(client)
                    return all(i in found and state_of(found[i]) == "Finished" for i in ids)

                await until_async(all_finished, 60, "every order to finish")
            ran = (runs / "runs").read_text().split()
            assert sorted(ran) == sorted(ids)  # each job once, none lost

            await primary.start()  # back as passive
            await until_async(lambda: coupled(installation), 30, "the cluster to couple again")
            async with installation.client("Primary") as client:
                assert not await is_active(client)
    finally:
        installation.clean_up()


async def test_an_agent_named_as_cluster_watch_lets_the_passive_fail_over(tmp_path: Path) -> None:
    installation = ClusterInstallation(tmp_path / "installation", agent_watch=True)
    try:
        await asyncio.gather(*(node.start() for node in (installation.agent, *installation.nodes.values())))
        await until_async(lambda: coupled(installation), 30, "the cluster to couple with the Agent as watch")
        assert await kill_primary_and_time_the_fail_over(installation) < 2.0
    finally:
        installation.clean_up()
