"""The History view: the order runs or the tasks of a Controller, newest first, a page at a time by cursor (the
page after a row's start time and id), so the millionth row is as quick as the first; filtered by outcome,
workflow, order, job and day, and limited to the account's folders as the API's `/orders/history` and
`/tasks/history` are."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api.history import order_item, task_item
from stellwerk.cockpit.api.orders_common import VIEW
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import HistoryState
from stellwerk.cockpit.db.repositories.folders import FolderFilter, folder_of, name_of
from stellwerk.cockpit.db.repositories.history_query import HistoryCursor, HistoryFilter
from stellwerk.cockpit.db.repositories.order_history import OrderHistoryRepository
from stellwerk.cockpit.db.repositories.task_history import TaskFilter, TaskHistoryRepository
from stellwerk.cockpit.errors import delivery_date
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.services.inventory import path_problem
from stellwerk.cockpit.ui.orders import choose_controller
from stellwerk.cockpit.ui.web import Refused, UiCaller, UiRoute, page

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

PAGE_SIZE = 50


def cursor_of(text: str | None) -> HistoryCursor | None:
    """`start:id` of the last row of the previous page."""
    if not text:
        return None
    start, _, row_id = text.partition(":")
    if not (start.isdigit() and row_id.isdigit()):
        raise Refused(400, f"after: {text!r} is no page position")
    return HistoryCursor(start_time=int(start), id=int(row_id))


def severity_filter(text: str | None) -> tuple[HistoryState, ...]:
    if not text:
        return ()
    try:
        return (HistoryState(text),)
    except ValueError:
        raise Refused(400, f"state: {text} is none of {', '.join(s.value for s in HistoryState)}") from None


class Shown(msgspec.Struct, frozen=True, kw_only=True):
    """What the History view shows: order runs or tasks, and its filters as the form gives them."""

    of: str = "orders"
    state: str = ""
    workflow: str = ""
    order: str = ""
    job: str = ""
    day: str = ""

    def query(self, controller_id: str, **more: str) -> str:
        fields = {"controller": controller_id, **msgspec.structs.asdict(self), **more}
        return urlencode({name: value for name, value in fields.items() if value})


def _filter(shown: Shown, caller: Caller, controller_id: str, after: str | None) -> TaskFilter:
    """The repositories' filter: the account's folders, or the one workflow asked for (its folder checked)."""
    granted = caller.grants_for(controller_id).folders
    folders = tuple(FolderFilter(folder=folder, recursive=recursive) for folder, recursive in granted)
    workflow_names: tuple[str, ...] = ()
    if shown.workflow:
        path = shown.workflow
        if problem := path_problem(path, "workflow"):
            raise Refused(400, problem)
        caller.require_folder(path, controller_id)
        workflow_names, folders = (name_of(path),), (FolderFilter(folder=folder_of(path), recursive=False),)
    day_from, day_to = _day_range(shown.day)
    return TaskFilter(
        controller_id=controller_id, severities=severity_filter(shown.state), folders=folders,
        workflow_names=workflow_names, order_id=shown.order or None, job_names=(shown.job,) if shown.job else (),
        date_from=day_from, date_to=day_to, limit=PAGE_SIZE, after=cursor_of(after),
    )  # fmt: skip


def _day_range(text: str) -> tuple[int | None, int | None]:
    """The day's start and the next day's start (UTC, epoch milliseconds), or no limits."""
    if not text:
        return None, None
    try:
        day = datetime.combine(date.fromisoformat(text), time(), UTC)
    except ValueError:
        raise Refused(400, f"day: {text!r} is not a date (yyyy-mm-dd)") from None
    start = int(day.timestamp() * 1000)
    return start, start + 86_400_000


def _shown(
    of: str = "orders", state: str = "", workflow: str = "", order: str = "", job: str = "", day: str = ""
) -> Shown:
    if of not in ("orders", "tasks"):
        raise Refused(400, f"of: {of!r} is neither orders nor tasks")
    return Shown(of=of, state=state, workflow=workflow.strip(), order=order.strip(), job=job.strip(), day=day)


@router.get("/history", response_class=HTMLResponse)
async def history_page(
    request: Request,
    caller: UiCaller,
    cockpit: CockpitDep,
    controller: str | None = None,
    shown: Annotated[Shown, Depends(_shown)] = Shown(),  # noqa: B008 (FastAPI dependency)
    after: Annotated[str | None, Query()] = None,
) -> Response:
    """Order runs or tasks, newest first, a page at a time; filtered by outcome, workflow, order, job and day."""
    controller_id = await choose_controller(cockpit, caller, controller)
    caller.require(VIEW, controller_id)
    wanted = _filter(shown, caller, controller_id, after)
    stamp = delivery_date()
    async with cockpit.database.reading() as db:
        if shown.of == "tasks":
            tasks = await TaskHistoryRepository(db).search(wanted)
            rows = [
                task_item(row, stamp) for row in tasks.items if caller.sees(row.workflow_path, controller_id)
            ]
            found_next = tasks.next
        else:
            orders = await OrderHistoryRepository(db).search(HistoryFilter(**_order_fields(wanted)))
            rows = [
                order_item(row, stamp)
                for row in orders.items
                if caller.sees(row.workflow_path, controller_id)
            ]
            found_next = orders.next
    following = f"{found_next.start_time}:{found_next.id}" if found_next else None
    return page(
        request, "history.html", controller_id=controller_id, rows=rows, shown=shown,
        states=[s.value for s in HistoryState], after=after, following=following,
    )  # fmt: skip


def _order_fields(wanted: TaskFilter) -> dict[str, Any]:
    """The order runs' part of a task filter."""
    return {name: getattr(wanted, name) for name in HistoryFilter.__struct_fields__}
