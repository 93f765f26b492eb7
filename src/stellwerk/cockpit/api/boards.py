"""`/joc/api/notice/boards` and `/joc/api/notice/board`: the notice boards deployed to a Controller with their
notices and the orders expecting them; `/joc/api/notices/post` and `/joc/api/notices/delete` post and delete
notices of global boards (the Controller's PostNotice and DeleteNotice), with an audit entry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from stellwerk.cockpit.api.models import Audited, JocModel
from stellwerk.cockpit.api.orders_common import controller_orders, time_param
from stellwerk.cockpit.api.orders_models import ControllerId, Folder, Path
from stellwerk.cockpit.api.workflows import send_controls
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import ConfigurationType
from stellwerk.cockpit.errors import BadRequest, NotSupported, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.boards import board_view
from stellwerk.cockpit.services.orders import in_folder, joc_path
from stellwerk.cockpit.services.workflows import item_paths

BOARDS = "sos:products:controller:noticeBoards"
BOARDS_VIEW = f"{BOARDS}:view"
NOTICES_POST = f"{BOARDS}:post"
NOTICES_DELETE = f"{BOARDS}:delete"
BOARD_TYPES = ("GlobalBoard", "PlannableBoard")
UNLIMITED = -1

router = APIRouter(prefix="/joc/api", tags=["notice boards"], strict_content_type=False)


class BoardsFilter(JocModel):
    """`/notice/boards`."""

    controller_id: ControllerId
    notice_board_paths: list[Path] | None = None
    folders: list[Folder] | None = None
    plan_schema_ids: list[str] | None = None
    notice_space_keys: list[str] | None = None
    compact: bool = False
    limit: int = Field(default=10000, ge=UNLIMITED)


class BoardFilter(JocModel):
    """`/notice/board`."""

    controller_id: ControllerId
    notice_board_path: Path
    plan_schema_ids: list[str] | None = None
    notice_space_keys: list[str] | None = None
    compact: bool = False
    limit: int = Field(default=10000, ge=UNLIMITED)


class NoticeIdsPerBoard(JocModel):
    notice_board_path: Path
    notice_ids: list[str] = Field(default_factory=list)


class PostNotices(Audited):
    """`/notices/post`: `notices`, or `noticeBoardPaths` with one `noticeId`."""

    controller_id: ControllerId
    notices: list[NoticeIdsPerBoard] | None = Field(default=None, min_length=1)
    notice_board_paths: list[Path] | None = Field(default=None, min_length=1)
    notice_id: str | None = Field(default=None, min_length=1, max_length=255)
    end_of_life: str | None = Field(default=None, max_length=64)
    time_zone: str | None = None

    def per_board(self) -> list[tuple[str, str, str]]:
        """(JSON path, board path, notice id) of each notice to post."""
        if self.notices is not None:
            return _listed(self.notices)
        if self.notice_board_paths and self.notice_id:
            return [
                (f"$.noticeBoardPaths[{n}]", p, self.notice_id) for n, p in enumerate(self.notice_board_paths)
            ]
        raise BadRequest("$: name the notices with notices, or with noticeBoardPaths and noticeId")


class DeleteNotices(Audited):
    """`/notices/delete`: `notices`, or one `noticeBoardPath` with `noticeIds`."""

    controller_id: ControllerId
    notices: list[NoticeIdsPerBoard] | None = Field(default=None, min_length=1)
    notice_board_path: Path | None = None
    notice_ids: list[str] | None = Field(default=None, min_length=1)

    def per_board(self) -> list[tuple[str, str, str]]:
        if self.notices is not None:
            return _listed(self.notices)
        if self.notice_board_path and self.notice_ids:
            return [("$.noticeBoardPath", self.notice_board_path, i) for i in self.notice_ids]
        raise BadRequest("$: name the notices with notices, or with noticeBoardPath and noticeIds")


def _listed(notices: list[NoticeIdsPerBoard]) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for n, entry in enumerate(notices):
        if not entry.notice_ids:
            raise BadRequest(f"$.notices[{n}].noticeIds: at least one notice id expected")
        found.extend(
            (f"$.notices[{n}].noticeBoardPath", entry.notice_board_path, i) for i in entry.notice_ids
        )
    return found


async def deployed_boards(cockpit: Cockpit, controller_id: str) -> dict[str, dict[str, Any]]:
    """The Controller's boards (engine JSON) by their inventory paths."""
    items = await cockpit.proxies.get(controller_id).items()
    async with cockpit.database.reading() as db:
        paths = await item_paths(db, controller_id, ConfigurationType.NOTICEBOARD)
    return {
        joc_path(str(item["path"]), paths): item
        for item in items
        if isinstance(item, dict) and item.get("TYPE") in BOARD_TYPES
    }


async def visible_boards(
    cockpit: Cockpit, caller: Caller, controller_id: str, *, compact: bool, limit: int
) -> list[dict[str, Any]]:
    """Every board of the Controller in the caller's folders as JOC's `NoticeBoard`."""
    caller.require(BOARDS_VIEW, controller_id)
    boards = await deployed_boards(cockpit, controller_id)
    notices = await cockpit.proxies.get(controller_id).notices()
    orders, workflow_paths = await controller_orders(cockpit, controller_id)
    by_id = {order.id: order for order in orders}
    return [
        board_view(item, path, notices, by_id, workflow_paths, compact=compact, limit=limit)
        for path, item in boards.items()
        if caller.sees(path, controller_id)
    ]


def _no_plans(plan_schema_ids: list[str] | None, notice_space_keys: list[str] | None) -> None:
    if plan_schema_ids or notice_space_keys:
        raise NotSupported("$.planSchemaIds: filtering notice boards by plans is not supported by Stellwerk")


@router.post("/notice/boards")
async def boards(body: BoardsFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The deployed notice boards, filtered by paths and folders."""
    _no_plans(body.plan_schema_ids, body.notice_space_keys)
    folders = tuple(f.filter() for f in body.folders or ())
    found = [
        view
        for view in await visible_boards(
            cockpit, caller, body.controller_id, compact=body.compact, limit=body.limit
        )
        if (not body.notice_board_paths or view["path"] in body.notice_board_paths)
        and (not folders or any(in_folder(view["path"], f) for f in folders))
    ]
    stamp = delivery_date()
    return {"deliveryDate": stamp, "surveyDate": stamp, "noticeBoards": found}


@router.post("/notice/board")
async def board(body: BoardFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """One deployed notice board by its inventory path."""
    _no_plans(body.plan_schema_ids, body.notice_space_keys)
    caller.require_folder(body.notice_board_path, body.controller_id)
    views = await visible_boards(cockpit, caller, body.controller_id, compact=body.compact, limit=body.limit)
    found = next((v for v in views if v["path"] == body.notice_board_path), None)
    if found is None:
        raise UnknownObject(
            f"noticeBoardPath: no notice board {body.notice_board_path} is deployed to {body.controller_id}"
        )
    stamp = delivery_date()
    return {"deliveryDate": stamp, "surveyDate": stamp, "noticeBoard": found}


async def _global_boards(
    cockpit: Cockpit, caller: Caller, controller_id: str, named: list[tuple[str, str, str]]
) -> dict[str, str]:
    """The Controller's name of each named board, checked: deployed, global, in the caller's folders."""
    deployed = await deployed_boards(cockpit, controller_id)
    names = {}
    for field, path, _ in named:
        item = deployed.get(path)
        if item is None:
            raise UnknownObject(f"{field}: no notice board {path} is deployed to {controller_id}")
        if item["TYPE"] != "GlobalBoard":
            raise NotSupported(
                f"{field}: notices of the plannable board {path} are not supported by Stellwerk"
            )
        caller.require_folder(path, controller_id)
        names[path] = str(item["path"])
    return names


@router.post("/notices/post")
async def post_notices(body: PostNotices, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Posts the notices (replacing one with the same id), valid until `endOfLife` when given."""
    caller.require(NOTICES_POST, body.controller_id)
    named = body.per_board()
    names = await _global_boards(cockpit, caller, body.controller_id, named)
    end_of_life = time_param("endOfLife", body.end_of_life, cockpit.now(), body.time_zone)
    commands = []
    for _, path, key in named:
        command: dict[str, Any] = {"TYPE": "PostNotice", "noticeId": [names[path], key]}
        if end_of_life is not None:
            command["endOfLife"] = end_of_life
        commands.append(command)
    return await _send(cockpit, caller, body, "./notices/post", named, commands)


@router.post("/notices/delete")
async def delete_notices(body: DeleteNotices, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """Deletes the notices; one that is not posted is a 420 naming it and deletes nothing."""
    caller.require(NOTICES_DELETE, body.controller_id)
    named = body.per_board()
    names = await _global_boards(cockpit, caller, body.controller_id, named)
    commands = [{"TYPE": "DeleteNotice", "noticeId": [names[path], key]} for _, path, key in named]
    return await _send(cockpit, caller, body, "./notices/delete", named, commands)


async def _send(
    cockpit: Cockpit,
    caller: Caller,
    body: PostNotices | DeleteNotices,
    request: str,
    named: list[tuple[str, str, str]],
    commands: list[dict[str, Any]],
) -> dict[str, Any]:
    paths = list(dict.fromkeys(path for _, path, _ in named))
    return await send_controls(
        cockpit, caller, body, controller_id=body.controller_id, request=request,
        workflow_paths=paths, commands=commands, object_type="NOTICEBOARD",
    )  # fmt: skip
