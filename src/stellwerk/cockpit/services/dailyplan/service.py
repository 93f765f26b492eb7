"""The Daily Plan service: started with the Cockpit, it runs once at start-up and then every day at the
configured start time; each run plans the automatically planned schedules' orders of the next days for every
registered Controller and submits those of the first days (see `settings`). `run_once` is the run on demand."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import date

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import DailyPlanOrderState
from stellwerk.cockpit.db.repositories.settings import SettingsRepository
from stellwerk.cockpit.errors import JocError
from stellwerk.cockpit.services.dailyplan import orders as plan
from stellwerk.cockpit.services.dailyplan import store
from stellwerk.cockpit.services.dailyplan.selection import PlanSelection
from stellwerk.cockpit.services.dailyplan.settings import (
    CALENDAR_PATH,
    SECTION,
    PlanSettings,
    daily_plan_calendar,
    next_run_ms,
    plan_settings,
    run_dates,
)
from stellwerk.model.problems import Problem

logger = logging.getLogger(__name__)
ACCOUNT = "DailyPlan"
SUBMIT_BATCH = 100  # orders per AddOrders and transaction of a run


class RunReport(msgspec.Struct, frozen=True):
    planned: int
    submitted: int


class DailyPlanService:
    """The background task; `close` stops it. While it waits for the start time it reads the settings again every
    `recheck_seconds`, so that a changed start time counts without a restart (as in JOC); `runs` counts its runs."""

    def __init__(self, cockpit: Cockpit, recheck_seconds: float = 60.0) -> None:
        self._cockpit = cockpit
        self._recheck_ms = int(recheck_seconds * 1000)
        self._task: asyncio.Task[None] | None = None
        self.runs = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run_daily(), name="daily plan")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run_daily(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                logger.exception("The Daily Plan run failed; the next one is at the next start time")
            self.runs += 1
            await self._until_start_time()

    async def _until_start_time(self) -> None:
        settings = await self.settings()
        due = next_run_ms(settings, self._cockpit.now())
        while (now := self._cockpit.now()) < due:
            await asyncio.sleep(max(min(due - now, self._recheck_ms), 1) / 1000)
            changed = await self.settings()
            if changed != settings:
                settings, due = changed, next_run_ms(changed, self._cockpit.now())

    async def settings(self) -> PlanSettings:
        async with self._cockpit.database.session() as db:
            stored = await SettingsRepository(db).section(SECTION)
        settings = plan_settings(stored)
        if isinstance(settings, Problem):
            logger.error("%s; the Daily Plan uses its defaults", settings.message)
            return PlanSettings()
        return settings

    async def run_once(self, controller_ids: Sequence[str] | None = None) -> RunReport:
        """Plans and submits as a daily run does, now, for the Controllers (all registered ones by default)."""
        settings = await self.settings()
        now = self._cockpit.now()
        plan_dates, submit_dates = run_dates(settings, now)
        planned = submitted = 0
        for controller_id in self._cockpit.proxies.ids() if controller_ids is None else controller_ids:
            added, sent = await self._run_for(controller_id, settings, plan_dates, submit_dates, now)
            planned, submitted = planned + added, submitted + sent
        return RunReport(planned, submitted)

    async def _run_for(
        self,
        controller_id: str,
        settings: PlanSettings,
        plan_dates: list[date],
        submit_dates: list[date],
        now: int,
    ) -> tuple[int, int]:
        """Plans (one transaction), then submits the due orders in batches, each batch in a transaction of its
        own: a run cut short (the Cockpit died, another took over) leaves every order either planned or
        submitted, and the next run submits the rest; an order added again that the Controller has already is
        ignored by it (AddOrders is idempotent by order id). First the Controller gets the `dailyPlan` Calendar
        of the settings, by which Cycles find their order's day."""
        await self._ensure_calendar(controller_id, settings)
        async with self._cockpit.database.session() as db:
            generated = await plan.generate(db, controller_id, plan_dates, plan.ScheduleChoice(), overwrite=False, now=now)  # fmt: skip
            if isinstance(generated, Problem):
                logger.error("Daily Plan of %s: %s", controller_id, generated.message)
                return 0, 0
            due = await self._due(db, controller_id, submit_dates, now) if submit_dates else []
        sent = 0
        for first in range(0, len(due), SUBMIT_BATCH):
            sent += await self._submit(controller_id, due[first : first + SUBMIT_BATCH], now)
        return len(generated.added), sent

    async def _ensure_calendar(self, controller_id: str, settings: PlanSettings) -> None:
        """Sends the Controller the `dailyPlan` Calendar (its day begins at the plan period's begin) unless it
        has it already; a Controller that is away gets it with the next run."""
        wanted = daily_plan_calendar(settings)
        try:
            proxy = self._cockpit.proxies.get(controller_id)
            held = [
                item
                for item in await proxy.items()
                if item.get("TYPE") == "Calendar" and item.get("path") == CALENDAR_PATH
            ]
            if held and held[0].get("dateOffset", 0) == wanted["dateOffset"]:
                return
            operations = [{"TYPE": "AddOrChange", "item": wanted}]
            await proxy.update_items({"TYPE": "UpdateItems", "operations": operations})
        except JocError as error:
            logger.warning(
                "Daily Plan: the dailyPlan Calendar of %s is not current: %s", controller_id, error.message
            )

    async def _due(
        self, db: AsyncSession, controller_id: str, submit_dates: list[date], now: int
    ) -> list[str]:
        """The ids of the planned orders to submit now, by planned start."""
        selection = PlanSelection(
            date_from=submit_dates[0],
            date_to=submit_dates[-1],
            controller_ids=(controller_id,),
            states=(DailyPlanOrderState.PLANNED.value,),
        )
        automatic = {
            n.path for n in await store.released_schedules(db) if n.schedule.plan_order_automatically
        }
        rows = await store.selected_orders(db, selection)
        return [row.order_id for row in rows if row.planned_start >= now and row.schedule_path in automatic]

    async def _submit(self, controller_id: str, order_ids: list[str], now: int) -> int:
        proxy: plan.Proxy = lambda: self._cockpit.proxies.get(controller_id)  # noqa: E731
        selection = PlanSelection(controller_ids=(controller_id,), order_ids=tuple(order_ids))
        async with self._cockpit.database.session() as db:
            rows = await store.selected_orders(db, selection)
            return len(await plan.submit(db, proxy, rows, ACCOUNT, now))
