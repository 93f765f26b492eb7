"""What each role of a Cockpit runs. The active member: History (writes history, releases events), the Daily
Plan, Cleanup, the Monitor (fed with History's batches), the Cluster Watch of every registered Controller
cluster and, once on becoming active, the restart service. A standby: the read-only followers that keep the
event snapshots and order views current. Both feed the same batch listener, each event once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.services.cleanup.service import CleanupService
from stellwerk.cockpit.services.cluster.follower import Followers
from stellwerk.cockpit.services.dailyplan.service import DailyPlanService
from stellwerk.cockpit.services.history import BatchListener, HistoryServices
from stellwerk.cockpit.services.monitor.service import MonitorService
from stellwerk.cockpit.services.proxy import ClusterWatchFollower
from stellwerk.cockpit.services.restart import restart_service


class CockpitRoles:
    """Starts and stops the services of the roles; `daily_plan`, `cleanup` and `monitor` are the running
    services of the active member (None on a standby)."""

    def __init__(self, cockpit: Cockpit, on_batch: BatchListener) -> None:
        self._cockpit = cockpit
        self._listener = on_batch
        self._fed: dict[str, int] = {}  # the last EventId handed on, per Controller
        self._history: HistoryServices | None = None
        self.daily_plan: DailyPlanService | None = None
        self.cleanup: CleanupService | None = None
        self.monitor: MonitorService | None = None
        self._watches = ClusterWatchFollower(cockpit.proxies.cluster_watches)
        self._restart: asyncio.Task[None] | None = None
        self._followers: Followers | None = None

    def _on_batch(self, controller_id: str, events: Sequence[dict[str, Any]]) -> None:
        """Hands on the events not handed on yet: History begins after the EventId it stored, which may be
        before what a follower handed on before this member became active (and the other way round)."""
        fed = self._fed.get(controller_id, 0)
        fresh = [event for event in events if int(event.get("eventId", 0)) > fed]
        if fresh:
            self._fed[controller_id] = int(fresh[-1]["eventId"])
            self._listener(controller_id, fresh)
            if self.monitor is not None:
                self.monitor.observe(controller_id, fresh)

    async def start_standby(self) -> None:
        self._followers = Followers(self._cockpit.database, self._cockpit.now, self._on_batch)
        self._cockpit.proxies.listen(self._followers)

    async def activate(self) -> None:
        await self._stop_standby()
        self._start_monitor()
        self._start_history()
        self._start_daily_plan()
        self._start_cleanup()
        self._cockpit.proxies.listen(self._watches)
        self._restart = asyncio.create_task(restart_service(self._cockpit), name="restart service")

    async def restart(self, service: str) -> None:
        """Restarts one service of the active member (`history`, `dailyplan`, `cleanup`, `monitor`) or all of
        them (`cluster`)."""
        if service == "history" and self._history is not None:
            await self._stop_history()
            self._start_history()
        elif service == "dailyplan" and self.daily_plan is not None:
            await self._stop_daily_plan()
            self._start_daily_plan()
        elif service == "cleanup" and self.cleanup is not None:
            await self._stop_cleanup()
            self._start_cleanup()
        elif service == "monitor" and self.monitor is not None:
            await self._stop_monitor()
            self._start_monitor()
        elif service == "cluster":
            await self.stop_active()
            await self.activate()

    def took_over_from(self, member: str) -> None:
        """Tells the Monitor that the Cockpit `member` was lost (this one took its services over)."""
        if self.monitor is not None:
            message = (
                f"Cockpit {member} stopped heartbeating; {self._cockpit.config.member} took over its services"
            )
            self.monitor.notify_component_failure("JOC", member, message)

    async def deactivate(self) -> None:
        await self.stop_active()
        await self.start_standby()

    async def stop_active(self) -> None:
        if self._restart is not None:
            self._restart.cancel()
            await asyncio.gather(self._restart, return_exceptions=True)
            self._restart = None
        if self._watches in self._cockpit.proxies.listeners:
            self._cockpit.proxies.unlisten(self._watches)
            self._watches.stop()
        await self._stop_cleanup()
        await self._stop_daily_plan()
        await self._stop_history()
        await self._stop_monitor()

    def _start_history(self) -> None:
        cockpit = self._cockpit
        self._history = HistoryServices(cockpit.database, cockpit.now, self._on_batch, cockpit.start_lateness)
        self._cockpit.proxies.listen(self._history)

    async def _stop_history(self) -> None:
        if self._history is not None:
            self._cockpit.proxies.unlisten(self._history)
            await self._history.close()
            self._history = None

    def _start_daily_plan(self) -> None:
        self.daily_plan = DailyPlanService(self._cockpit)
        self.daily_plan.start()

    async def _stop_daily_plan(self) -> None:
        if self.daily_plan is not None:
            await self.daily_plan.close()
            self.daily_plan = None

    def _start_cleanup(self) -> None:
        self.cleanup = CleanupService(self._cockpit.database, self._cockpit.now)
        self.cleanup.start()

    async def _stop_cleanup(self) -> None:
        if self.cleanup is not None:
            await self.cleanup.close()
            self.cleanup = None

    def _start_monitor(self) -> None:
        self.monitor = MonitorService(self._cockpit, self._cockpit.config.monitor)
        self.monitor.start()

    async def _stop_monitor(self) -> None:
        if self.monitor is not None:
            await self.monitor.close()
            self.monitor = None

    async def close(self) -> None:
        await self.stop_active()
        await self._stop_standby()

    async def _stop_standby(self) -> None:
        if self._followers is not None:
            self._cockpit.proxies.unlisten(self._followers)
            await self._followers.close()
            self._followers = None
