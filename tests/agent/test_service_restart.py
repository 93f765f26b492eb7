"""The Agent restarted: lost processes (js7-reference §6.4), events kept until released, orderly shutdown."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psutil

from stellwerk.agent.config import AgentConfig
from stellwerk.agent.service import AgentService
from stellwerk.model import agent_commands as ac
from stellwerk.transport.client import NodeClient, RetryPolicy
from tests.agent.helpers import Controller, attached_order, one_job_workflow
from tests.controller.support import eventually


@asynccontextmanager
async def running(config: AgentConfig, tls: ssl.SSLContext) -> AsyncIterator[tuple[AgentService, Controller]]:
    async with AgentService.start(config) as agent:
        async with NodeClient(agent.url, ssl_context=tls, retry=RetryPolicy(attempts=1)) as client:
            yield agent, Controller(client)


async def _start_long_job(controller: Controller, marker: str, **job_fields: Any) -> None:
    # Runs long the first time only, so the job run after the restart ends soon.
    script = f'if [ -e "{marker}" ]; then echo again; exit 0; fi; touch "{marker}"; sleep 30'
    flow = one_job_workflow(script, **job_fields)
    await controller.dedicate()
    await controller.command(
        ac.Batch(commands=(ac.AttachItem(item=flow), ac.AttachOrder(order=attached_order("A", flow))))
    )
    await controller.wait_for_type("A", "OrderProcessingStarted")
    # The process starts when its OrderProcessingStarted is durable: it may not have run `touch` yet.
    await eventually(lambda: Path(marker).exists())


async def test_a_process_lost_in_a_crash_runs_again_after_the_restart(
    config: AgentConfig, controller_ssl: ssl.SSLContext
) -> None:
    async with running(config, controller_ssl) as (agent, controller):
        await _start_long_job(controller, str(config.data_directory / "started"))
        after = controller.after
        await agent.crash()
        assert psutil.Process().children(recursive=True) == []  # the job's process group is gone

    async with running(config, controller_ssl) as (agent, controller):
        controller.after = after
        processed = await controller.wait_for_type("A", "OrderProcessed")
        assert processed["outcome"] == {
            "TYPE": "Disrupted",
            "reason": {"TYPE": "ProcessLost", "problem": "ProcessLostDueToRestart"},
        }
        await controller.wait_for_type("A", "OrderDetachable")
        assert controller.types_of("A") == [
            "OrderProcessed",
            "OrderMoved",
            "OrderProcessingStarted",
            "OrderStdoutWritten",
            "OrderProcessed",
            "OrderMoved",
            "OrderDetachable",
        ]
        assert agent.state.orders["A"].position == (1,)


async def test_a_not_restartable_job_lost_in_a_crash_fails_the_order(
    config: AgentConfig, controller_ssl: ssl.SSLContext
) -> None:
    async with running(config, controller_ssl) as (agent, controller):
        await _start_long_job(controller, str(config.data_directory / "started"), isNotRestartable=True)
        dedicated = await controller.dedicate()
        await agent.crash()

    async with running(config, controller_ssl) as (agent, controller):
        assert (await controller.dedicate()).agent_run_id == dedicated.agent_run_id  # re-sent: the same run
        controller.after = dedicated.agent_event_id
        await controller.wait_for_type("A", "OrderDetachable")
        assert controller.types_of("A") == ["OrderProcessed", "OrderDetachable"]
        order = agent.state.orders["A"]
        assert order.position == (0,)
        outcome = order.last_outcome()
        assert outcome is not None and type(outcome).__name__ == "Disrupted"
        assert "Other" in str(outcome)


async def test_an_orderly_shutdown_reports_the_process_as_lost_and_the_job_runs_again(
    config: AgentConfig, controller_ssl: ssl.SSLContext
) -> None:
    async with running(config, controller_ssl) as (agent, controller):
        await _start_long_job(controller, str(config.data_directory / "started"))
        after = controller.after

    async with running(config, controller_ssl) as (agent, controller):
        controller.after = after
        await controller.wait_for_type("A", "OrderDetachable")
        processed = [ev["outcome"] for ev in controller.events if ev["TYPE"] == "OrderProcessed"]
        assert processed[0]["reason"] == {
            "TYPE": "ProcessLost",
            "problem": "ProcessKilledDueToSubagentShutdown",
        }
        assert processed[1]["TYPE"] == "Succeeded"


async def test_released_events_are_deleted_with_their_journal_files(
    config: AgentConfig, controller_ssl: ssl.SSLContext
) -> None:
    async with running(config, controller_ssl) as (agent, controller):
        first = await controller.dedicate()
        await controller.command(ac.AttachItem(item=one_job_workflow("exit 0")))
        await agent.take_snapshot()
        journal_files = sorted(config.journal_directory.glob("agent--*.journal"))
        assert len(journal_files) == 2  # kept: the Controller has not released anything yet
        assert await controller.read() != []

        couple = ac.CoupleController(agent_path="agentA", agent_run_id=first.agent_run_id, event_id=0)
        assert isinstance(await controller.command(couple), ac.Coupled)
        assert await controller.command(ac.ReleaseEvents(until_event_id=controller.after)) == ac.Accepted()
        assert sorted(config.journal_directory.glob("agent--*.journal")) == journal_files[1:]

        torn = await controller.command(couple)
        assert isinstance(torn, ac.Rejected) and "Torn" in torn.message
        assert agent.state.released == {"stellwerk-test": controller.after}
