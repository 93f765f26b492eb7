"""The Resources view: the Controller's locks (holders and queue), notice boards with their notices and forms
to post and delete them, and its file order sources; read and changed through the API's handlers (their
permissions, folder checks and audit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import boards as boards_api
from stellwerk.cockpit.api import locks as locks_api
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import ConfigurationType
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.services.orders import joc_path
from stellwerk.cockpit.services.workflows import item_paths
from stellwerk.cockpit.ui.orders import choose_controller
from stellwerk.cockpit.ui.web import PostingCaller, Refused, UiCaller, UiRoute, body_of, done, page

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

FILE_ORDER_SOURCES_VIEW = "sos:products:controller:workflows:view"


def file_order_sources(
    items: list[Any], paths: Mapping[str, str], workflow_paths: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The Controller's file watches as the view lists them: path, directory, pattern, Agent and workflow (by
    their inventory paths: `paths` of the sources and `workflow_paths` by name)."""
    return sorted(
        (
            {
                "name": joc_path(str(item["path"]), paths),
                "directory": str(item["directoryExpr"]).strip("'\""),
                "pattern": item.get("pattern") or "",
                "agent": item["agentPath"],
                "workflow": joc_path(str(item["workflowPath"]), workflow_paths),
            }
            for item in items
            if isinstance(item, dict) and item.get("TYPE") == "FileWatch"
        ),
        key=lambda source: str(source["name"]),
    )


async def _file_order_sources(cockpit: Cockpit, controller_id: str) -> list[dict[str, Any]]:
    items = await cockpit.proxies.get(controller_id).items()
    async with cockpit.database.reading() as db:
        paths = await item_paths(db, controller_id, ConfigurationType.FILEORDERSOURCE)
        workflows = await item_paths(db, controller_id, ConfigurationType.WORKFLOW)
    return file_order_sources(items, paths, workflows)


async def _sections(cockpit: Cockpit, caller: Caller, controller_id: str) -> dict[str, Any]:
    """Each section the account may see; one it may not is None."""
    found: dict[str, Any] = {"locks": None, "boards": None, "sources": None}
    if caller.allows(locks_api.LOCKS_VIEW, controller_id):
        found["locks"] = await locks_api.visible_locks(
            cockpit, caller, controller_id, compact=False, limit=-1
        )
    if caller.allows(boards_api.BOARDS_VIEW, controller_id):
        found["boards"] = await boards_api.visible_boards(
            cockpit, caller, controller_id, compact=True, limit=-1
        )
    if caller.allows(FILE_ORDER_SOURCES_VIEW, controller_id):
        found["sources"] = await _file_order_sources(cockpit, controller_id)
    return found


@router.get("/resources", response_class=HTMLResponse)
async def resources_page(
    request: Request, caller: UiCaller, cockpit: CockpitDep, controller: str | None = None
) -> Response:
    controller_id = await choose_controller(cockpit, caller, controller)
    sections = await _sections(cockpit, caller, controller_id)
    can = {
        "post": caller.allows(boards_api.NOTICES_POST, controller_id),
        "delete": caller.allows(boards_api.NOTICES_DELETE, controller_id),
    }
    return page(request, "resources.html", controller_id=controller_id, can=can, **sections)


@router.post("/notices/{operation}", response_class=HTMLResponse)
async def notice_operation(
    request: Request,
    operation: str,
    caller: PostingCaller,
    cockpit: CockpitDep,
    controller: Annotated[str, Form()],
    board: Annotated[str, Form()],
    notice: Annotated[str, Form()],
    end_of_life: Annotated[str, Form(alias="endOfLife")] = "",
) -> Response:
    """Posts or deletes one notice through the API's handler."""
    key = notice.strip()
    if not key:
        raise Refused(400, "notice: a notice id is needed")
    if operation == "post":
        body: dict[str, Any] = {"controllerId": controller, "noticeBoardPaths": [board], "noticeId": key}
        if end_of_life.strip():
            body["endOfLife"] = end_of_life.strip()
        await boards_api.post_notices(body_of(boards_api.PostNotices, body), caller, cockpit)
        return done(request, f"Posted the notice {key} on {board}")
    if operation == "delete":
        body = {"controllerId": controller, "noticeBoardPath": board, "noticeIds": [key]}
        await boards_api.delete_notices(body_of(boards_api.DeleteNotices, body), caller, cockpit)
        return done(request, f"Deleted the notice {key} of {board}")
    raise Refused(404, f"There is no notice operation {operation}")
