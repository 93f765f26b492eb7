"""ResetAgent through real processes (js7-reference §6.1 step 8): the Controller fails the Agent's orders
uncatchably, the Agent kills its job, drops its journal and restarts in the same process on the same port, and
the Controller dedicates it anew and runs the next orders on it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psutil
import pytest

from stellwerk.transport.client import HttpError
from tests.e2e.nodes import (
    API,
    Installation,
    add_orders,
    deploy,
    event_names,
    events,
    shell_job,
    until,
    until_states,
    workflow,
)

A = "agentA"
RUN = {"TYPE": "Execute.Named", "jobName": "run"}


def _pid_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def test_a_reset_fails_the_agents_orders_kills_their_jobs_and_the_agent_serves_again(
    installation: Installation, tmp_path: Path
) -> None:
    pid_file = tmp_path / "job.pid"
    agent, controller = installation.node(A), installation.node("controller")
    await asyncio.gather(agent.start(), controller.start())
    caught = {"TYPE": "Try", "try": {"instructions": [RUN]}, "catch": {"instructions": []}}
    long_job = shell_job(A, f"echo $$ > '{pid_file}'\nexec sleep 60\n")
    async with installation.client() as client:
        await deploy(
            client,
            workflow("Long", [caught], {"run": long_job}),
            workflow("Quick", [RUN], {"run": shell_job(A, "true\n")}),
        )
        await add_orders(client, "Long", "running")
        await until(lambda: pid_file.exists() and pid_file.read_text().strip() != "", 20, "the job to start")
        job_pid = int(pid_file.read_text())
        before = await events(client)
        old_run = [e["agentRunId"] for e in before if e["TYPE"] == "AgentDedicated"][-1]

        await client.post(f"{API}/command", {"TYPE": "ResetAgent", "agentPath": A}, dict)

        await until_states(client, {"running": "Failed"}, seconds=10)
        await until(lambda: not _pid_alive(job_pid), 10, "the job to be killed")
        await add_orders(client, "Quick", "after")
        await until_states(client, {"after": "Finished"}, seconds=30)
        found = await events(client)
    names = event_names(found, "running")
    assert names[-3:] == ["OrderProcessed", "OrderDetached", "OrderFailed"], (
        names
    )  # the catch did not catch it
    processed = [e for e in found if e.get("Key") == "running" and e["TYPE"] == "OrderProcessed"]
    assert processed[-1]["outcome"]["uncatchable"] is True
    agent_events = [e["TYPE"] for e in found if e.get("Key") == A and e["TYPE"].startswith("AgentReset")]
    assert agent_events == ["AgentResetStarted", "AgentReset"]
    new_runs = [e["agentRunId"] for e in found if e["TYPE"] == "AgentDedicated"]
    assert new_runs[-1] != old_run, "dedicated anew"
    assert agent.process is not None and agent.process.poll() is None, (
        "the Agent restarted in its own process"
    )


async def test_a_reset_of_an_unknown_agent_is_refused(installation: Installation) -> None:
    agent, controller = installation.node(A), installation.node("controller")
    await asyncio.gather(agent.start(), controller.start())
    async with installation.client() as client:
        with pytest.raises(HttpError) as refused:
            await client.post(f"{API}/command", {"TYPE": "ResetAgent", "agentPath": "nobody"}, dict)
        assert refused.value.status == 400 and "Unknown Agent:nobody" in str(refused.value)
        found = await events(client)
    assert not [e for e in found if e["TYPE"].startswith("AgentReset")]
