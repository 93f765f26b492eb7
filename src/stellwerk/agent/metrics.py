"""Prometheus metrics of one Agent, in a registry of its own (several Agents may run in one process in tests):
orders (all, and by state), job processes running, events persisted, how long jobs ran (a histogram by workflow
and job), and its journal's figures (`journal/metrics.py`). Read from the state at each scrape, but for the job
durations, observed when a job ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from stellwerk.agent.turn import processes_running
from stellwerk.engine.census import orders_by_state
from stellwerk.engine.state import EngineState
from stellwerk.journal.journaled import JournaledState
from stellwerk.journal.metrics import JournalCollector

JOB_SECONDS_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0)


class _AgentCollector(Collector):
    def __init__(self, state: Callable[[], EngineState], events_persisted: Callable[[], int]) -> None:
        self._state = state
        self._events_persisted = events_persisted

    def collect(self) -> Iterator[Metric]:
        state = self._state()
        yield GaugeMetricFamily(
            "stellwerk_agent_orders", "Orders attached to this Agent", value=len(state.orders)
        )
        by_state = GaugeMetricFamily("stellwerk_agent_orders_by_state", "Orders by state", labels=["state"])
        for name, count in sorted(orders_by_state(state).items()):
            by_state.add_metric([name], count)
        yield by_state
        yield GaugeMetricFamily(
            "stellwerk_agent_processes_running", "Job processes running", value=processes_running(state)
        )
        yield CounterMetricFamily(
            "stellwerk_agent_events_persisted", "Events persisted since start", value=self._events_persisted()
        )


class AgentMetrics:
    """The registry of one Agent; `job_ended` is the runner's callback for the job durations."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, journal: JournaledState, events_persisted: Callable[[], int]) -> None:
        self._registry = CollectorRegistry()
        self._registry.register(_AgentCollector(lambda: journal.state, events_persisted))
        self._registry.register(JournalCollector(lambda: journal, "agent"))
        self._job_seconds = Histogram(
            "stellwerk_agent_job_seconds",
            "How long job runs took, from their start to their end",
            ["workflow", "job"],
            buckets=JOB_SECONDS_BUCKETS,
            registry=self._registry,
        )

    def register(self, collector: Collector) -> None:
        """A further collector (a cluster node's)."""
        self._registry.register(collector)

    def job_ended(self, workflow: str, job: str, seconds: float) -> None:
        self._job_seconds.labels(workflow, job).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self._registry)
