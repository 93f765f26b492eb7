"""The Controller's Prometheus metrics, read at scrape time from its state and its Agent drivers: orders by state,
the last EventId, each Agent's coupling, and its journal's figures (`journal/metrics.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from stellwerk.engine.census import orders_by_state
from stellwerk.engine.state import EngineState
from stellwerk.journal.journaled import JournaledState
from stellwerk.journal.metrics import JournalCollector


class _ControllerCollector(Collector):
    def __init__(
        self, journal: JournaledState, agents: Callable[[], Mapping[str, Mapping[str, Any]]]
    ) -> None:
        self._journal = journal
        self._agents = agents

    def collect(self) -> Iterator[Metric]:
        state: EngineState = self._journal.state
        yield GaugeMetricFamily(
            "stellwerk_controller_orders", "Orders of the Controller", value=len(state.orders)
        )
        by_state = GaugeMetricFamily(
            "stellwerk_controller_orders_by_state", "Orders by state", labels=["state"]
        )
        for name, count in sorted(orders_by_state(state).items()):
            by_state.add_metric([name], count)
        yield by_state
        yield GaugeMetricFamily(
            "stellwerk_controller_event_id", "The last EventId", value=self._journal.last_event_id
        )
        coupled = GaugeMetricFamily(
            "stellwerk_controller_agent_coupled", "1 while the Agent is coupled", labels=["agent"]
        )
        for agent, overview in sorted(self._agents().items()):
            coupled.add_metric([agent], 1 if overview.get("coupled") else 0)
        yield coupled


class ControllerMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(
        self, journal: JournaledState, agents: Callable[[], Mapping[str, Mapping[str, Any]]]
    ) -> None:
        self._registry = CollectorRegistry()
        self._registry.register(_ControllerCollector(journal, agents))
        self._registry.register(JournalCollector(lambda: journal, "controller"))

    def register(self, collector: Collector) -> None:
        """A further collector (a cluster node's)."""
        self._registry.register(collector)

    def render(self) -> bytes:
        return generate_latest(self._registry)
