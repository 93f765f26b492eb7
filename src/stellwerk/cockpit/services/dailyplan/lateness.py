"""Start lateness of planned orders (actual start − planned start) as a Prometheus histogram, in a registry of its
own. The History calls `observe` where it writes an order's start (with the Controller's `scheduledFor` as the
planned start); a Cockpit `/metrics` endpoint would render `registry`."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from stellwerk.cockpit.services.dailyplan.planning import start_lateness_ms

# Seconds: on time (scheduling within a tick), a little late, late, very late.
BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


class StartLateness:
    """How late orders with a planned start started, by Controller."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._histogram = Histogram(
            "stellwerk_order_start_lateness_seconds",
            "Actual minus planned start of orders with a planned start (early starts count as 0)",
            ["controller_id"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(self, controller_id: str, planned_start_ms: int | None, actual_start_ms: int) -> int | None:
        """Counts one start; answers its lateness in ms (None for an order without a planned start)."""
        lateness = start_lateness_ms(planned_start_ms, actual_start_ms)
        if lateness is not None:
            self._histogram.labels(controller_id).observe(max(lateness, 0) / 1000)
        return lateness

    def render(self) -> bytes:
        return generate_latest(self.registry)
