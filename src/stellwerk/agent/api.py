"""The Agent's HTTP API (js7-reference §6), for the Controller; every route behind the peer allow-list.

- `POST /agent/api/command`: one AgentCommand or a Batch → its response (200). A body that is not JSON or not a
  command → 400 with a Problem naming the JSON path; nothing is changed then. 503 while shutting down.
- `GET /agent/api/event?after=&timeout=&limit=`: NDJSON, one stamped event per line; with none within `timeout`
  seconds one heartbeat line. 410 (a Problem) when the events after `after` are no longer kept.
- `GET /agent/api/subagents`: the Subagents (local, configured, elastic pool members) and their state.
- `GET /agent/api`: overview; `GET /agent/api/health`: 200 while the journal is open; `GET /metrics`.
"""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal
from typing import Any, NamedTuple, Protocol
from urllib.parse import parse_qsl

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from stellwerk.journal.event_log import TORN, EventLog, event_line, heartbeat_line
from stellwerk.model import agent_commands as ac
from stellwerk.model import codec
from stellwerk.model.problems import Problem
from stellwerk.transport.auth import PeerAllowList, problem_body, require_peer

DEFAULT_EVENT_LIMIT = 1000
MAX_EVENT_TIMEOUT = 600.0
NDJSON = "application/x-ndjson"
COMMAND_PATH = "/agent/api/command"
EVENT_PATH = "/agent/api/event"

_command_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(
    ac.AgentCommand | ac.Batch, float_hook=Decimal
)


class AgentEndpoints(Protocol):
    """What the API needs of the service."""

    @property
    def event_log(self) -> EventLog: ...

    @property
    def closing(self) -> asyncio.Event: ...

    async def execute(self, commands: tuple[ac.AgentCommand, ...]) -> list[ac.Response]: ...

    def overview(self) -> dict[str, object]: ...

    def subagents(self) -> dict[str, object]: ...

    def is_healthy(self) -> bool: ...

    def metrics(self) -> tuple[bytes, str]: ...


def agent_app(agent: AgentEndpoints, *, allowed_subjects: tuple[str, ...], insecure: bool) -> ASGIApp:
    routes = [
        Route("/agent/api/health", _health_endpoint(agent), methods=["GET"]),
        Route("/agent/api/health/live", _live, methods=["GET"]),
        Route("/agent/api/health/ready", _health_endpoint(agent), methods=["GET"]),
        Route("/agent/api", _overview_endpoint(agent), methods=["GET"]),
        Route("/agent/api/subagents", _subagents_endpoint(agent), methods=["GET"]),
        Route("/metrics", _metrics_endpoint(agent), methods=["GET"]),
    ]
    app = Starlette(routes=routes, middleware=[require_peer(allowed_subjects, insecure=insecure)])
    return HotRoutes(agent, app, PeerAllowList(app, allowed=allowed_subjects, insecure=insecure))


class HotRoutes:
    """The command and event routes, which the Controller calls for every few orders, straight on ASGI: the
    peer check, the handler, the answer. Starlette's middleware, request and response layers cost as much CPU
    as the handlers themselves. Every other request goes to `app`."""

    def __init__(self, agent: AgentEndpoints, app: ASGIApp, peers: PeerAllowList) -> None:
        self._agent = agent
        self._app = app
        self._peers = peers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = (scope.get("method"), scope.get("path")) if scope["type"] == "http" else None
        if route == ("POST", COMMAND_PATH):
            handle = self._command
        elif route == ("GET", EVENT_PATH):
            handle = self._event
        else:
            await self._app(scope, receive, send)
            return
        refusal = self._peers.refusal(scope)
        if refusal is not None:
            await _answer(send, _Answer(403, problem_body(refusal)))
        else:
            await _answer(send, await handle(scope, receive))

    async def _command(self, scope: Scope, receive: Receive) -> _Answer:
        decoded = decode_command(await _body(receive))
        if isinstance(decoded, Problem):
            return _problem(400, decoded.message)
        if self._agent.closing.is_set():
            return _problem(503, "The Agent is shutting down")
        batch = decoded.commands if isinstance(decoded, ac.Batch) else (decoded,)
        responses = await self._agent.execute(batch)
        answer: ac.Response | ac.BatchResponse = (
            ac.BatchResponse(responses=tuple(responses)) if isinstance(decoded, ac.Batch) else responses[0]
        )
        return _Answer(200, codec.encode(answer))

    async def _event(self, scope: Scope, receive: Receive) -> _Answer:
        query = _event_query(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if isinstance(query, Problem):
            return _problem(400, query.message)
        found = await _wait_unless_closing(self._agent, query, receive)
        if isinstance(found, Problem):
            return _problem(410 if found.message.startswith(TORN) else 400, found.message)
        body = b"".join(event_line(s) for s in found) if found else heartbeat_line(query.after)
        return _Answer(200, body, NDJSON)


class _Answer(NamedTuple):
    status: int
    body: bytes
    content_type: str = "application/json"


def _problem(status: int, message: str) -> _Answer:
    return _Answer(status, problem_body(message))


async def _body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


async def _answer(send: Send, answer: _Answer) -> None:
    headers = [
        (b"content-type", answer.content_type.encode()),
        (b"content-length", str(len(answer.body)).encode()),
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


def problem_response(status: int, message: str) -> Response:
    return Response(problem_body(message), status_code=status, media_type="application/json")


def decode_command(body: bytes) -> ac.AgentCommand | ac.Batch | Problem:
    try:
        decoded: ac.AgentCommand | ac.Batch = _command_decoder.decode(body)
    except msgspec.ValidationError as error:
        return Problem(f"Invalid command: {error}")
    except msgspec.DecodeError as error:
        return Problem(f"Malformed JSON: {error}")
    return decoded


class _EventQuery(msgspec.Struct, frozen=True):
    after: int
    timeout: float = 0.0
    limit: int = DEFAULT_EVENT_LIMIT


def _event_query(pairs: list[tuple[str, str]]) -> _EventQuery | Problem:
    raw = dict(pairs)
    try:
        query = msgspec.convert(raw, _EventQuery, strict=False)
    except msgspec.ValidationError as error:
        return Problem(f"Invalid query: {error}")
    if query.limit < 1 or query.timeout < 0:
        return Problem("Invalid query: limit must be positive and timeout not negative")
    return query


async def _wait_unless_closing(
    agent: AgentEndpoints, query: _EventQuery, receive: Receive
) -> list[Any] | Problem:
    """The events after the query's EventId, or none when the Agent closes or the reader goes away first."""
    timeout = min(query.timeout, MAX_EVENT_TIMEOUT)
    waiting = asyncio.ensure_future(agent.event_log.wait_after(query.after, timeout, query.limit))
    others = [asyncio.ensure_future(agent.closing.wait()), asyncio.ensure_future(_disconnected(receive))]
    try:
        await asyncio.wait([waiting, *others], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in others:
            task.cancel()
        if not waiting.done():
            waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        return await waiting
    return []


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _health_endpoint(agent: AgentEndpoints) -> Any:
    async def health(request: Request) -> Response:
        if agent.is_healthy():
            return Response(b'{"healthy":true}', media_type="application/json")
        return problem_response(503, "The Agent's journal is not open")

    return health


async def _live(request: Request) -> Response:
    """Liveness: the process answers. Readiness (`/health/ready`, also `/health`): its journal is open and its
    tasks run."""
    return Response(b'{"TYPE":"Alive"}', media_type="application/json")


def _overview_endpoint(agent: AgentEndpoints) -> Any:
    async def overview(request: Request) -> Response:
        return Response(msgspec.json.encode(agent.overview()), media_type="application/json")

    return overview


def _subagents_endpoint(agent: AgentEndpoints) -> Any:
    async def subagents(request: Request) -> Response:
        return Response(msgspec.json.encode(agent.subagents()), media_type="application/json")

    return subagents


def _metrics_endpoint(agent: AgentEndpoints) -> Any:
    async def metrics(request: Request) -> Response:
        body, content_type = agent.metrics()
        return Response(body, headers={"Content-Type": content_type})

    return metrics
