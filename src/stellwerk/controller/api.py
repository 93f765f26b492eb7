"""The Controller's HTTP API under `/controller/api` (Starlette; mutual TLS with an allow-list of client
subjects). Bodies are engine JSON; a malformed body is a 400 problem naming the JSON path; a rejected command
changes nothing. The event endpoint long-polls (stamped events as ndjson, or one heartbeat line), or streams for
a reader that accepts application/x-ndjson (event_stream.py). Item updates
may carry signed items, which must be signed when the Controller trusts signing certificates (signed_items.py).
`/session` logs clients in and out (sessions.py); a request carrying a session token needs a valid one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route

from stellwerk.controller.config import ControllerConfig
from stellwerk.controller.core import Accepted, CommandResponse, ControllerCore
from stellwerk.controller.event_stream import (
    EVENT_LIMIT,
    NDJSON,
    event_query,
    long_poll,
    stream,
    wants_stream,
)
from stellwerk.controller.items import UpdateItems
from stellwerk.controller.metrics import ControllerMetrics
from stellwerk.controller.sessions import Logout, SessionCheck, SessionCommand, Sessions, identity_of
from stellwerk.controller.signed_items import UpdateItemsRequest, load_trusted_certificates, verified_update
from stellwerk.engine.obstacles import typed_obstacles
from stellwerk.engine.state import EngineState, LockState
from stellwerk.journal.event_log import TORN, EventLog
from stellwerk.journal.writer import JournalStopped
from stellwerk.model import codec
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model.order import NoticeId
from stellwerk.model.problems import Problem
from stellwerk.transport.auth import problem_body
from stellwerk.transport.tls import peer_of

JSON = "application/json"
JOURNAL_BASE = "controller"


class ReleaseEvents(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="ReleaseEvents"):
    """The Cockpit's command: it has what it needs of the Controller's events up to this id."""

    until_event_id: int = msgspec.field(name="untilEventId")


class _Typed(msgspec.Struct):
    type: str = msgspec.field(default="", name="TYPE")


class ControllerEndpoints(Protocol):
    """What the API needs of the service besides the core."""

    @property
    def config(self) -> ControllerConfig: ...

    def overview(self) -> dict[str, Any]: ...

    async def execute(self, command: c.Command) -> CommandResponse | Problem:
        """An order, notice or Agent command (the core's, after the service's own checks)."""
        ...

    async def update_items(self, update: UpdateItems) -> list[e.KeyedEvent] | Problem:
        """Applies the items (all or none) and starts driving new Agents."""
        ...

    async def agent_subagents(self, agent_path: str) -> dict[str, Any] | Problem | None:
        """The Agent's listing of its Subagents and pool members; None for an unknown Agent."""
        ...

    async def switch_over_agent(self, agent_path: str) -> Problem | None:
        """Asks a cluster Agent's active Director to hand over to its passive one."""
        ...

    def confirm_agent_node_loss(self, agent_path: str, lost_node: str, confirmer: str) -> Problem | None:
        """An operator's confirmation that a cluster Agent's Director is down (this Controller is its watch)."""
        ...


_typed_decoder = msgspec.json.Decoder(_Typed)
_command_decoder = msgspec.json.Decoder(c.Command)
_release_decoder = msgspec.json.Decoder(ReleaseEvents)
_items_decoder = msgspec.json.Decoder(UpdateItemsRequest)
_session_decoder = msgspec.json.Decoder(SessionCommand)


def json_response(value: Any, status: int = 200) -> Response:
    return Response(codec.encode(value), status, media_type=JSON)


def problem_response(message: str, status: int = 400) -> Response:
    return Response(problem_body(message), status, media_type=JSON)


class ControllerApi:
    """The routes; `stopping` ends waiting event requests when the service stops."""

    def __init__(
        self,
        core: ControllerCore,
        service: ControllerEndpoints,
        *,
        event_readers: tuple[str, ...],
        middleware: list[Middleware],
        stopping: asyncio.Event,
    ) -> None:
        self.core = core
        self._service = service
        self._trusted = load_trusted_certificates(service.config.trusted_certificates)
        # The journal's files too: after a restart the stream in memory begins with the restart.
        self._events = EventLog(core.journal, service.config.data_directory, JOURNAL_BASE)
        self._event_readers = frozenset(event_readers)
        self._stopping = stopping
        self.sessions = Sessions(core.clock)
        self.metrics_registry = ControllerMetrics(core.journal, lambda: service.overview()["agents"])
        base = "/controller/api"
        routes = [
            Route(base, self.overview),
            Route(f"{base}/health", self.health),
            Route(f"{base}/log", self.log),
            Route(f"{base}/health/live", self.live),
            Route(f"{base}/health/ready", self.ready),
            Route(f"{base}/session", self.session, methods=["POST"]),
            Route(f"{base}/command", self.command, methods=["POST"]),
            Route(f"{base}/event", self.events),
            Route(f"{base}/order", self.orders),
            Route(f"{base}/obstacles", self.obstacles),
            Route(f"{base}/order/{{order_id:path}}", self.order),
            Route(f"{base}/lock", self.locks),
            Route(f"{base}/notice", self.notices),
            Route(f"{base}/item", self.items, methods=["GET"]),
            Route(f"{base}/item", self.update_items, methods=["POST"]),
            Route(f"{base}/agent/{{agent_path}}/subagents", self.agent_subagents),
            Route(
                f"{base}/agent/{{agent_path}}/cluster/switchover", self.switch_over_agent, methods=["POST"]
            ),
            Route(
                f"{base}/agent/{{agent_path}}/cluster/confirm-node-loss",
                self.confirm_agent_node_loss,
                methods=["POST"],
            ),
            Route("/metrics", self.metrics),
        ]
        checked = Middleware(SessionCheck, sessions=self.sessions, session_path=f"{base}/session")
        self.app = Starlette(
            routes=routes,
            middleware=[*middleware, checked],
            exception_handlers={JournalStopped: _journal_stopped},
        )

    async def overview(self, request: Request) -> Response:
        return json_response(self._service.overview())

    async def log(self, request: Request) -> Response:
        """The node's log file (`--log-file`) as text, for the Cockpit's download."""
        path = self._service.config.log_file
        if path is None or not path.is_file():
            return problem_response("This Controller writes no log file (start it with --log-file)", 404)
        return FileResponse(path, media_type="text/plain; charset=utf-8")

    async def health(self, request: Request) -> Response:
        return json_response({"TYPE": "Healthy", "eventId": self.core.journal.last_event_id})

    async def live(self, request: Request) -> Response:
        """Liveness: the process answers (a passive cluster node answers this too, see cluster_node)."""
        return json_response({"TYPE": "Alive"})

    async def ready(self, request: Request) -> Response:
        """Readiness: this node serves the Controller's API (it is running and, in a cluster, active)."""
        if self._stopping.is_set():
            return problem_response("The Controller is stopping", 503)
        return json_response({"TYPE": "Ready", "eventId": self.core.journal.last_event_id})

    async def session(self, request: Request) -> Response:
        try:
            command = _session_decoder.decode(await request.body())
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            return problem_response(f"Malformed session command: {error}")
        if isinstance(command, Logout):
            self.sessions.logout(command.session_token)
            return json_response(Accepted())
        logged_in = self.sessions.login(identity_of(request.scope), command)
        if isinstance(logged_in, Problem):
            return problem_response(logged_in.message, 403)
        return json_response(logged_in)

    async def command(self, request: Request) -> Response:
        body = await request.body()
        try:
            if _typed_decoder.decode(body).type == "ReleaseEvents":
                return await self._release(request, _release_decoder.decode(body))
            command = _command_decoder.decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            return problem_response(f"Malformed command: {error}")
        result = await self._service.execute(command)
        if isinstance(result, Problem):
            return problem_response(result.message)
        return json_response(result)

    async def _release(self, request: Request, command: ReleaseEvents) -> Response:
        peer = peer_of(request.scope)
        user = peer.common_name if peer is not None else None
        if user is None or user not in self._event_readers:
            return problem_response(f"{user or 'This client'} is not a registered event reader", 403)
        problem = await self.core.release_events(user, command.until_event_id)
        return problem_response(problem.message) if problem else json_response(Accepted())

    async def events(self, request: Request) -> Response:
        query = event_query(dict(request.query_params))
        if isinstance(query, Problem):
            return problem_response(query.message)
        if wants_stream(request.headers.get("accept", "")):
            first = await self._events.after(query.after, query.limit or EVENT_LIMIT)
            if isinstance(first, Problem):
                return _event_problem(first)
            lines = stream(self._events, query, first, self._stopping)
            return StreamingResponse(lines, media_type=NDJSON)
        found = await long_poll(self._events, query, self._stopping)
        if isinstance(found, Problem):
            return _event_problem(found)
        return Response(found, media_type=NDJSON)

    async def orders(self, request: Request) -> Response:
        wanted = request.query_params.get("id")
        orders = self.core.state.orders
        if wanted is not None:
            return json_response([orders[wanted]] if wanted in orders else [])
        if (
            request.query_params.get("snapshot") == "true"
        ):  # the orders as of an EventId, to follow events after
            event_id = self.core.journal.committed_event_id
            return json_response({"eventId": event_id, "orders": list(orders.values())})
        return json_response(list(orders.values()))

    async def order(self, request: Request) -> Response:
        order_id = request.path_params["order_id"]
        order = self.core.state.orders.get(order_id)
        return json_response(order) if order else problem_response(f"Unknown Order:{order_id}", 404)

    async def obstacles(self, request: Request) -> Response:
        """`GET /controller/api/obstacles?orderId=…`: JS7's obstacles of the order (engine/obstacles.py)."""
        order_id = request.query_params.get("orderId")
        if not order_id:
            return problem_response("orderId (query parameter) expected")
        found = typed_obstacles(self.core.state, order_id)
        if found is None:
            return problem_response(f"Unknown Order:{order_id}", 404)
        return json_response({"orderId": order_id, "obstacles": found})

    async def items(self, request: Request) -> Response:
        return json_response(all_items(self.core))

    async def locks(self, request: Request) -> Response:
        """`GET /controller/api/lock`: every deployed lock with its holders (order id → count, null when exclusive)
        and its FIFO queue of waiting orders."""
        return json_response(lock_states(self.core.state))

    async def notices(self, request: Request) -> Response:
        """`GET /controller/api/notice`: every notice posted, announced or expected, with its state and the orders
        expecting it."""
        return json_response(notice_states(self.core.state))

    async def update_items(self, request: Request) -> Response:
        try:
            requested = _items_decoder.decode(await request.body())
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            return problem_response(f"Malformed UpdateItems: {error}")
        now = datetime.fromtimestamp(self.core.clock() / 1000, UTC)
        update = verified_update(requested, self._trusted, now)
        if isinstance(update, Problem):
            return problem_response(update.message)
        result = await self._service.update_items(update)
        if isinstance(result, Problem):
            return problem_response(result.message)
        return json_response(Accepted())

    async def agent_subagents(self, request: Request) -> Response:
        agent_path = request.path_params["agent_path"]
        found = await self._service.agent_subagents(agent_path)
        if found is None:
            return problem_response(f"Unknown Agent:{agent_path}", 404)
        if isinstance(found, Problem):
            return problem_response(found.message, 503)
        return json_response(found)

    async def switch_over_agent(self, request: Request) -> Response:
        problem = await self._service.switch_over_agent(request.path_params["agent_path"])
        return _accepted_or(problem)

    async def confirm_agent_node_loss(self, request: Request) -> Response:
        try:
            body = _node_loss_decoder.decode(await request.body())
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            return problem_response(f"Malformed confirmation: {error}", 400)
        agent_path = request.path_params["agent_path"]
        problem = self._service.confirm_agent_node_loss(agent_path, body.lost_node_id, body.confirmer)
        return _accepted_or(problem)

    async def metrics(self, request: Request) -> Response:
        return Response(self.metrics_registry.render(), media_type=self.metrics_registry.content_type)


class NodeLossConfirmation(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`lostNodeId` "" confirms the loss the watch refused last."""

    lost_node_id: str = msgspec.field(default="", name="lostNodeId")
    confirmer: str


_node_loss_decoder = msgspec.json.Decoder(NodeLossConfirmation)


def _accepted_or(problem: Problem | None) -> Response:
    if problem is None:
        return json_response({"TYPE": "Accepted"})
    return problem_response(problem.message, 404 if problem.message.startswith("Unknown Agent") else 400)


async def _journal_stopped(request: Request, error: Exception) -> Response:
    """The journal failed (a full disk): nothing was accepted, and the Controller halts; a client tries again
    later, at this node or the other one of a cluster."""
    return problem_response(f"Nothing was accepted: {error}", 503)


def _event_problem(problem: Problem) -> Response:
    return problem_response(problem.message, 410 if problem.message.startswith(TORN) else 400)


def lock_states(state: EngineState) -> list[dict[str, Any]]:
    """The locks with what holds them and who waits, in the order they were deployed."""
    found = []
    for path, lock in state.locks.items():
        held = state.lock_states.get(path) or LockState()
        found.append({"path": path, "limit": lock.limit, "holders": held.holders, "queue": held.queue})
    return found


def notice_states(state: EngineState) -> list[dict[str, Any]]:
    """`noticeId` (engine JSON), `state` (POSTED, ANNOUNCED or EXPECTED), `endOfLife` when it has one, and the ids
    of the orders `expecting` it."""
    found = []
    for notice_id in sorted({*state.notices, *state.announced, *state.expecting}):
        notice = state.notices.get(notice_id)
        row: dict[str, Any] = {"noticeId": list(notice_id), "state": _notice_state(state, notice_id)}
        if notice is not None and notice.end_of_life is not None:
            row["endOfLife"] = notice.end_of_life
        row["expecting"] = sorted(state.expecting.get(notice_id, ()))
        found.append(row)
    return found


def _notice_state(state: EngineState, notice_id: NoticeId) -> str:
    if notice_id in state.notices:
        return "POSTED"
    return "ANNOUNCED" if notice_id in state.announced else "EXPECTED"


def all_items(core: ControllerCore) -> list[Any]:
    """Every item the Controller has: workflow versions first, then the simple items by kind."""
    state = core.state
    registries: list[Iterable[Any]] = [
        state.workflows.values(),
        state.agent_refs.values(),
        state.subagent_items.values(),
        state.subagent_bundles.values(),
        state.locks.values(),
        state.boards.values(),
        state.job_resources.values(),
        state.calendars.values(),
        state.file_watches.values(),
        state.plan_schemas.values(),
        state.workflow_path_controls.values(),
        state.workflow_controls.values(),
    ]
    return [item for registry in registries for item in registry]
