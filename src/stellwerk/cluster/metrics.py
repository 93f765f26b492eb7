"""A cluster node's figures as Prometheus metrics, read at scrape time: whether it is the active node, the
cluster state as it knows it, how long its peer has been silent, and the fail-overs and switch-overs it has seen
since it started. The active node's `/metrics` includes them beside the Controller's; the passive node, whose
Controller API answers 503, serves them alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from stellwerk.cluster.node import ClusterNode
from stellwerk.cluster.states import ClusterState

CONTENT_TYPE = CONTENT_TYPE_LATEST
_STATE_NAMES = tuple(member.__name__ for member in ClusterState.__args__)


class ClusterCollector(Collector):
    def __init__(self, node: ClusterNode, is_active: Callable[[], bool]) -> None:
        self._node = node
        self._is_active = is_active

    def collect(self) -> Iterator[Metric]:
        node, labels = self._node, [self._node.me]
        active = GaugeMetricFamily(
            "stellwerk_cluster_node_active", "1 while this node is the active one", labels=["node"]
        )
        active.add_metric(labels, 1 if self._is_active() else 0)
        yield active
        state = GaugeMetricFamily(
            "stellwerk_cluster_state", "1 for the cluster state this node knows", labels=["node", "state"]
        )
        current = type(node.state).__name__
        for name in _STATE_NAMES:
            state.add_metric([*labels, name], 1 if name == current else 0)
        yield state
        silence = GaugeMetricFamily(
            "stellwerk_cluster_peer_silence_seconds", "Seconds since the peer was last heard", labels=["node"]
        )
        silence.add_metric(labels, max(0.0, node.now() - node.peer_heard_at))
        yield silence
        for name, count, what in (
            ("failovers", node.failovers, "Fail-overs"),
            ("switchovers", node.switchovers, "Switch-overs"),
        ):
            counter = CounterMetricFamily(
                f"stellwerk_cluster_{name}", f"{what} this node has seen since it started", labels=["node"]
            )
            counter.add_metric(labels, count)
            yield counter


def render_cluster_metrics(node: ClusterNode, is_active: Callable[[], bool]) -> bytes:
    registry = CollectorRegistry()
    registry.register(ClusterCollector(node, is_active))
    return generate_latest(registry)
