"""A journal's figures as Prometheus metrics, read at scrape time: events and bytes written since start, the
fdatasync latency histogram, and the size of its segment files. Every node's `/metrics` includes them, labelled
with the node's role."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from stellwerk.journal.journaled import JournaledState


class JournalCollector(Collector):
    def __init__(self, journal: Callable[[], JournaledState | None], role: str) -> None:
        self._journal = journal
        self._role = role

    def collect(self) -> Iterator[Metric]:
        journal = self._journal()
        if journal is None:
            return
        statistics = journal.statistics
        labels = ["role"]
        events = CounterMetricFamily(
            "stellwerk_journal_events_written", "Events written since start", labels=labels
        )
        events.add_metric([self._role], statistics.events_written)
        yield events
        written = CounterMetricFamily(
            "stellwerk_journal_written_bytes", "Bytes written since start", labels=labels
        )
        written.add_metric([self._role], statistics.bytes_written)
        yield written
        sync = HistogramMetricFamily("stellwerk_journal_fsync_seconds", "fdatasync of a batch", labels=labels)
        sync.add_metric([self._role], statistics.sync_histogram(), statistics.sync_seconds_sum)
        yield sync
        size = GaugeMetricFamily(
            "stellwerk_journal_size_bytes", "Size of the journal's segment files", labels=labels
        )
        size.add_metric([self._role], journal.size())
        yield size
