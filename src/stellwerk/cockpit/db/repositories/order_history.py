"""Order history: the History service adds a row when an order starts and updates it as events arrive; the API
lists it with JOC's filters, newest first, in keyset pages."""

from __future__ import annotations

import datetime

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.cockpit.db.repositories.folders import folder_of, name_of
from stellwerk.cockpit.db.repositories.history_query import HistoryCursor, HistoryFilter, next_cursor, page
from stellwerk.cockpit.db.tables import HistoryOrder


class OrderStarted(msgspec.Struct, frozen=True, kw_only=True):
    """An order began to run (or a child order of a fork was created: `parent_id` is the parent's history id)."""

    controller_id: str
    order_id: str
    workflow_path: str
    workflow_version_id: str
    start_time: int
    start_event_id: int
    position: str
    state: OrderStateText = OrderStateText.INPROGRESS
    severity: HistoryState = HistoryState.INCOMPLETE
    parent_id: int | None = None
    planned_time: int | None = None
    plan_date: datetime.date | None = None
    arguments: str | None = None  # JSON


class OrderChanged(msgspec.Struct, frozen=True, kw_only=True):
    """A later state of the order; `end_time` when it terminated. Fields left None keep their value."""

    state: OrderStateText
    severity: HistoryState
    position: str | None = None
    end_time: int | None = None
    error_text: str | None = None


class OrderHistory(msgspec.Struct, frozen=True, kw_only=True):
    """A row of the order history; `history_id` is JOC's `historyId`."""

    history_id: int
    controller_id: str
    order_id: str
    workflow_path: str
    workflow_name: str
    workflow_folder: str
    workflow_version_id: str
    parent_id: int | None
    state: OrderStateText
    severity: HistoryState
    start_time: int
    end_time: int | None
    planned_time: int | None
    plan_date: datetime.date | None
    position: str
    arguments: str | None
    error_text: str | None
    start_event_id: int
    modified: int


class OrderHistoryPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of the order history and where the next one starts (None: this was the last)."""

    items: tuple[OrderHistory, ...]
    next: HistoryCursor | None


def _history(row: HistoryOrder) -> OrderHistory:
    return OrderHistory(
        history_id=row.id,
        controller_id=row.controller_id,
        order_id=row.order_id,
        workflow_path=row.workflow_path,
        workflow_name=row.workflow_name,
        workflow_folder=row.workflow_folder,
        workflow_version_id=row.workflow_version_id,
        parent_id=row.parent_id,
        state=row.state,
        severity=row.severity,
        start_time=row.start_time,
        end_time=row.end_time,
        planned_time=row.planned_time,
        plan_date=row.plan_date,
        position=row.position,
        arguments=row.arguments,
        error_text=row.error_text,
        start_event_id=row.start_event_id,
        modified=row.modified,
    )


class OrderHistoryRepository:
    """Writing (from the Controller's events) and reading the order history."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, started: OrderStarted, now: int) -> int:
        """Adds the order's row; its history id."""
        fields = msgspec.structs.asdict(started)
        row = HistoryOrder(
            **fields,
            workflow_name=name_of(started.workflow_path),
            workflow_folder=folder_of(started.workflow_path),
            modified=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def update(self, history_id: int, change: OrderChanged, now: int) -> bool:
        """Applies a later state; False when there is no such row."""
        row = await self._session.get(HistoryOrder, history_id)
        if row is None:
            return False
        row.state, row.severity, row.modified = change.state, change.severity, now
        if change.position is not None:
            row.position = change.position
        if change.end_time is not None:
            row.end_time = change.end_time
        if change.error_text is not None:
            row.error_text = change.error_text
        await self._session.flush()
        return True

    async def get(self, history_id: int) -> OrderHistory | None:
        """One row by history id."""
        row = await self._session.get(HistoryOrder, history_id)
        return None if row is None else _history(row)

    async def latest(
        self, controller_id: str, order_id: str, *, running: bool = False
    ) -> OrderHistory | None:
        """The newest row of that order id (order ids are reused once an order is gone); with `running`, only a
        row that has not ended (where the History service continues after a restart)."""
        query = select(HistoryOrder).where(
            HistoryOrder.controller_id == controller_id, HistoryOrder.order_id == order_id
        )
        if running:
            query = query.where(HistoryOrder.end_time.is_(None))
        row = await self._session.scalar(query.order_by(HistoryOrder.id.desc()).limit(1))
        return None if row is None else _history(row)

    async def children(self, history_id: int) -> list[OrderHistory]:
        """The child orders of a fork, in the order they were added."""
        rows = await self._session.scalars(
            select(HistoryOrder).where(HistoryOrder.parent_id == history_id).order_by(HistoryOrder.id)
        )
        return [_history(row) for row in rows]

    async def search(self, wanted: HistoryFilter, *, main_orders_only: bool = True) -> OrderHistoryPage:
        """A page of the history, newest first; by default without child orders (JOC nests them)."""
        query = select(HistoryOrder)
        if main_orders_only:
            query = query.where(HistoryOrder.parent_id.is_(None))
        rows = list(await self._session.scalars(page(query, HistoryOrder, wanted)))
        items = tuple(_history(row) for row in rows[: wanted.limit])
        return OrderHistoryPage(items=items, next=next_cursor(rows, wanted.limit))
