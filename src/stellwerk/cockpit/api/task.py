"""`/joc/api/task/log`: a job's output by `taskId` as plain text (what is stored so far while the job runs; the
`X-Log-Complete` and `X-Log-Event-Id` headers say whether it has ended and which log chunk was last), the output
after a chunk the caller has (`/task/log/running`, JSON) and the whole log as a file (`/task/log/download`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from stellwerk.cockpit.api.orders_common import VIEW
from stellwerk.cockpit.api.orders_models import RunningTaskLogFilter, TaskFilter
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.repositories.logs import LogRepository, LogTail
from stellwerk.cockpit.db.repositories.task_history import TaskHistory, TaskHistoryRepository
from stellwerk.cockpit.errors import UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep

router = APIRouter(prefix="/joc/api/task", tags=["task"], strict_content_type=False)


async def task_of(cockpit: Cockpit, caller: Caller, controller_id: str, task_id: int) -> TaskHistory:
    """The task, if the account may see its workflow's folder (the check of every task log reader)."""
    caller.require(VIEW, controller_id)
    async with cockpit.database.reading() as db:
        task = await TaskHistoryRepository(db).get(task_id)
    if task is None or task.controller_id != controller_id:
        raise UnknownObject(f"$.taskId: there is no task {task_id} on {controller_id}")
    caller.require_folder(task.workflow_path, controller_id)
    return task


async def _task_log(
    cockpit: Cockpit, caller: Caller, controller_id: str, task_id: int, after_chunk: int
) -> tuple[TaskHistory, LogTail]:
    task = await task_of(cockpit, caller, controller_id, task_id)
    async with cockpit.database.reading() as db:
        tail = await LogRepository(db).task_log_after(task_id, after_chunk)
    return task, tail


def _headers(task: TaskHistory, tail: LogTail) -> dict[str, str]:
    return {
        "X-Log-Complete": str(task.end_time is not None).lower(),
        "X-Log-Event-Id": str(tail.last_chunk_id),
        "X-Log-Task-Id": str(task.task_id),
    }


@router.post("/log", response_class=PlainTextResponse)
async def log(body: TaskFilter, caller: CallerDep, cockpit: CockpitDep) -> PlainTextResponse:
    """The job's output so far."""
    task, tail = await _task_log(cockpit, caller, body.controller_id, body.task_id, 0)
    return PlainTextResponse(tail.text, headers=_headers(task, tail))


@router.post("/log/download", response_class=PlainTextResponse)
async def download(body: TaskFilter, caller: CallerDep, cockpit: CockpitDep) -> PlainTextResponse:
    """The job's output as a file."""
    task, tail = await _task_log(cockpit, caller, body.controller_id, body.task_id, 0)
    headers = {
        **_headers(task, tail),
        "Content-Disposition": f'attachment; filename="sos-{task.order_id.strip("#").replace("#", "-")}'
        f'-{task.task_id}.task.log"',
    }
    return PlainTextResponse(tail.text, headers=headers)


@router.post("/log/running")
async def running(body: RunningTaskLogFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The output written after the chunk `eventId`, and whether the job has ended."""
    task, tail = await _task_log(cockpit, caller, body.controller_id, body.task_id, body.event_id)
    return {
        "deliveryDate": delivery_date(),
        "controllerId": body.controller_id,
        "taskId": task.task_id,
        "eventId": tail.last_chunk_id,
        "complete": task.end_time is not None,
        "log": tail.text,
    }
