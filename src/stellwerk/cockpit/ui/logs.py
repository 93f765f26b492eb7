"""The log of a task (a job's output) or of an order run (its order log entries and its jobs' output, in the order
they were stored; or its jobs' output alone, whose earlier blocks the order page loads), opened fast however
large: the page shows the last block of about `BLOCK_BYTES`, an "Earlier" button loads the block before it (again
and again, up to the start), a running log keeps growing at its end, and "Download" streams the whole log from
the database a batch of chunks at a time. The account is checked as the
API's log readers check it (`/task/log`, `/order/log`): the Controller's order view permission and the folder of
the workflow."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import msgspec
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse

from stellwerk.cockpit.api.order import history_row
from stellwerk.cockpit.api.orders_models import OrderHistoryFilter
from stellwerk.cockpit.api.task import task_of
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.repositories.logs import LogBlock, LogChunk, LogRepository, LogSource
from stellwerk.cockpit.db.repositories.task_history import TaskHistory, TaskHistoryRepository
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.services.joc_time import iso
from stellwerk.cockpit.services.order_log import log_entries
from stellwerk.cockpit.ui.orders import entry_line
from stellwerk.cockpit.ui.web import Refused, UiCaller, UiRoute, body_of, page

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

BLOCK_BYTES = 64 * 1024  # what the page shows first, and what each "Earlier" adds
LATER_CHUNKS = 200  # chunks a running log's follower fetches at once
DOWNLOAD_CHUNKS = 500  # chunks read from the database per piece of a download
FOLLOW_SECONDS = 2

Kind = Literal["task", "order", "output"]  # a job's output, an order run's log, or only its jobs' output


class ShownLog(msgspec.Struct, frozen=True, kw_only=True):
    """A log the account may read, with what its page says about it."""

    kind: Kind
    source: LogSource
    controller_id: str
    order_id: str
    workflow_path: str
    title: str
    running: bool
    filename: str
    query: str  # the query naming this log in the URLs of its fragments
    tasks: tuple[TaskHistory, ...] = ()


async def shown_log(
    cockpit: Cockpit, caller: Caller, kind: str, controller: str, id: int | None, order: str | None = None
) -> ShownLog:
    """The task `id`, or the order run `id` (or the latest run of the order `order`), after the API's checks."""
    if kind == "task":
        if id is None:
            raise Refused(400, "id: the task id is required")
        return _task_log(await task_of(cockpit, caller, controller, id))
    if kind not in ("order", "output"):
        raise Refused(404, f"There are no logs of {kind}")
    if id is None and not order:
        raise Refused(400, "id or order: the history id of an order run or an order id is required")
    wanted = body_of(OrderHistoryFilter, {"controllerId": controller, "historyId": id, "orderId": order})
    run = await history_row(cockpit, caller, wanted)
    async with cockpit.database.reading() as db:
        tasks = await TaskHistoryRepository(db).of_order(run.history_id)
    jobs_only = kind == "output"
    return ShownLog(
        kind="output" if jobs_only else "order",
        source=LogSource(history_order_id=run.history_id, jobs_only=jobs_only),
        controller_id=controller,
        order_id=run.order_id,
        workflow_path=run.workflow_path,
        title=f"{'Job output' if jobs_only else 'Log'} of order {run.order_id} (run started {iso(run.start_time)})",
        running=run.end_time is None,
        filename=f"sos-{_file_safe(run.order_id)}-{run.history_id}.{kind}.log",
        query=urlencode({"controller": controller, "id": run.history_id}),
        tasks=tuple(tasks),
    )


def _task_log(task: TaskHistory) -> ShownLog:
    return ShownLog(
        kind="task",
        source=LogSource(task_id=task.task_id),
        controller_id=task.controller_id,
        order_id=task.order_id,
        workflow_path=task.workflow_path,
        title=f"Log of job {task.job_name} of order {task.order_id} (task {task.task_id})",
        running=task.end_time is None,
        filename=f"sos-{_file_safe(task.order_id)}-{task.task_id}.task.log",
        query=urlencode({"controller": task.controller_id, "id": task.task_id}),
    )


def _file_safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "order"


def chunk_text(chunk: LogChunk) -> str:
    """A chunk as the log's text: job output as it was written, order log entries one readable line each."""
    if chunk.task_id is not None:
        return chunk.text
    return "".join(entry_line(entry) + "\n" for entry in log_entries(chunk.text))


def _text(chunks: Sequence[LogChunk]) -> str:
    return "".join(chunk_text(chunk) for chunk in chunks)


def _block_context(log: ShownLog, block: LogBlock) -> dict[str, Any]:
    return {
        "log": log,
        "text": _text(block.chunks),
        "earlier": block.earlier,
        "first": block.chunks[0].id if block.chunks else 0,
    }


def _follower_context(log: ShownLog, after: int, more: bool) -> dict[str, Any]:
    """The element that fetches what comes after the chunk `after` (at once when more is known to wait)."""
    return {"log": log, "after": after, "trigger": "load" if more else f"every {FOLLOW_SECONDS}s"}


async def _wanted_log(
    kind: str,
    caller: UiCaller,
    cockpit: CockpitDep,
    controller: str,
    id: int | None = None,
    order: str | None = None,
) -> ShownLog:
    return await shown_log(cockpit, caller, kind, controller, id, order)


WantedLog = Annotated[ShownLog, Depends(_wanted_log)]


@router.get("/logs/{kind}", response_class=HTMLResponse)
async def log_page(request: Request, log: WantedLog, cockpit: CockpitDep) -> Response:
    """The log's last block; earlier blocks and (while it runs) new lines on request."""
    async with cockpit.database.reading() as db:
        block = await LogRepository(db).block_before(log.source, None, BLOCK_BYTES)
    last = block.chunks[-1].id if block.chunks else 0
    return page(
        request, "log.html", **_block_context(log, block), follower=_follower_context(log, last, more=False)
    )


@router.get("/logs/{kind}/earlier", response_class=HTMLResponse)
async def earlier(request: Request, log: WantedLog, cockpit: CockpitDep, before: int) -> Response:
    """The block before the chunk `before`, with the button for the one before it (while there is one)."""
    async with cockpit.database.reading() as db:
        block = await LogRepository(db).block_before(log.source, before, BLOCK_BYTES)
    return page(request, "_log_block.html", **_block_context(log, block))


@router.get("/logs/{kind}/later", response_class=HTMLResponse)
async def later(request: Request, log: WantedLog, cockpit: CockpitDep, after: int) -> Response:
    """What was written after the chunk `after`, and the follower for what comes next while the log grows."""
    async with cockpit.database.reading() as db:
        chunks = await LogRepository(db).chunks_after(log.source, after, LATER_CHUNKS)
    more = len(chunks) == LATER_CHUNKS
    last = chunks[-1].id if chunks else after
    follow = log.running or more
    return page(
        request,
        "_log_later.html",
        text=_text(chunks),
        follower=_follower_context(log, last, more) if follow else None,
    )


@router.get("/logs/{kind}/download")
async def download(log: WantedLog, cockpit: CockpitDep) -> Response:
    """The whole log as a text file, read and sent a batch of chunks at a time."""
    return StreamingResponse(
        _whole(cockpit, log.source),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{log.filename}"'},
    )


async def _whole(cockpit: Cockpit, source: LogSource) -> AsyncIterator[bytes]:
    after = 0
    while True:
        async with cockpit.database.reading() as db:
            chunks = await LogRepository(db).chunks_after(source, after, DOWNLOAD_CHUNKS)
        if not chunks:
            return
        yield _text(chunks).encode()
        after = chunks[-1].id
