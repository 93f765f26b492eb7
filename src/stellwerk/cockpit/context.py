"""The Cockpit's shared handles: its settings, its database, the Controllers it talks to, the clock, the order
views, the start lateness and request latency metrics. Routers get it with the `CockpitDep` dependency."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from stellwerk.cockpit.config import CockpitConfig
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.request_latency import RequestLatency
from stellwerk.cockpit.services.dailyplan.lateness import StartLateness
from stellwerk.cockpit.services.order_view import OrderViews
from stellwerk.cockpit.services.proxy import Proxies


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Cockpit:
    config: CockpitConfig
    database: Database
    proxies: Proxies
    clock: Callable[[], int] = field(default=wall_clock_ms)
    order_views: OrderViews = field(default_factory=OrderViews)
    start_lateness: StartLateness = field(default_factory=StartLateness)
    request_latency: RequestLatency = field(default_factory=RequestLatency)

    def now(self) -> int:
        """Milliseconds since the epoch."""
        return self.clock()


def _cockpit(request: Request) -> Cockpit:
    cockpit: Cockpit = request.app.state.cockpit
    return cockpit


CockpitDep = Annotated[Cockpit, Depends(_cockpit)]
