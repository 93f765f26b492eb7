"""Helpers for the Agent tests: workflows and orders as a Controller sends them, and a small Controller-side
client that sends commands and reads the event stream over mutual TLS."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

from stellwerk.agent.config import AgentConfig, TlsFiles
from stellwerk.model import agent_commands as ac
from stellwerk.model import order as o
from stellwerk.model.workflow import Workflow, WorkflowId
from stellwerk.transport.client import NodeClient
from tests.transport.pki import TestPki, subject_of

AGENT = "agentA"
CONTROLLER = "controller"
CONTROLLER_ID = "stellwerk-test"

Event = dict[str, Any]
AnyResponse = ac.Response | ac.BatchResponse
# NodeClient's `response_type` is a class; a union of them is decoded as well, but typed as Any here.
RESPONSE: Any = AnyResponse
SINGLE_RESPONSE: Any = ac.Response


def agent_config(data: Path, pki: TestPki, **fields: Any) -> AgentConfig:
    """An Agent on 127.0.0.1:0 with certificates of `pki`, fast file watching (delay units of 0.1 s)."""
    cert = pki.folder / "agent.pem"
    key = pki.folder / "agent-key.pem"
    if not cert.exists():
        cert, key = pki.node_files("agent")
    settings: dict[str, Any] = {
        "name": AGENT,
        "data_directory": data,
        "tls": TlsFiles(cert=cert, key=key, ca=pki.ca_path),
        "allowed_controller_subjects": (subject_of(CONTROLLER),),
        "file_watch_poll_interval": 0.05,
        "file_watch_delay_unit": 0.1,
        "shutdown_grace": 2.0,
    }
    return AgentConfig(**{**settings, **fields})


def workflow(path: str, instructions: list[dict[str, Any]], jobs: dict[str, Any] | None = None) -> Workflow:
    raw = {
        "TYPE": "Workflow",
        "path": path,
        "versionId": "v1",
        "instructions": instructions,
        "jobs": jobs or {},
    }
    return msgspec.json.decode(msgspec.json.encode(raw), type=Workflow)


def shell_job(script: str, **fields: Any) -> dict[str, Any]:
    return {"agentPath": AGENT, "executable": {"TYPE": "ShellScriptExecutable", "script": script}, **fields}


def execute(job_name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": job_name}


def one_job_workflow(script: str, path: str = "W", **job_fields: Any) -> Workflow:
    return workflow(path, [execute("job")], {"job": shell_job(script, **job_fields)})


def attached_order(order_id: str, flow: Workflow, **fields: Any) -> o.Order:
    settings: dict[str, Any] = {"state": o.Fresh(), "attached_state": o.Attached(agent_path=AGENT), **fields}
    position = o.WorkflowPosition(
        workflow_id=WorkflowId(path=flow.path, version_id=flow.version_id), position=(0,)
    )
    return o.Order(id=order_id, workflow_position=position, **settings)


class Controller:
    """A Controller's view of one Agent: commands, and the events read so far (`after` follows them)."""

    def __init__(self, client: NodeClient) -> None:
        self.client = client
        self.after = 0
        self.events: list[Event] = []

    async def command(self, command: ac.AgentCommand | ac.Batch) -> AnyResponse:
        response: AnyResponse = await self.client.post("/agent/api/command", command, RESPONSE)
        return response

    async def dedicate(self) -> ac.Dedicated:
        answer = await self.command(ac.DedicateAgentDirector(agent_path=AGENT, controller_id=CONTROLLER_ID))
        assert isinstance(answer, ac.Dedicated), answer
        self.after = answer.agent_event_id
        return answer

    async def read(self, poll_seconds: float = 0.5) -> list[Event]:
        """One long-poll: the events after `after` (heartbeats left out)."""
        params: dict[str, str | int] = {"after": self.after, "timeout": str(poll_seconds)}
        lines = [json.loads(line) async for line in self.client.stream_lines("/agent/api/event", params)]
        found = [line for line in lines if line["TYPE"] != "Heartbeat"]
        if found:
            self.after = found[-1]["eventId"]
            self.events.extend(found)
        return found

    async def wait_for(self, predicate: Callable[[Event], bool], seconds: float = 10.0) -> Event:
        """Reads on until an event matches; returns it."""
        async with asyncio.timeout(seconds):
            checked = 0
            while True:
                for event in self.events[checked:]:
                    if predicate(event):
                        return event
                checked = len(self.events)
                await self.read()

    async def wait_for_type(self, order_id: str, type_name: str, seconds: float = 10.0) -> Event:
        return await self.wait_for(lambda ev: ev["Key"] == order_id and ev["TYPE"] == type_name, seconds)

    def types_of(self, key: str) -> list[str]:
        return [event["TYPE"] for event in self.events if event["Key"] == key]


def is_type(type_name: str, key: str | None = None) -> Callable[[Event], bool]:
    return lambda event: event["TYPE"] == type_name and (key is None or event["Key"] == key)


async def raw_request(
    url: str, tls: ssl.SSLContext, method: str = "GET", body: bytes | None = None
) -> tuple[int, bytes]:
    """One request with exactly these bytes, for what NodeClient would not send or would decode."""
    headers = {"Content-Type": "application/json"} if body is not None else None
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls)) as session,
        session.request(method, url, data=body, headers=headers) as response,
    ):
        return response.status, await response.read()
