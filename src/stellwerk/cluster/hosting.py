"""A node of a cluster of two (js7-reference §8), whatever service it runs (a Controller, or an Agent's Director):
one server for the node's whole life, the cluster endpoints (under the service's API prefix) always, the
service's own API only while the node is active.

`run_cluster_node` loops over the node's roles: active — the service on its journal, with the `ActiveRole` as
Replicator — until it hands over (switch-over), is demoted or its journal fails (the service halts); passive —
following the active node's journal — until it is switched over to or fails over. A passive node answers the
service's API with 503 and a problem naming the active node, so that clients try the other URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import msgspec
from prometheus_client.registry import Collector
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stellwerk.cluster.metrics import CONTENT_TYPE as CLUSTER_METRICS_TYPE
from stellwerk.cluster.metrics import ClusterCollector, render_cluster_metrics
from stellwerk.cluster.node import ActiveRole, ClusterNode, PassiveRole, peer_client
from stellwerk.cluster.replication import JournalReplica, JournalSource
from stellwerk.cluster.setting import ClusterSetting
from stellwerk.cluster.states import Coupled, Empty
from stellwerk.cluster.watch_channel import WatchPoll
from stellwerk.journal.replicator import Replicator
from stellwerk.journal.segments import SegmentDirectory
from stellwerk.model import codec
from stellwerk.model.commands import EmergencyStop, Failover, ShutDown, Switchover
from stellwerk.model.problems import Problem
from stellwerk.transport import node_process
from stellwerk.transport.auth import problem_body, require_peer
from stellwerk.transport.server import serve
from stellwerk.transport.tls import client_context, server_context

logger = logging.getLogger(__name__)

T = TypeVar("T")

JSON = "application/json"
METRICS_PATH = "/metrics"
_watch_poll_decoder = msgspec.json.Decoder(WatchPoll)

Mount = Callable[[ASGIApp], AbstractAsyncContextManager[str]]


class ActiveService(Protocol):
    """What the node needs of the service it runs while active."""

    async def until_halted(self) -> None:
        """Raises once the service's journal failed (a full disk): the node must stop acting."""


class StartService(Protocol):
    """Starts the service on the node's journal (e.g. `functools.partial(ControllerService.start, config)`)."""

    def __call__(
        self, *, replicator: Replicator, mount: Mount, collectors: Sequence[Collector]
    ) -> AbstractAsyncContextManager[ActiveService]: ...


class TlsPaths(Protocol):
    @property
    def cert(self) -> Path: ...
    @property
    def key(self) -> Path: ...
    @property
    def ca(self) -> Path: ...


@dataclass(frozen=True)
class NodeSite:
    """Where and how a cluster node serves: `what` names the service in messages ("Controller", "Agent")."""

    what: str
    data_directory: Path
    journal_base: str
    host: str
    port: int
    server_ssl: ssl.SSLContext | None
    client_ssl: ssl.SSLContext | None
    allowed_subjects: tuple[str, ...]
    insecure: bool

    @classmethod
    def of(
        cls,
        what: str,
        where: tuple[Path, str, str, int],
        tls: TlsPaths | None,
        allowed_subjects: tuple[str, ...],
        insecure: bool,
    ) -> NodeSite:
        """`where`: the data directory, the journal's base name, the host and the port to listen on."""
        data_directory, journal_base, host, port = where
        return cls(
            what=what,
            data_directory=data_directory,
            journal_base=journal_base,
            host=host,
            port=port,
            server_ssl=None if tls is None else server_context(tls.cert, tls.key, tls.ca),
            client_ssl=None if tls is None else client_context(tls.cert, tls.key, tls.ca),
            allowed_subjects=allowed_subjects,
            insecure=insecure,
        )


class _Typed(msgspec.Struct):
    type: str = msgspec.field(default="", name="TYPE")


class NodeHost:
    """The node's ASGI app: cluster routes, and the active service's app when there is one."""

    def __init__(self, site: NodeSite, setting: ClusterSetting, node: ClusterNode) -> None:
        self.node = node
        self.what = site.what
        self.service_app: ASGIApp | None = None
        self.source: JournalSource | None = None
        self.active: ActiveRole | None = None
        self.url = ""
        self._stopping: asyncio.Task[None] | None = None  # a stop waiting for the hand-over
        self._unmounted = asyncio.Event()  # set while the service does not run here
        allowed = (*site.allowed_subjects, *setting.peer_subjects)
        self._cluster_prefix = setting.cluster_path
        self._command_path = f"{setting.api}/command"
        self._live_path = f"{setting.api}/health/live"
        routes = [
            Route(self._cluster_prefix, self.cluster_state),
            Route(f"{self._cluster_prefix}/journal", self.journal),
            Route(f"{self._cluster_prefix}/watch", self.watch, methods=["POST"]),
            Route(self._command_path, self.command, methods=["POST"]),
            Route(self._live_path, self.live),
            Route(METRICS_PATH, self.metrics),
        ]
        self._cluster_app = Starlette(
            routes=routes, middleware=[require_peer(allowed, insecure=site.insecure)]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        passive_metrics = path == METRICS_PATH and self.service_app is None
        cluster_path = path.startswith(self._cluster_prefix) or path == self._live_path
        if scope["type"] == "lifespan" or cluster_path or passive_metrics:
            await self._cluster_app(scope, receive, send)
        elif path == self._command_path and scope.get("method") == "POST":
            body, replay = await _buffered(receive)
            if self._is_node_command(body):
                await self._cluster_app(scope, replay, send)
            else:
                await self._to_controller(scope, replay, send)
        else:
            await self._to_controller(scope, receive, send)

    async def _to_controller(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.service_app
        if app is None:
            state = self.node.state
            active = "" if isinstance(state, Empty) else f" (the active node is {state.active})"
            await Response(
                problem_body(f"This {self.what} is the passive cluster node{active}"), 503, media_type=JSON
            )(scope, receive, send)
        else:
            await app(scope, receive, send)

    async def live(self, request: Request) -> Response:
        """Liveness of either node; readiness (`/health/ready`) is the service's, so a passive node is not
        ready (503) and a load balancer sends the API calls to the active one."""
        body = {"TYPE": "Alive", "clusterNodeId": self.node.me, "active": self.service_app is not None}
        return Response(codec.encode(body), media_type=JSON)

    async def metrics(self, request: Request) -> Response:
        """The passive node's metrics: the cluster's alone (the active node's come with the service's)."""
        body = render_cluster_metrics(self.node, lambda: self.service_app is not None)
        return Response(body, media_type=CLUSTER_METRICS_TYPE)

    async def cluster_state(self, request: Request) -> Response:
        return Response(codec.encode(self.node.state), media_type=JSON)

    async def journal(self, request: Request) -> Response:
        source = self.source
        if source is None:
            return Response(problem_body("This node is not the active cluster node"), 503, media_type=JSON)
        try:
            position = (int(request.query_params["file"]), int(request.query_params["position"]))
            timeout = min(float(request.query_params.get("timeout", "1")), 60.0)
        except (KeyError, ValueError):
            return Response(
                problem_body("file, position (integers) and timeout expected"), 400, media_type=JSON
            )
        chunk = await source.read(position, timeout, request.query_params.get("header", ""))
        return Response(msgspec.json.encode(chunk), media_type=JSON)

    async def watch(self, request: Request) -> Response:
        try:
            poll = _watch_poll_decoder.decode(await request.body())
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            return Response(problem_body(f"Malformed watch poll: {error}"), 400, media_type=JSON)
        pending = await self.node.channel.poll(poll)
        return Response(msgspec.json.encode(pending), media_type=JSON)

    def _is_node_command(self, body: bytes) -> bool:
        """A command for the node rather than its service: a switch-over, a stop that switches over first, and
        any stop of a passive node (whose service does not run)."""
        kind = _command_type(body)
        if kind == "ClusterSwitchOver":
            return True
        if kind not in ("ShutDown", "EmergencyStop"):
            return False
        return self.service_app is None or _switches_over(_stop_command(body))

    async def command(self, request: Request) -> Response:
        body = await request.body()
        if _command_type(body) == "ClusterSwitchOver":
            return self._switch_over() or _accepted()
        command = _stop_command(body)
        if isinstance(command, Problem):
            return Response(problem_body(command.message), 400, media_type=JSON)
        if _switches_over(command) and self.service_app is not None:
            if refused := self._switch_over():
                return refused
            self._stopping = asyncio.create_task(self._stop_after_hand_over(command.restart))
        elif isinstance(command, EmergencyStop) or isinstance(command.cluster_action, Failover):
            node_process.abort_soon(restart=command.restart)
        else:
            node_process.stop_soon(restart=command.restart)
        logger.info("Cluster node %s: %s requested", self.node.me, type(command).__name__)
        return _accepted()

    def _switch_over(self) -> Response | None:
        """ClusterSwitchOver: the active, coupled node hands over to its passive; a refusal, or None."""
        active = self.active
        if active is None or self.service_app is None:
            return Response(problem_body("This node is not the active cluster node"), 400, media_type=JSON)
        if not isinstance(self.node.state, Coupled):
            return Response(problem_body("ClusterSwitchOver needs a coupled cluster"), 400, media_type=JSON)
        active.switch_over_requested.set()
        return None

    async def _stop_after_hand_over(self, restart: bool) -> None:
        await self._unmounted.wait()
        node_process.stop_soon(restart=restart)

    @contextlib.asynccontextmanager
    async def mount(self, app: ASGIApp) -> AsyncIterator[str]:
        self.service_app = app
        self._unmounted.clear()
        try:
            yield self.url
        finally:
            self.service_app = None
            self._unmounted.set()


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The request body, and a `receive` that gives it again."""
    parts, more = [], True
    while more:
        message = await receive()
        parts.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(parts)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


_stop_decoder = msgspec.json.Decoder(ShutDown | EmergencyStop)


def _stop_command(body: bytes) -> ShutDown | EmergencyStop | Problem:
    try:
        command: ShutDown | EmergencyStop = _stop_decoder.decode(body)
        return command
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        return Problem(f"Malformed command: {error}")


def _switches_over(command: ShutDown | EmergencyStop | Problem) -> bool:
    return isinstance(command, ShutDown) and isinstance(command.cluster_action, Switchover)


def _accepted() -> Response:
    return Response(codec.encode({"TYPE": "Accepted"}), media_type=JSON)


def _command_type(body: bytes) -> str:
    try:
        return msgspec.json.decode(body, type=_Typed).type
    except (msgspec.DecodeError, msgspec.ValidationError):
        return ""


async def run_cluster_node(
    setting: ClusterSetting,
    site: NodeSite,
    start_service: StartService,
    stop: asyncio.Event,
    on_listening: Callable[[str], None] = lambda _: None,
    on_active: Callable[[ActiveService | None], Awaitable[None]] | None = None,
) -> None:
    """Runs the node until `stop` is set. `on_active` is called with each service the node starts, and with
    None when it stops being active."""
    site.data_directory.mkdir(parents=True, exist_ok=True)
    node = ClusterNode(setting, site.data_directory)
    host = NodeHost(site, setting, node)
    segments = SegmentDirectory(site.data_directory, site.journal_base)
    async with (
        serve(host, site.host, site.port, tls=site.server_ssl, insecure=site.server_ssl is None) as server,
        peer_client(setting, site.client_ssl) as peer,
    ):
        host.url = server.url
        on_listening(server.url)
        while not stop.is_set():
            if node.wants_active() and await _until_stopped(node.fence(peer), stop):
                await _be_active(start_service, node, host, segments, stop, on_active)
            elif not stop.is_set():
                host.source, host.active = None, None
                role = PassiveRole(node, JournalReplica(segments), peer)
                reason = await _until_stopped(role.run(), stop)
                if reason:
                    logger.info("Cluster node %s becomes active: %s", setting.node_id, reason)


async def _be_active(
    start_service: StartService,
    node: ClusterNode,
    host: NodeHost,
    segments: SegmentDirectory,
    stop: asyncio.Event,
    on_active: Callable[[ActiveService | None], Awaitable[None]] | None,
) -> None:
    role = ActiveRole(node, segments)
    host.source, host.active = role.source, role
    collector = ClusterCollector(node, lambda: host.service_app is not None)
    async with start_service(replicator=role.source, mount=host.mount, collectors=(collector,)) as service:
        logger.info("Cluster node %s is active", node.me)
        if on_active is not None:
            await on_active(service)
        reason = await _until_stopped(_unless_halted(role.run(), service), stop)
        if on_active is not None:
            await on_active(None)
    logger.info("Cluster node %s is no longer active: %s", node.me, reason or "stopped")
    if reason == "switch-over":
        await role.hand_over()
    elif reason is None:
        await role.shut_down()


async def _unless_halted(work: Awaitable[T], service: ActiveService) -> T:
    """The result of `work`; raises the service's halt when its journal fails first: the node stops
    acting (no more heartbeats), so the passive node fails over."""
    task, halted = asyncio.ensure_future(work), asyncio.ensure_future(service.until_halted())
    try:
        await asyncio.wait([task, halted], return_when=asyncio.FIRST_COMPLETED)
        return task.result() if task.done() else halted.result()  # type: ignore[return-value]
    finally:
        for pending in (task, halted):
            pending.cancel()
        await asyncio.gather(task, halted, return_exceptions=True)


async def _until_stopped(work: Awaitable[T], stop: asyncio.Event) -> T | None:
    """The result of `work`, or None when `stop` is set first (the work is cancelled)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([task, stopped], return_when=asyncio.FIRST_COMPLETED)
        return task.result() if task.done() else None
    finally:
        for pending in (task, stopped):
            pending.cancel()
        await asyncio.gather(task, stopped, return_exceptions=True)
