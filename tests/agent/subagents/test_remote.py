"""Processes on remote Subagents (real `stellwerk subagent` processes over mutual TLS): output and outcome come
back to the Director; a Subagent killed mid-job loses the process, which runs again on another Subagent
(ProcessLost), or fails the order for a job with isNotRestartable (js7-reference §6.4)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from stellwerk.agent.config import AgentConfig
from stellwerk.agent.service import AgentService
from stellwerk.model import agent_commands as ac
from stellwerk.model import order as o
from stellwerk.model.items import SubagentBundle, SubagentItem
from tests.agent.helpers import AGENT, Controller, agent_config, attached_order, one_job_workflow
from tests.agent.subagents.helpers import SubagentProcess
from tests.agent.test_service_restart import running
from tests.e2e.nodes import free_port, until
from tests.transport.pki import TestPki


@pytest.fixture
def config(tmp_path: Path, pki: TestPki) -> AgentConfig:
    return agent_config(tmp_path / "agent", pki, subagent_heartbeat=0.1, subagent_timeout=2.0)


@pytest.fixture
async def subagents(tmp_path: Path, pki: TestPki) -> AsyncIterator[dict[str, SubagentProcess]]:
    nodes = {sid: SubagentProcess(tmp_path, pki, sid) for sid in ("s1", "s2")}
    try:
        for node in nodes.values():
            await node.start()
        yield nodes
    finally:
        for node in nodes.values():
            node.ensure_gone()


async def attach_bundle(controller: Controller, subagents: dict[str, SubagentProcess]) -> None:
    items: list[ac.AgentCommand] = [
        ac.AttachItem(item=SubagentItem(id=sid, agent_path=AGENT, uri=node.url))
        for sid, node in subagents.items()
    ]
    bundle = SubagentBundle(id="B", subagent_to_priority={"s1": 2, "s2": 1})  # fixed priority: s1 first
    await controller.command(ac.Batch(commands=(*items, ac.AttachItem(item=bundle))))


def started_on(controller: Controller, order_id: str) -> list[Any]:
    return [
        ev.get("subagentId")
        for ev in controller.events
        if ev["Key"] == order_id and ev["TYPE"] == "OrderProcessingStarted"
    ]


async def test_the_job_runs_on_the_remote_subagent_and_its_output_comes_back(
    agent: AgentService, controller: Controller, subagents: dict[str, SubagentProcess]
) -> None:
    await attach_bundle(controller, subagents)
    flow = one_job_workflow("echo on $(pwd); exit 3", subagentBundleIdExpr="'B'")
    await controller.command(
        ac.Batch(commands=(ac.AttachItem(item=flow), ac.AttachOrder(order=attached_order("A", flow))))
    )
    processed = await controller.wait_for_type("A", "OrderProcessed")
    assert processed["outcome"]["namedValues"]["returnCode"] == 3
    assert started_on(controller, "A") == ["s1"]
    stdout = next(ev for ev in controller.events if ev["TYPE"] == "OrderStdoutWritten")
    assert stdout["chunk"].startswith("on ") and "s1" in stdout["chunk"]  # the Subagent's work directory
    listed = agent.subagents()["subagents"]
    assert {row["subagentId"]: row["state"] for row in listed} == {
        AGENT: "local",
        "s1": "active",
        "s2": "active",
    }  # type: ignore[index, union-attr]


@pytest.mark.parametrize("not_restartable", [False, True])
async def test_a_subagent_killed_mid_job_loses_the_process(
    agent: AgentService,
    controller: Controller,
    subagents: dict[str, SubagentProcess],
    tmp_path: Path,
    not_restartable: bool,
) -> None:
    await attach_bundle(controller, subagents)
    marker = tmp_path / "ran-once"
    script = f"if [ -e {marker} ]; then echo again; exit 0; fi; touch {marker}; echo started; sleep 20"
    flow = one_job_workflow(script, subagentBundleIdExpr="'B'", isNotRestartable=not_restartable)
    await controller.command(
        ac.Batch(commands=(ac.AttachItem(item=flow), ac.AttachOrder(order=attached_order("A", flow))))
    )
    await controller.wait_for(lambda ev: ev["TYPE"] == "OrderStdoutWritten" and ev["chunk"] == "started\n")
    await subagents["s1"].kill()

    lost = await controller.wait_for_type("A", "OrderProcessed")
    reason = lost["outcome"]["reason"]
    if not_restartable:
        assert reason["TYPE"] == "Other"
        await controller.wait_for_type("A", "OrderDetachable")  # to fail at the Controller
        assert started_on(controller, "A") == ["s1"]
    else:
        assert reason == {"TYPE": "ProcessLost", "problem": "ProcessLostDueToSubagentLoss"}
        await controller.wait_for(lambda ev: ev["TYPE"] == "OrderStdoutWritten" and ev["chunk"] == "again\n")
        assert started_on(controller, "A") == ["s1", "s2"]


async def test_a_remote_process_is_killed_when_its_order_is_cancelled(
    agent: AgentService, controller: Controller, subagents: dict[str, SubagentProcess]
) -> None:
    await attach_bundle(controller, subagents)
    flow = one_job_workflow("echo started; sleep 30", subagentBundleIdExpr="'s2'")
    await controller.command(
        ac.Batch(commands=(ac.AttachItem(item=flow), ac.AttachOrder(order=attached_order("A", flow))))
    )
    await controller.wait_for(lambda ev: ev["TYPE"] == "OrderStdoutWritten" and ev["chunk"] == "started\n")
    kill = o.Cancelling(mode=o.FreshOrStarted(kill=o.Kill(immediately=True)))
    await controller.command(ac.MarkOrder(order_id="A", mark=kill))
    processed = await controller.wait_for_type("A", "OrderProcessed", seconds=5)
    assert processed["outcome"]["TYPE"] == "Killed"
    assert started_on(controller, "A") == ["s2"]
    assert not any(child.name() == "sleep" for child in subagents["s2"].descendants())


async def test_an_order_waits_while_its_subagent_is_unreachable_and_can_be_cancelled(
    agent: AgentService, controller: Controller
) -> None:
    gone = SubagentItem(id="gone", agent_path=AGENT, uri=f"https://127.0.0.1:{free_port()}")
    flow = one_job_workflow("exit 0", subagentBundleIdExpr="'gone'")
    commands = (
        ac.AttachItem(item=gone),
        ac.AttachItem(item=flow),
        ac.AttachOrder(order=attached_order("A", flow)),
    )
    await controller.command(ac.Batch(commands=commands))
    await controller.wait_for_type("A", "OrderStarted")
    await until(
        lambda: {r["subagentId"]: r["state"] for r in rows(agent)}.get("gone") == "unavailable", 5, "gone"
    )
    await controller.read(0.3)
    assert "OrderProcessingStarted" not in controller.types_of("A")
    await controller.command(ac.MarkOrder(order_id="A", mark=o.Cancelling(mode=o.FreshOrStarted())))
    await controller.wait_for_type("A", "OrderDetachable")  # the Controller cancels it
    assert "OrderProcessingStarted" not in controller.types_of("A")


def rows(agent: AgentService) -> list[dict[str, Any]]:
    listed = agent.subagents()["subagents"]
    assert isinstance(listed, list)
    return listed


async def test_a_director_crash_ends_the_remote_process_and_the_job_runs_again_after_the_restart(
    config: AgentConfig, controller_ssl: ssl.SSLContext, subagents: dict[str, SubagentProcess], tmp_path: Path
) -> None:
    marker = tmp_path / "ran-once"
    script = f"if [ -e {marker} ]; then echo again; exit 0; fi; touch {marker}; echo started; sleep 20"
    flow = one_job_workflow(script, subagentBundleIdExpr="'B'")
    async with running(config, controller_ssl) as (agent, controller):
        await controller.dedicate()
        await attach_bundle(controller, subagents)
        await controller.command(
            ac.Batch(commands=(ac.AttachItem(item=flow), ac.AttachOrder(order=attached_order("A", flow))))
        )
        await controller.wait_for(
            lambda ev: ev["TYPE"] == "OrderStdoutWritten" and ev["chunk"] == "started\n"
        )
        after = controller.after
        await agent.crash()
    # The Subagent kills the process of a Director that went away: it does not run on beside the next run.
    await until(
        lambda: not any(child.name() == "sleep" for child in subagents["s1"].descendants()), 10, "no sleep"
    )

    async with running(config, controller_ssl) as (agent, controller):
        controller.after = after
        processed = await controller.wait_for_type("A", "OrderProcessed")
        assert processed["outcome"]["reason"] == {"TYPE": "ProcessLost", "problem": "ProcessLostDueToRestart"}
        await controller.wait_for(lambda ev: ev["TYPE"] == "OrderStdoutWritten" and ev["chunk"] == "again\n")
        assert started_on(controller, "A") == [
            "s1"
        ]  # the run after the restart (the first is before `after`)
