"""Prometheus metrics of one Agent, in a registry of its own (several Agents may run in one process in tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from stellwerk.agent.turn import processes_running
from stellwerk.engine.state import EngineState


class _AgentCollector(Collector):
    def __init__(self, state: Callable[[], EngineState], events_persisted: Callable[[], int]) -> None:
        self._state = state
        self._events_persisted = events_persisted

    def collect(self) -> Iterator[Metric]:
        state = self._state()
        yield GaugeMetricFamily(
            "stellwerk_agent_orders", "Orders attached to this Agent", value=len(state.orders)
        )
        yield GaugeMetricFamily(
            "stellwerk_agent_processes_running", "Job processes running", value=processes_running(state)
        )
        yield CounterMetricFamily(
            "stellwerk_agent_events_persisted", "Events persisted since start", value=self._events_persisted()
        )


class AgentMetrics:
    """Read from the state and the loop at each scrape, so nothing is counted on the hot path."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, state: Callable[[], EngineState], events_persisted: Callable[[], int]) -> None:
        self._registry = CollectorRegistry()
        self._registry.register(_AgentCollector(state, events_persisted))

    def render(self) -> bytes:
        return generate_latest(self._registry)
