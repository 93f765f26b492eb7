"""What `stellwerk run` tells: events as JSON lines (with JS7-style event ids), and a readable summary."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO

from stellwerk.model import events as e
from stellwerk.model.codec import encode_keyed_event
from stellwerk.model.outcome import Failed, describe
from stellwerk.runner.clock import RunClock

EXIT_FINISHED = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_STUCK = 3
EXIT_TIMEOUT = 4


@dataclass
class EventPrinter:
    """Prints every event; remembers how each top-level order ended."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    clock: RunClock = field(default_factory=RunClock)
    last_event_id: int = 0
    endings: dict[str, str] = field(default_factory=dict)
    failures: set[str] = field(default_factory=set)

    def __call__(self, keyed: e.KeyedEvent) -> None:
        self.last_event_id = max(self.clock.now() * 1000, self.last_event_id + 1)
        self.out.write(encode_keyed_event(keyed, eventId=self.last_event_id).decode() + "\n")
        self._remember(keyed)

    def _remember(self, keyed: e.KeyedEvent) -> None:
        if "|" in keyed.key:
            return
        match keyed.event:
            case e.OrderFinished(outcome=Failed() as outcome):
                self.endings[keyed.key] = f"finished unsuccessfully: {describe(outcome)}"
                self.failures.add(keyed.key)
            case e.OrderFinished():
                self.endings[keyed.key] = "finished"
                self.failures.discard(keyed.key)
            case e.OrderFailed() | e.OrderStopped() | e.OrderBroken() | e.OrderCancelled():
                self.endings[keyed.key] = type(keyed.event).__name__.removeprefix("Order").lower()
                self.failures.add(keyed.key)
            case e.OrderResumed():
                self.endings.pop(keyed.key, None)
                self.failures.discard(keyed.key)
