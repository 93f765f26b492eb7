"""Ending a real Controller process on request (JS7's ShutDown and EmergencyStop, behind JOC's terminate, restart,
abort and abort_and_restart): it stops (exit code 0), or starts again in the same process with its journal
(an order added before is still there), and a switch-over is refused for a standalone Controller."""

from __future__ import annotations

import asyncio

import pytest

from stellwerk.transport.client import HttpError
from tests.e2e.nodes import (
    API,
    Installation,
    NodeProcess,
    deploy,
    orders,
    shell_job,
    until,
    until_async,
    workflow,
)

A = "agentA"
LATER = {"id": "later", "workflowPath": "W", "scheduledFor": 4_102_444_800_000}  # 2100: waits


async def _started(installation: Installation) -> NodeProcess:
    agent, controller = installation.node(A), installation.node("controller")
    await asyncio.gather(agent.start(), controller.start())
    async with installation.client() as client:
        await deploy(
            client, workflow("W", [{"TYPE": "Execute.Named", "jobName": "j"}], {"j": shell_job(A, "true\n")})
        )
        await client.post(f"{API}/command", {"TYPE": "AddOrders", "orders": [LATER]}, dict)
    return controller


@pytest.mark.parametrize(
    "command", [{"TYPE": "ShutDown"}, {"TYPE": "EmergencyStop"}], ids=["terminate", "abort"]
)
async def test_a_controller_stops_on_request(installation: Installation, command: dict[str, object]) -> None:
    controller = await _started(installation)
    async with installation.client() as client:
        assert await client.post(f"{API}/command", command, dict) == {"TYPE": "Accepted"}
    process = controller.running_process()
    await until(lambda: process.poll() is not None, 20, "the Controller to stop")
    assert process.returncode == 0


@pytest.mark.parametrize(
    "command",
    [{"TYPE": "ShutDown", "restart": True}, {"TYPE": "EmergencyStop", "restart": True}],
    ids=["restart", "abort-and-restart"],
)
async def test_a_controller_restarts_in_its_process_with_its_journal(
    installation: Installation, command: dict[str, object]
) -> None:
    controller = await _started(installation)
    process = controller.running_process()
    async with installation.client() as client:
        assert await client.post(f"{API}/command", command, dict) == {"TYPE": "Accepted"}
        await until(
            lambda: controller.output().count("listening on") == 2, 30, "the Controller to listen again"
        )
        assert process.poll() is None, "the same process"

        async def answers() -> bool:
            try:
                return "later" in await orders(client)
            except Exception:
                return False

        await until_async(answers, 30, "the restarted Controller to answer with its order")


async def test_a_switch_over_is_refused_for_a_standalone_controller(installation: Installation) -> None:
    controller = await _started(installation)
    async with installation.client() as client:
        with pytest.raises(HttpError) as refused:
            await client.post(
                f"{API}/command", {"TYPE": "ShutDown", "clusterAction": {"TYPE": "Switchover"}}, dict
            )
        assert refused.value.status == 400 and "needs a Controller cluster" in str(refused.value)
        malformed = {"TYPE": "ShutDown", "clusterAction": {"TYPE": "Sideways"}}
        with pytest.raises(HttpError) as bad:
            await client.post(f"{API}/command", malformed, dict)
        assert bad.value.status == 400 and "clusterAction" in str(bad.value)
    assert controller.running_process().poll() is None
