"""`/joc/api/tree`: the inventory's folders as a tree (or the trash's, with `forInventoryTrash`), limited to
the folders the caller may see."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from stellwerk.cockpit.api.inventory_body import json_body
from stellwerk.cockpit.api.inventory_common import VIEW
from stellwerk.cockpit.api.inventory_models import TreeRequest
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.repositories.folders import ROOT, ancestors, name_of
from stellwerk.cockpit.db.repositories.inventory import InventoryRepository
from stellwerk.cockpit.db.repositories.trash import TrashRepository
from stellwerk.cockpit.errors import delivery_date
from stellwerk.cockpit.security.guard import CallerDep

router = APIRouter(prefix="/joc/api", tags=["tree"])


def folder_tree(paths: set[str], deleted: bool) -> dict[str, Any]:
    """The root folder with every folder of `paths` (and their ancestors) below it, sorted by name."""
    nodes: dict[str, dict[str, Any]] = {ROOT: {"path": ROOT, "name": "", "deleted": False, "folders": []}}
    for path in sorted({p for each in paths for p in [*ancestors(each + "/x"), each] if p != ROOT}):
        node = {"path": path, "name": name_of(path), "deleted": deleted, "folders": []}
        nodes[path] = node
        parent = path.rsplit("/", 1)[0] or ROOT
        nodes[parent]["folders"].append(node)
    return nodes[ROOT]


@router.post("/tree")
async def tree(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[TreeRequest, Depends(json_body(TreeRequest))]
) -> dict[str, Any]:
    """JOC's TreeView: the folders, from the root."""
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        if body.for_inventory_trash:
            found = {
                t.path if t.object_type == T.FOLDER else t.folder for t in await TrashRepository(db).trashed()
            }
        else:
            found = {c.path for c in await InventoryRepository(db).list_folder(ROOT, recursive=True, object_types=[T.FOLDER])}  # fmt: skip
    visible = {path for path in found if path != ROOT and caller.sees(path)}
    return {
        "deliveryDate": delivery_date(),
        "folders": [folder_tree(visible, bool(body.for_inventory_trash))],
    }
