"""Start lateness of planned orders (actual start − planned start) as a Prometheus histogram by Controller and
workflow, in a registry of its own. The History calls `observe` for each run it has written the start of (the
Controller's `scheduledFor` as the planned start, the time of its `OrderStarted` as the actual one); the Cockpit's
`/metrics` renders it.

The actual start is the time the Controller journaled `OrderStarted`: for an order that waited at its Agent, this
includes the moment the Controller took to adopt the Agent's event (tens of ms on loopback)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from stellwerk.cockpit.services.dailyplan.planning import start_lateness_ms

# Seconds: on time (within a few ms: the target is p99 <= 50 ms), a little late, late, very late.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


class StartLateness:
    """How late orders with a planned start started, by Controller and workflow (its inventory path)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._histogram = Histogram(
            "stellwerk_order_start_lateness_seconds",
            "Actual minus planned start of orders with a planned start (early starts count as 0)",
            ["controller_id", "workflow"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(
        self, controller_id: str, workflow: str, planned_start_ms: int | None, actual_start_ms: int
    ) -> int | None:
        """Counts one start; answers its lateness in ms (None for an order without a planned start)."""
        lateness = start_lateness_ms(planned_start_ms, actual_start_ms)
        if lateness is not None:
            self._histogram.labels(controller_id, workflow).observe(max(lateness, 0) / 1000)
        return lateness

    def render(self) -> bytes:
        return generate_latest(self.registry)
