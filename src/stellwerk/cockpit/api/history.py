"""`/joc/api/orders/history`, `/joc/api/tasks/history` and `/joc/api/orders/overview/summary`: the order and task
history the History service writes, newest first, with JOC's filters, read in keyset pages (a deep page costs
what the first costs); running tasks are listed too. An account with folder permissions sees only its folders."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import msgspec
from fastapi import APIRouter

from stellwerk.cockpit.api.orders_common import VIEW, limit_of, time_param
from stellwerk.cockpit.api.orders_models import Folder, JobsFilter, OrdersFilter
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import HistoryState
from stellwerk.cockpit.db.repositories.folders import FolderFilter, folder_of, name_of
from stellwerk.cockpit.db.repositories.history_query import HistoryCursor, HistoryFilter, count_by_severity
from stellwerk.cockpit.db.repositories.order_history import OrderHistory, OrderHistoryRepository
from stellwerk.cockpit.db.repositories.task_history import TaskFilter, TaskHistory, TaskHistoryRepository
from stellwerk.cockpit.errors import NotSupported, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.joc_time import iso
from stellwerk.cockpit.services.order_states import SEVERITIES, history_state

router = APIRouter(prefix="/joc/api", tags=["history"], strict_content_type=False)

PAGE = 10_000
Row = TypeVar("Row", OrderHistory, TaskHistory)
Wanted = TypeVar("Wanted", HistoryFilter, TaskFilter)


def _exact(field: str, value: str | None) -> str | None:
    if value is not None and any(c in value for c in "*?"):
        raise NotSupported(f"$.{field}: wildcards are not supported by Stellwerk; give the exact value")
    return value


def _folders(
    caller: Caller, controller_id: str | None, requested: Sequence[Folder] | None
) -> tuple[FolderFilter, ...]:
    """The requested folders, or, when none is requested, the account's folder permissions."""
    if requested:
        return tuple(f.filter() for f in requested)
    granted = caller.grants_for(controller_id).folders
    return tuple(FolderFilter(folder=folder, recursive=recursive) for folder, recursive in granted)


def _base_filter(caller: Caller, body: OrdersFilter | JobsFilter, now: int) -> dict[str, Any]:
    if body.workflow_tags or body.order_tags:
        raise NotSupported("$.workflowTags/$.orderTags: tags are not supported by Stellwerk")
    tz = body.time_zone
    workflow_names = []
    folders = _folders(caller, body.controller_id, body.folders)
    workflow_name = _exact("workflowName", body.workflow_name)
    if workflow_name:
        workflow_names.append(workflow_name)
    workflow_path = _exact("workflowPath", body.workflow_path)
    if workflow_path:
        caller.require_folder(workflow_path, body.controller_id)
        workflow_names.append(name_of(workflow_path))
        folders = (FolderFilter(folder=folder_of(workflow_path), recursive=False),)
    return {
        "controller_id": body.controller_id,
        "date_from": time_param("dateFrom", body.date_from, now, tz),
        "date_to": time_param("dateTo", body.date_to, now, tz),
        "completed_from": time_param("completedDateFrom", body.completed_date_from, now, tz),
        "completed_to": time_param("completedDateTo", body.completed_date_to, now, tz),
        "severities": tuple(body.history_states or ()),
        "workflow_names": tuple(workflow_names),
        "folders": folders,
    }


async def _collect(
    search: Callable[[Wanted], Awaitable[tuple[Sequence[Row], HistoryCursor | None]]],
    wanted: Wanted,
    limit: int | None,
) -> list[Row]:
    """Rows page by page until the limit (None: all)."""
    found: list[Row] = []
    after = None
    while limit is None or len(found) < limit:
        size = PAGE if limit is None else min(PAGE, limit - len(found))
        items, after = await search(msgspec.structs.replace(wanted, limit=size, after=after))
        found.extend(items)
        if after is None:
            break
    return found


def _arguments(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def order_item(row: OrderHistory, stamp: str) -> dict[str, Any]:
    """JOC's `OrderHistoryItem` of a row."""
    item: dict[str, Any] = {
        "surveyDate": stamp,
        "controllerId": row.controller_id,
        "orderId": row.order_id,
        "workflow": row.workflow_path,
        "startTime": iso(row.start_time),
        "plannedTime": iso(row.planned_time if row.planned_time is not None else row.start_time),
        "position": row.position,
        "sequence": 0,
        "state": history_state(row.severity),
        "orderState": {"severity": SEVERITIES[row.state], "_text": row.state.value},
        "historyId": row.history_id,
    }
    if row.end_time is not None:
        item["endTime"] = iso(row.end_time)
    arguments = _arguments(row.arguments)
    if arguments is not None:
        item["arguments"] = arguments
    return item


def task_item(row: TaskHistory, stamp: str) -> dict[str, Any]:
    """JOC's `TaskHistoryItem` of a row (a running task has no end time and is INCOMPLETE)."""
    item: dict[str, Any] = {
        "surveyDate": stamp,
        "controllerId": row.controller_id,
        "job": row.job_name,
        "workflow": row.workflow_path,
        "orderId": row.order_id,
        "startTime": iso(row.start_time),
        "position": row.position,
        "sequence": 0,
        "retryCounter": row.retry_counter,
        "state": history_state(row.severity),
        "criticality": row.criticality,
        "taskId": row.task_id,
        "agentUrl": row.agent_url,
    }
    if row.label:
        item["label"] = row.label
    if row.end_time is not None:
        item["endTime"] = iso(row.end_time)
    if row.return_code is not None and row.return_code >= 0:
        item["exitCode"] = row.return_code
    if row.error_text:
        item["error"] = {"errorState": "failed", "errorText": row.error_text}
    return item


@router.post("/orders/history")
async def orders_history(body: OrdersFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The order runs (main orders), newest first."""
    caller.require(VIEW, body.controller_id)
    if body.orders or body.exclude_workflows:
        raise NotSupported(
            "$.orders/$.excludeWorkflows: not supported by Stellwerk; use workflowPath or folders"
        )
    wanted = HistoryFilter(
        **_base_filter(caller, body, cockpit.now()), order_id=_exact("orderId", body.order_id)
    )
    async with cockpit.database.reading() as db:
        repository = OrderHistoryRepository(db)
        if body.history_ids:
            rows = [row for row in [await repository.get(i) for i in body.history_ids] if row is not None]
        else:

            async def search(page: HistoryFilter) -> tuple[Sequence[OrderHistory], HistoryCursor | None]:
                found = await repository.search(page)
                return found.items, found.next

            rows = await _collect(search, wanted, limit_of(body.limit))
    stamp = delivery_date()
    visible = [row for row in rows if caller.sees(row.workflow_path, row.controller_id)]
    return {"deliveryDate": stamp, "history": [order_item(row, stamp) for row in visible]}


@router.post("/tasks/history")
async def tasks_history(body: JobsFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The tasks (job executions; running ones too), newest first."""
    caller.require(VIEW, body.controller_id)
    if body.jobs or body.exclude_jobs:
        raise NotSupported("$.jobs/$.excludeJobs: not supported by Stellwerk; use jobName and workflowPath")
    wanted = TaskFilter(
        **_base_filter(caller, body, cockpit.now()),
        order_id=body.order_id,
        job_names=(body.job_name,) if body.job_name else (),
        criticalities=tuple(body.criticalities or ()),
        task_ids=tuple(body.task_ids or ()),
        history_order_ids=tuple(h.history_id for h in body.history_ids or ()),
    )
    async with cockpit.database.session() as db:
        repository = TaskHistoryRepository(db)

        async def search(page: TaskFilter) -> tuple[Sequence[TaskHistory], HistoryCursor | None]:
            found = await repository.search(page)
            return found.items, found.next

        rows = await _collect(search, wanted, limit_of(body.limit))
    stamp = delivery_date()
    visible = [row for row in rows if caller.sees(row.workflow_path, row.controller_id)]
    return {"deliveryDate": stamp, "history": [task_item(row, stamp) for row in visible]}


@router.post("/orders/overview/summary")
async def summary(body: OrdersFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """How many order runs ended successfully and how many failed in the period."""
    caller.require(VIEW, body.controller_id)
    wanted = HistoryFilter(**_base_filter(caller, body, cockpit.now()))
    async with cockpit.database.session() as db:
        counts = await count_by_severity(db, wanted)
    stamp = delivery_date()
    orders = {"successful": counts[HistoryState.SUCCESSFUL], "failed": counts[HistoryState.FAILED]}
    return {"deliveryDate": stamp, "surveyDate": stamp, "orders": orders}
