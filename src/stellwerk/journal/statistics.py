"""What a journal's writer has done since start, for `/metrics`: events and bytes written, and how long each
fdatasync took (cumulative buckets, as Prometheus histograms count). Plain counters on the writer's path; the
metrics collector reads them at scrape time."""

from __future__ import annotations

from bisect import bisect_left

# Upper bounds in seconds: fast disks sync in 0.1-0.5 ms, a busy or networked one in tens of milliseconds.
SYNC_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class JournalStatistics:
    def __init__(self) -> None:
        self.events_written = 0
        self.bytes_written = 0
        self.batches_written = 0
        self.sync_count = 0
        self.sync_seconds_sum = 0.0
        self._sync_buckets = [0] * (len(SYNC_BUCKETS) + 1)  # the last one: above every bound

    def synced(self, seconds: float) -> None:
        self.sync_count += 1
        self.sync_seconds_sum += seconds
        self._sync_buckets[bisect_left(SYNC_BUCKETS, seconds)] += 1

    def written(self, events: int, size: int) -> None:
        self.events_written += events
        self.bytes_written += size
        self.batches_written += 1

    def sync_histogram(self) -> list[tuple[str, int]]:
        """Cumulative counts per upper bound, `+Inf` last (Prometheus' form)."""
        found: list[tuple[str, int]] = []
        total = 0
        for bound, count in zip((*map(str, SYNC_BUCKETS), "+Inf"), self._sync_buckets, strict=True):
            total += count
            found.append((bound, total))
        return found
