"""The Subagent's HTTP API, for Directors; every route behind the peer allow-list (mutual TLS).

- `GET /subagent/api`: overview (id, uri, pool, processCount, draining, CPU load, memory sizes).
- `POST /subagent/api/process`: a ProcessRequest → NDJSON process lines (runner/remote.py); 503 while draining,
  409 when the order has a process here already; 400 for a body that is no ProcessRequest.
- `POST /subagent/api/process/kill`: a KillRequest → 200, or 404 when no such process runs.
- `POST /subagent/api/enrol`: `{"pool", "token"}` → 200 with the overview when this Subagent is a member of the
  pool and the token is the pool's; else 403 (503 while draining: a draining member does not join again).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from stellwerk.runner.remote import KILL_PATH, PROCESS_PATH, KillRequest, decode_request, encode_line
from stellwerk.transport.auth import problem_body, require_peer

if TYPE_CHECKING:
    from stellwerk.agent.subagent.service import SubagentService

OVERVIEW_PATH = "/subagent/api"
ENROL_PATH = "/subagent/api/enrol"
NDJSON = "application/x-ndjson"


class Enrolment(msgspec.Struct, frozen=True, kw_only=True):
    pool: str
    token: str


def subagent_app(subagent: SubagentService, *, allowed_subjects: tuple[str, ...], insecure: bool) -> ASGIApp:
    async def overview(_: Request) -> Response:
        return JSONResponse(subagent.overview())

    async def process(request: Request) -> Response:
        try:
            wanted = decode_request(await request.body())
        except msgspec.DecodeError as error:
            return _problem(400, f"Not a process request: {error}")
        if subagent.draining:
            return _problem(503, "The Subagent is draining and takes no new process")
        if wanted.order_id in subagent.running_orders:
            return _problem(409, f"Order '{wanted.order_id}' has a process here already")

        async def lines() -> AsyncIterator[bytes]:
            async for line in subagent.run(wanted):
                yield encode_line(line)

        return StreamingResponse(lines(), media_type=NDJSON)

    async def kill(request: Request) -> Response:
        try:
            wanted = msgspec.json.decode(await request.body(), type=KillRequest)
        except msgspec.DecodeError as error:
            return _problem(400, f"Not a kill request: {error}")
        if not subagent.kill(wanted.order_id, wanted.immediately):
            return _problem(404, f"No process of order '{wanted.order_id}' runs here")
        return JSONResponse({})

    async def enrol(request: Request) -> Response:
        try:
            wanted = msgspec.json.decode(await request.body(), type=Enrolment)
        except msgspec.DecodeError as error:
            return _problem(400, f"Not an enrolment: {error}")
        if subagent.draining:
            return _problem(503, "The Subagent is draining")
        if not subagent.admits(wanted.pool, wanted.token):
            return _problem(403, "Not a member of that pool, or a wrong enrolment token")
        return JSONResponse(subagent.overview())

    routes = [
        Route(OVERVIEW_PATH, overview, methods=["GET"]),
        Route(PROCESS_PATH, process, methods=["POST"]),
        Route(KILL_PATH, kill, methods=["POST"]),
        Route(ENROL_PATH, enrol, methods=["POST"]),
    ]
    return Starlette(routes=routes, middleware=[require_peer(allowed_subjects, insecure=insecure)])


def _problem(status: int, message: str) -> Response:
    return Response(problem_body(message), status_code=status, media_type="application/json")
