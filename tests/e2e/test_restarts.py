"""Crashes and restarts of real processes: the Controller killed with SIGKILL during a run, the Agent killed
during a job, and the Controller down while the Agent finishes its orders. Jobs append their order id to a file,
so a job that ran twice shows."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import psutil

from stellwerk.transport.client import RetryPolicy, TransportError
from tests.e2e.nodes import (
    Installation,
    add_orders,
    deploy,
    event_names,
    events,
    orders,
    shell_job,
    state_of,
    until,
    until_async,
    until_states,
    workflow,
)

A = "agentA"
RUN = {"TYPE": "Execute.Named", "jobName": "run"}
ONE_JOB_EVENTS = [
    "OrderAdded", "OrderAttachable", "OrderAttached", "OrderStarted", "OrderProcessingStarted", "OrderProcessed",
    "OrderMoved", "OrderDetachable", "OrderDetached", "OrderFinished",
]  # fmt: skip
NO_RETRY = RetryPolicy(attempts=1)


def counting_workflow(path: str, runs: Path, before: str = "", after: str = "", **job: Any) -> dict[str, Any]:
    script = f"{before}echo \"$JS7_ORDER_ID\" >> '{runs}'\n{after}"
    return workflow(path, [RUN], {"run": shell_job(A, script, processLimit=100, **job)})


def runs_of(runs: Path) -> Counter[str]:
    return Counter(runs.read_text().split()) if runs.exists() else Counter()


async def test_a_controller_killed_during_a_run_loses_no_order_and_starts_no_job_twice(
    installation: Installation, tmp_path: Path
) -> None:
    runs = tmp_path / "runs.txt"
    ids = [f"order-{n:02}" for n in range(30)]
    agent, controller = installation.node(A), installation.node("controller")
    await asyncio.gather(agent.start(), controller.start())
    async with installation.client(retry=NO_RETRY) as client:
        await deploy(client, counting_workflow("W", runs, after="sleep 0.5\n"))
        refused = []
        for n, order_id in enumerate(ids):
            if n == 15:
                await controller.kill()  # the first orders' jobs are running now
            try:
                await add_orders(client, "W", order_id)
            except TransportError:
                refused.append(order_id)
        assert refused == ids[15:]
        await controller.start()
        await add_orders(
            client, "W", *refused, ids[0]
        )  # what the client could not hand over, and a duplicate
        await until_states(client, dict.fromkeys(ids, "Finished"), seconds=40)
        found = await events(client)
    assert runs_of(runs) == Counter(dict.fromkeys(ids, 1)), "every job ran, none twice"
    event_ids = [event["eventId"] for event in found]
    assert event_ids == sorted(set(event_ids)), "each event once, in order"
    for order_id in ids:
        assert event_names(found, order_id) == ONE_JOB_EVENTS, order_id


async def test_an_agent_killed_during_a_job_runs_it_again_unless_it_is_not_restartable(
    installation: Installation, tmp_path: Path
) -> None:
    runs = tmp_path / "runs.txt"
    agent, controller = installation.node(A), installation.node("controller")
    await asyncio.gather(agent.start(), controller.start())
    async with installation.client() as client:
        restartable = counting_workflow("R", runs, after="sleep 1\n")
        not_restartable = counting_workflow("N", runs, after="sleep 1\n", isNotRestartable=True)
        await deploy(client, restartable, not_restartable)
        await add_orders(client, "R", "again")
        await add_orders(client, "N", "once")
        await until(lambda: set(runs_of(runs)) == {"again", "once"}, 20, "both jobs to start")
        jobs = agent.descendants()
        await agent.kill()
        for job in jobs:  # killed with the Agent's machine, say
            job.kill()
        psutil.wait_procs(jobs, timeout=5)
        await agent.start()
        await until_states(client, {"again": "Finished", "once": "Failed"}, seconds=30)
        found = await events(client)
    assert runs_of(runs) == Counter({"again": 2, "once": 1})
    processed = [e for e in found if e.get("Key") == "again" and e["TYPE"] == "OrderProcessed"]
    assert "ProcessLost" in json.dumps(processed[0]["outcome"])
    assert processed[1]["outcome"]["TYPE"] == "Succeeded"
    assert event_names(found, "again").count("OrderProcessingStarted") == 2
    assert "OrderFailed" in event_names(found, "once")


async def test_the_agent_finishes_100_orders_while_the_controller_is_down(
    installation: Installation, tmp_path: Path
) -> None:
    runs, gate = tmp_path / "runs.txt", tmp_path / "gate"
    ids = [f"order-{n:03}" for n in range(100)]
    agent, controller = installation.node(A), installation.node("controller")
    await asyncio.gather(agent.start(), controller.start())
    async with installation.client() as client:
        wait_for_gate = f"while [ ! -e '{gate}' ]; do sleep 0.05; done\n"
        await deploy(client, counting_workflow("W", runs, before=wait_for_gate))
        await add_orders(client, "W", *ids)

        async def all_processing() -> bool:
            found = await orders(client)
            return all(state_of(found[i]) == "Processing" for i in ids)

        await until_async(all_processing, 20, "every order's job to run at the Agent")
        assert await controller.stop() == 0
        gate.touch()  # the jobs end while the Controller is down
        await until(lambda: sum(runs_of(runs).values()) == len(ids), 30, "the Agent to finish every job")
        await controller.start()
        await until_states(client, dict.fromkeys(ids, "Finished"), seconds=30)
    assert runs_of(runs) == Counter(dict.fromkeys(ids, 1))
