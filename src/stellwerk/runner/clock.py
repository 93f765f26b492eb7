"""The run's clock: real time, which `--skip-time` may move forward when everybody only waits."""

from __future__ import annotations

import time


class RunClock:
    def __init__(self) -> None:
        self._offset_ms = 0

    def now(self) -> int:
        return int(time.time() * 1000) + self._offset_ms

    def skip_to(self, instant_ms: int) -> None:
        gap = instant_ms - self.now()
        if gap > 0:
            self._offset_ms += gap

    def seconds_until(self, instant_ms: int) -> float:
        return max(0.0, (instant_ms - self.now()) / 1000)
