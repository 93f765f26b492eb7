"""The Agent's HTTP API: dedication and coupling, malformed commands, the event stream, who may call."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl

import aiohttp
import pytest

from stellwerk.agent.service import AgentService
from stellwerk.model import agent_commands as ac
from stellwerk.transport.client import HttpError, NodeClient, RetryPolicy
from tests.agent.helpers import (
    AGENT,
    CONTROLLER_ID,
    SINGLE_RESPONSE,
    Controller,
    one_job_workflow,
    raw_request,
)
from tests.controller.support import eventually
from tests.transport.pki import TestPki


async def test_dedication_is_once_and_coupling_checks_run_id_and_event_id(
    agent: AgentService, controller: Controller
) -> None:
    first = await controller.dedicate()
    again = await controller.dedicate()
    assert again.agent_run_id == first.agent_run_id
    other = await controller.command(ac.DedicateAgentDirector(agent_path=AGENT, controller_id="other"))
    assert isinstance(other, ac.Rejected) and "dedicated to Controller 'stellwerk-test'" in other.message

    await controller.command(ac.AttachItem(item=one_job_workflow("exit 0")))
    couple = ac.CoupleController(
        agent_path=AGENT, agent_run_id=first.agent_run_id, event_id=first.agent_event_id
    )
    assert await controller.command(couple) == ac.Coupled(order_ids=())
    wrong_run = await controller.command(ac.CoupleController(agent_path=AGENT, agent_run_id="x", event_id=0))
    assert isinstance(wrong_run, ac.Rejected) and "run id" in wrong_run.message
    future = ac.CoupleController(agent_path=AGENT, agent_run_id=first.agent_run_id, event_id=1 << 52)
    unknown = await controller.command(future)
    assert isinstance(unknown, ac.Rejected) and "Unknown EventId" in unknown.message

    overview = await controller.client.get("/agent/api", dict[str, object])
    assert overview == {
        "name": AGENT,
        "agentRunId": first.agent_run_id,
        "eventId": agent.journal.last_event_id,
        "orderCount": 0,
        "isDedicated": True,
    }


async def test_commands_before_dedication_are_refused(
    agent: AgentService, controller_ssl: ssl.SSLContext
) -> None:
    async with NodeClient(agent.url, ssl_context=controller_ssl, retry=RetryPolicy(attempts=1)) as client:
        answer: ac.Response = await client.post(
            "/agent/api/command", ac.AttachItem(item=one_job_workflow("exit 0")), SINGLE_RESPONSE
        )
        assert answer == ac.Rejected(message="Agent is not dedicated to a Controller")
        assert await client.post("/agent/api/command", ac.NoOperation(), SINGLE_RESPONSE) == ac.Accepted()
    assert agent.journal.last_event_id == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"TYPE": "AttachOrder", "order": {"id": 7}}', "at `$.order.id`"),
        (b'{"TYPE": "Launch"}', "at `$.TYPE`"),
        (
            b'{"TYPE": "Batch", "commands": [{"TYPE": "NoOperation"}, {"TYPE": "DetachOrder"}]}',
            "`$.commands[1]`",
        ),
        (b'{"TYPE": ', "Malformed JSON"),
    ],
)
async def test_a_malformed_command_is_answered_400_naming_the_json_path(
    agent: AgentService, controller: Controller, controller_ssl: ssl.SSLContext, body: bytes, expected: str
) -> None:
    last = agent.journal.last_event_id
    status, answer = await raw_request(agent.url + "/agent/api/command", controller_ssl, "POST", body)
    assert status == 400
    problem = json.loads(answer)
    assert problem["TYPE"] == "Problem" and expected in problem["message"]
    assert agent.journal.last_event_id == last


async def test_the_event_stream_sends_a_heartbeat_when_nothing_happens_and_410_when_torn(
    agent: AgentService, controller: Controller
) -> None:
    params: dict[str, str | int] = {"after": controller.after, "timeout": "0.1"}
    lines = [json.loads(line) async for line in controller.client.stream_lines("/agent/api/event", params)]
    assert lines == [{"eventId": controller.after, "TYPE": "Heartbeat"}]
    await controller.command(ac.AttachItem(item=one_job_workflow("exit 0")))
    await agent.take_snapshot()
    await controller.command(ac.ReleaseEvents(until_event_id=agent.journal.last_event_id))
    with pytest.raises(HttpError) as refused:
        await controller.client.get("/agent/api/event", dict[str, object], {"after": 0})
    assert refused.value.status == 410 and "Torn" in refused.value.message


async def test_health_and_metrics(
    agent: AgentService, controller: Controller, controller_ssl: ssl.SSLContext
) -> None:
    assert await controller.client.get("/agent/api/health", dict[str, bool]) == {"healthy": True}
    status, body = await raw_request(agent.url + "/metrics", controller_ssl)
    assert status == 200
    text = body.decode()
    assert "stellwerk_agent_orders 0.0" in text
    assert "stellwerk_agent_processes_running 0.0" in text
    assert "stellwerk_agent_events_persisted_total 1.0" in text  # AgentDedicated
    assert 'stellwerk_journal_events_written_total{role="agent"}' in text
    assert 'stellwerk_journal_fsync_seconds_bucket{le="+Inf",role="agent"}' in text
    assert await controller.client.get("/agent/api/health/live", dict[str, str]) == {"TYPE": "Alive"}
    assert await controller.client.get("/agent/api/health/ready", dict[str, bool]) == {"healthy": True}


async def test_a_crashed_agent_is_live_but_not_ready(agent: AgentService, controller: Controller) -> None:
    await agent.crash()
    assert await controller.client.get("/agent/api/health/live", dict[str, str]) == {"TYPE": "Alive"}
    with pytest.raises(HttpError) as not_ready:
        await controller.client.get("/agent/api/health/ready", dict[str, object])
    assert not_ready.value.status == 503


async def test_a_client_not_allow_listed_is_refused_with_403(agent: AgentService, pki: TestPki) -> None:
    stranger = pki.client_context("stranger")
    async with NodeClient(agent.url, ssl_context=stranger, retry=RetryPolicy(attempts=1)) as client:
        with pytest.raises(HttpError) as refused:
            await client.post(
                "/agent/api/command",
                ac.DedicateAgentDirector(agent_path=AGENT, controller_id=CONTROLLER_ID),
                SINGLE_RESPONSE,
            )
    assert refused.value.status == 403
    assert agent.journal.last_event_id == 0


async def test_an_event_wait_ends_when_its_reader_goes_away(
    agent: AgentService, controller: Controller, controller_ssl: ssl.SSLContext
) -> None:
    before = _event_waits()
    params = {"after": str(agent.journal.last_event_id), "timeout": "60"}
    async with aiohttp.ClientSession() as session:
        url = f"{agent.url}/agent/api/event"

        async def read() -> None:
            async with session.get(url, params=params, ssl=controller_ssl) as response:
                await response.read()

        reading = asyncio.ensure_future(read())
        await eventually(lambda: _event_waits() > before, seconds=10)
        reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reading
    await eventually(lambda: _event_waits() == before, seconds=10)


def _event_waits() -> int:
    """Tasks waiting for the Agent's next event (a reader's long-poll)."""
    names = (getattr(task.get_coro(), "__qualname__", "") for task in asyncio.all_tasks())
    return sum(1 for name in names if name == "EventLog.wait_after")
