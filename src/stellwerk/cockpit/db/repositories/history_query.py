"""Filters and keyset pages of the history lists (orders and tasks): newest first by (start_time, id).

A page is `limit` rows after a cursor, so a deep page costs what the first one costs: every filtered index ends in
(start_time, id) and the cursor condition is written so that each backend seeks to it (`start_time <= t` bounds the
index range; the tie on equal start times is filtered).
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import HistoryState
from stellwerk.cockpit.db.repositories.folders import FolderFilter, in_folders
from stellwerk.cockpit.db.tables import HistoryOrder, HistoryTask


class HistoryCursor(msgspec.Struct, frozen=True, kw_only=True):
    """Where the next page starts: after the row with this start time and id."""

    start_time: int
    id: int


class HistoryFilter(msgspec.Struct, frozen=True, kw_only=True):
    """The filters JOC's history views offer. Times are epoch milliseconds, `date_*` on the start time and
    `completed_*` on the end time, each `from` inclusive and `to` exclusive."""

    controller_id: str | None = None
    date_from: int | None = None
    date_to: int | None = None
    completed_from: int | None = None
    completed_to: int | None = None
    severities: tuple[HistoryState, ...] = ()
    workflow_names: tuple[str, ...] = ()
    folders: tuple[FolderFilter, ...] = ()
    order_id: str | None = None
    limit: int = 1000
    after: HistoryCursor | None = None


HistoryTable = type[HistoryOrder] | type[HistoryTask]


def conditions(table: HistoryTable, wanted: HistoryFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the filter (the cursor excluded)."""
    found: list[ColumnElement[bool]] = []
    if wanted.controller_id is not None:
        found.append(table.controller_id == wanted.controller_id)
    if wanted.order_id is not None:
        found.append(table.order_id == wanted.order_id)
    if wanted.date_from is not None:
        found.append(table.start_time >= wanted.date_from)
    if wanted.date_to is not None:
        found.append(table.start_time < wanted.date_to)
    if wanted.completed_from is not None:
        found.append(table.end_time >= wanted.completed_from)
    if wanted.completed_to is not None:
        found.append(table.end_time < wanted.completed_to)
    if wanted.severities:
        found.append(table.severity.in_(wanted.severities))
    if wanted.workflow_names:
        found.append(table.workflow_name.in_(wanted.workflow_names))
    if wanted.folders:
        found.append(in_folders(table.workflow_folder, wanted.folders))
    return found


def page(query: Select[Any], table: HistoryTable, wanted: HistoryFilter) -> Select[Any]:
    """The query filtered, newest first, from the cursor on, one row more than the limit (to tell whether a
    next page exists)."""
    query = query.where(*conditions(table, wanted))
    if wanted.after is not None:
        start, last = wanted.after.start_time, wanted.after.id
        query = query.where(
            table.start_time <= start,
            or_(table.start_time < start, and_(table.start_time == start, table.id < last)),
        )
    return query.order_by(table.start_time.desc(), table.id.desc()).limit(wanted.limit + 1)


def next_cursor(rows: list[Any], limit: int) -> HistoryCursor | None:
    """The cursor after the last row of a page, None when it was the last page."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return HistoryCursor(start_time=last.start_time, id=last.id)


async def count_by_severity(session: AsyncSession, wanted: HistoryFilter) -> dict[HistoryState, int]:
    """How many order runs (main orders, not the children of forks) the filter takes, by severity; the
    cursor and limit are ignored."""
    query = (
        select(HistoryOrder.severity, func.count())
        .where(HistoryOrder.parent_id.is_(None), *conditions(HistoryOrder, wanted))
        .group_by(HistoryOrder.severity)
    )
    counts = dict.fromkeys(HistoryState, 0)
    for severity, count in await session.execute(query):
        counts[HistoryState(severity)] = int(count)
    return counts
