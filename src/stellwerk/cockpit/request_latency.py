"""The Cockpit's request latency for `/metrics`: seconds from a request's arrival until its response starts, by
route (its template, so `/ui/order` and not each order) and method. Time to the first byte, so that the
long-lived event streams (SSE) count how fast they answered, not how long they stayed open."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class RequestLatency:
    """The histogram, in a registry of its own (a test may run several Cockpits in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._histogram = Histogram(
            "stellwerk_cockpit_request_seconds",
            "Seconds from a request's arrival until its response started",
            ["route", "method"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(self, route: str, method: str, seconds: float) -> None:
        self._histogram.labels(route, method).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class RequestTiming:
    """ASGI middleware feeding a RequestLatency."""

    def __init__(self, app: ASGIApp, latency: RequestLatency) -> None:
        self.app = app
        self._latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                route = getattr(scope.get("route"), "path", "unmatched")
                self._latency.observe(route, scope["method"], time.perf_counter() - began)
            await send(message)

        await self.app(scope, receive, timed)
