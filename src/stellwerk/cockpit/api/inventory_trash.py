"""`/joc/api/inventory/trash/read/folder`: what the inventory's trash holds in a folder (and below, when
recursive), grouped by type as `/inventory/read/folder` answers, limited to the folders the caller may see."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from stellwerk.cockpit.api.inventory import FOLDER_LISTS
from stellwerk.cockpit.api.inventory_body import json_body
from stellwerk.cockpit.api.inventory_common import VIEW, checked_path, folder_item
from stellwerk.cockpit.api.inventory_models import FolderRequest
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.repositories.inventory import Configuration
from stellwerk.cockpit.db.repositories.trash import Trashed, TrashRepository
from stellwerk.cockpit.errors import delivery_date
from stellwerk.cockpit.security.guard import CallerDep

router = APIRouter(prefix="/joc/api/inventory/trash", tags=["inventory"])

LISTS = {**FOLDER_LISTS, T.FOLDER: "folders"}


def trashed_item(trashed: Trashed) -> dict[str, Any]:
    """JOC's `ResponseFolderItem` of an object in the trash (`modified`: when it was deleted)."""
    fields = {
        field: getattr(trashed, field) for field in Configuration.__struct_fields__ if hasattr(trashed, field)
    }
    as_stored = Configuration(**fields, deployed=False, released=False, modified=trashed.trashed)
    return {**folder_item(as_stored), "deleted": True}


@router.post("/read/folder")
async def read_trash_folder(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[FolderRequest, Depends(json_body(FolderRequest))]
) -> dict[str, Any]:
    """The trash's objects and folders in the folder."""
    path = checked_path(body.path)
    caller.require(VIEW)
    caller.require_folder(path)
    wanted = set(body.object_types or LISTS)
    async with cockpit.database.session() as db:
        found = await TrashRepository(db).trashed(path, recursive=body.recursive)
    answer: dict[str, Any] = {"deliveryDate": delivery_date(), "path": path}
    for trashed in found:
        if trashed.object_type in wanted and trashed.object_type in LISTS and caller.sees(trashed.path):
            answer.setdefault(LISTS[trashed.object_type], []).append(trashed_item(trashed))
    return answer
