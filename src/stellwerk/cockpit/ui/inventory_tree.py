"""The Inventory's folder view: the folder tree, a folder's objects of every kind with their state (draft, valid,
deployed, released, changed since the deployment) linking to the editor, and the operations on an object, a
selection or the folder — new object and folder, rename, delete to the trash, restore from it or delete for good,
release and recall, deploy to a chosen Controller, export and import archives — all through the API's handlers
(their permissions, checks and audit). Every change answers with a notice and has the view reload its listing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, NamedTuple
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from stellwerk.cockpit.api import deployment as deployment_api
from stellwerk.cockpit.api import inventory as inventory_api
from stellwerk.cockpit.api import inventory_archive, inventory_trash
from stellwerk.cockpit.api import tree as tree_api
from stellwerk.cockpit.api.inventory import FOLDER_LISTS
from stellwerk.cockpit.api.inventory_common import DEPLOY, MANAGE, RELEASE, VIEW
from stellwerk.cockpit.api.inventory_models import (
    DeployRequest,
    ExportFolderRequest,
    ExportRequest,
    FolderRequest,
    ObjectsRequest,
    RecallRequest,
    ReleaseRequest,
    RemoveFolderRequest,
    RemoveRequest,
    RenameRequest,
    RestoreRequest,
    StoreRequest,
    TreeRequest,
)
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.repositories.folders import ROOT, folder_of, join, name_of
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.services.inventory import DEPLOYABLE, NAME, RELEASABLE, path_problem
from stellwerk.cockpit.ui.inventory_diff import deployed_names, differences
from stellwerk.cockpit.ui.pages import controller_ids
from stellwerk.cockpit.ui.web import PostingCaller, Refused, UiCaller, UiRoute, body_of, done, page

router = APIRouter(prefix="/ui/inventory/tree", route_class=UiRoute, include_in_schema=False)

KINDS = tuple(FOLDER_LISTS)
ARCHIVES = {"ZIP": "zip", "TAR_GZ": "tar.gz"}
CHANGED = "inventory-changed"  # the event that has the view reload its listing
Objects = Annotated[list[str], Form(default_factory=list)]  # each `TYPE:/path`


def safe_path(text: str, field: str) -> str:
    """An absolute inventory path (without `.` or `..` folders); Refused naming the field otherwise."""
    path = text.rstrip("/") or ROOT
    if problem := path_problem(path, field):
        raise Refused(400, problem)
    return path


def safe_name(text: str, field: str) -> str:
    name = text.strip()
    if not NAME.match(name) or name in (".", ".."):
        raise Refused(400, f'{field}: {text!r} is not a name (no / \\ < > ? : " | *)')
    return name


def chosen(objects: list[str]) -> list[tuple[T, str]]:
    """The objects of a form, each `TYPE:/path`; Refused for none or a malformed one."""
    if not objects:
        raise Refused(400, "Choose at least one object")
    found = []
    for value in objects:
        kind, _, path = value.partition(":")
        if kind not in T.__members__:
            raise Refused(400, f"objects: {value!r} names no object type")
        found.append((T(kind), safe_path(path, "objects")))
    return found


def refs(objects: Sequence[tuple[T, str]]) -> list[dict[str, str]]:
    return [{"path": path, "objectType": kind.value} for kind, path in objects]


def configs(objects: Sequence[tuple[T, str]]) -> list[dict[str, Any]]:
    return [{"configuration": ref} for ref in refs(objects)]


def changed(request: Request, message: str) -> Response:
    """The notice of a change; the listing reloads itself on the event."""
    response = done(request, message)
    response.headers["HX-Trigger"] = CHANGED
    return response


def _named(objects: list[tuple[T, str]]) -> str:
    return ", ".join(path for _, path in objects)


class _Call(NamedTuple):
    """An API handler taking the chosen objects as one list of its request body."""

    handler: Callable[[Cockpit, Caller, Any], Awaitable[Any]]
    model: type[BaseModel]
    field: str


async def _on_chosen(
    request: Request, cockpit: Cockpit, caller: Caller, objects: list[str], call: _Call, notice: str
) -> Response:
    found = chosen(objects)
    await call.handler(cockpit, caller, body_of(call.model, {call.field: refs(found)}))
    return changed(request, notice.format(_named(found)))


# Reading ----------------------------------------------------------------------------------------------------------


async def _folders(cockpit: Cockpit, caller: Caller, trash: bool = False) -> dict[str, Any]:
    answer = await tree_api.tree(cockpit, caller, body_of(TreeRequest, {"forInventoryTrash": trash}))
    root: dict[str, Any] = answer["folders"][0]
    return root


def _items(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects of a read/folder answer, by kind and name."""
    lists = dict.fromkeys(FOLDER_LISTS.values())
    found = [item for key in lists if key in answer for item in answer[key]]
    return sorted(found, key=lambda item: (KINDS.index(T(item["objectType"])), item["name"]))


async def _objects(
    cockpit: Cockpit, caller: Caller, folder: str, controllers: list[str]
) -> list[dict[str, Any]]:
    answer = await inventory_api.read_folder(cockpit, caller, body_of(FolderRequest, {"path": folder}))
    deployed = await deployed_names(cockpit, controllers, folder)
    items = _items(answer)
    for item in items:
        kind = T(item["objectType"])
        item["deployable"] = kind in DEPLOYABLE
        item["releasable"] = kind in RELEASABLE
        item["changed"] = not item["deployed"] and (kind, item["name"]) in deployed
    return items


def _paths(node: dict[str, Any]) -> set[str]:
    return {node["path"], *(path for child in node["folders"] for path in _paths(child))}


def _shown(caller: Caller, tree: dict[str, Any], folder: str) -> str:
    """The folder the view shows: a renamed or deleted one's nearest ancestor still there; an account whose
    roles name folders cannot read the root, so it starts at its first folder."""
    existing = _paths(tree)
    while folder not in existing:
        folder = folder_of(folder)
    if folder == ROOT and not caller.sees(ROOT):
        return next(iter(_tops(caller, tree)), ROOT)
    return folder


async def _listing(cockpit: Cockpit, caller: Caller, folder: str) -> dict[str, Any]:
    """What the view shows of the folder and what the account may do there."""
    caller.require(VIEW)
    folder = safe_path(folder, "folder")
    controllers = await controller_ids(cockpit, caller)
    tree = await _folders(cockpit, caller)
    folder = _shown(caller, tree, folder)
    return {
        "folder": folder,
        "folder_name": name_of(folder) or "/",
        "tree": tree,
        "objects": await _objects(cockpit, caller, folder, controllers),
        "kinds": [kind.value for kind in KINDS],
        "controllers": [c for c in controllers if caller.allows(DEPLOY, c)],
        "formats": list(ARCHIVES),
        "can_manage": caller.allows(MANAGE),
        "can_release": caller.allows(RELEASE),
    }


@router.get("", response_class=HTMLResponse)
async def tree_page(request: Request, caller: UiCaller, cockpit: CockpitDep, folder: str = ROOT) -> Response:
    return page(request, "inventory_tree.html", **await _listing(cockpit, caller, folder))


@router.get("/listing", response_class=HTMLResponse)
async def listing(request: Request, caller: UiCaller, cockpit: CockpitDep, folder: str = ROOT) -> Response:
    """The tree and the folder's objects, reloaded after every change."""
    return page(request, "_inventory_tree.html", **await _listing(cockpit, caller, folder))


@router.get("/new")
async def new_object(caller: UiCaller, folder: str, kind: str, name: str) -> Response:
    """Opens the editor on a new object of the kind in the folder (it is stored from there)."""
    caller.require(MANAGE)
    if kind not in T.__members__ or T(kind) == T.FOLDER:
        raise Refused(400, f"kind: {kind!r} is not an object type")
    path = join(safe_path(folder, "folder"), safe_name(name, "name"))
    return RedirectResponse("/ui/inventory?" + urlencode({"path": path, "type": kind}), 303)


@router.get("/changes", response_class=HTMLResponse)
async def changes(request: Request, caller: UiCaller, cockpit: CockpitDep, path: str, type: str) -> Response:
    """The draft against what each Controller has of it."""
    if type not in T.__members__:
        raise Refused(400, f"type: {type!r} is not an object type")
    path = safe_path(path, "path")
    found = await differences(cockpit, caller, await controller_ids(cockpit, caller), path, T(type))
    return page(request, "inventory_changes.html", path=path, kind=type, differences=found)


# Changing ---------------------------------------------------------------------------------------------------------


@router.post("/folder", response_class=HTMLResponse)
async def new_folder(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    folder: Annotated[str, Form()],
    name: Annotated[str, Form()],
) -> Response:
    path = join(safe_path(folder, "folder"), safe_name(name, "name"))
    await inventory_api.store(cockpit, caller, body_of(StoreRequest, {"path": path, "objectType": "FOLDER"}))
    return changed(request, f"Created the folder {path}")


@router.post("/rename", response_class=HTMLResponse)
async def rename(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    path: Annotated[str, Form()],
    object_type: Annotated[str, Form(alias="objectType")],
    new_name: Annotated[str, Form(alias="newName")],
) -> Response:
    """Renames an object or a folder in its folder."""
    ((kind, old),) = chosen([f"{object_type}:{path}"])
    if old == ROOT:
        raise Refused(400, "The root folder has no name to change")
    body = {"path": old, "objectType": kind.value, "newPath": safe_name(new_name, "newName")}
    answer = await inventory_api.rename(cockpit, caller, body_of(RenameRequest, body))
    return changed(request, f"Renamed {old} to {answer['path']}")


@router.post("/remove", response_class=HTMLResponse)
async def remove(request: Request, caller: PostingCaller, cockpit: CockpitDep, objects: Objects) -> Response:
    """Moves objects to the trash."""
    call = _Call(inventory_api.remove, RemoveRequest, "objects")
    return await _on_chosen(request, cockpit, caller, objects, call, "Moved {} to the trash")


@router.post("/remove/folder", response_class=HTMLResponse)
async def remove_folder(
    request: Request, caller: PostingCaller, cockpit: CockpitDep, folder: Annotated[str, Form()]
) -> Response:
    path = safe_path(folder, "folder")
    await inventory_api.remove_folder(cockpit, caller, body_of(RemoveFolderRequest, {"path": path}))
    return changed(request, f"Moved the folder {path} to the trash")


@router.post("/release", response_class=HTMLResponse)
async def release(request: Request, caller: PostingCaller, cockpit: CockpitDep, objects: Objects) -> Response:
    """Releases schedules, calendars, include scripts, job templates."""
    call = _Call(inventory_api.release, ReleaseRequest, "update")
    return await _on_chosen(request, cockpit, caller, objects, call, "Released {}")


@router.post("/recall", response_class=HTMLResponse)
async def recall(request: Request, caller: PostingCaller, cockpit: CockpitDep, objects: Objects) -> Response:
    """Withdraws releases; the drafts stay."""
    call = _Call(inventory_api.recall, RecallRequest, "releasables")
    return await _on_chosen(request, cockpit, caller, objects, call, "Recalled the release of {}")


@router.post("/deploy", response_class=HTMLResponse)
async def deploy(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    objects: Objects,
    controller: Annotated[str, Form()] = "",
) -> Response:
    """Deploys objects to the Controller chosen."""
    found = chosen(objects)
    if not controller:
        raise Refused(400, "controller: choose the Controller to deploy to")
    if undeployable := [path for kind, path in found if kind not in DEPLOYABLE]:
        raise Refused(400, f"{', '.join(undeployable)}: released, not deployed (use Release)")
    body = {"controllerIds": [controller], "store": {"draftConfigurations": configs(found)}}
    await deployment_api.deploy(cockpit, caller, body_of(DeployRequest, body))
    return changed(request, f"Deployed {_named(found)} to {controller}")


# The trash --------------------------------------------------------------------------------------------------------


def _tops(caller: Caller, node: dict[str, Any]) -> list[str]:
    """The highest folders of the tree the account may see (the root, unless its roles name folders)."""
    if caller.sees(node["path"]):
        return [node["path"]]
    return [top for child in node["folders"] for top in _tops(caller, child)]


async def _trash(cockpit: Cockpit, caller: Caller) -> dict[str, Any]:
    caller.require(VIEW)
    found = []
    for top in _tops(caller, await _folders(cockpit, caller, trash=True)):
        wanted = body_of(FolderRequest, {"path": top, "recursive": True})
        answer = await inventory_trash.read_trash_folder(cockpit, caller, wanted)
        found += [
            item for key in dict.fromkeys(inventory_trash.LISTS.values()) for item in answer.get(key, [])
        ]
    return {"objects": sorted(found, key=lambda item: item["path"]), "can_manage": caller.allows(MANAGE)}


@router.get("/trash", response_class=HTMLResponse)
async def trash_page(request: Request, caller: UiCaller, cockpit: CockpitDep) -> Response:
    return page(request, "inventory_trash.html", **await _trash(cockpit, caller))


@router.get("/trash/listing", response_class=HTMLResponse)
async def trash_listing(request: Request, caller: UiCaller, cockpit: CockpitDep) -> Response:
    return page(request, "_inventory_trash.html", **await _trash(cockpit, caller))


@router.post("/restore", response_class=HTMLResponse)
async def restore(request: Request, caller: PostingCaller, cockpit: CockpitDep, objects: Objects) -> Response:
    """Restores objects (a folder with everything in it) from the trash to where they were."""
    found = chosen(objects)
    for ref in refs(found):
        await inventory_api.trash_restore(cockpit, caller, body_of(RestoreRequest, ref))
    return changed(request, f"Restored {_named(found)}")


@router.post("/trash/delete", response_class=HTMLResponse)
async def delete_for_good(
    request: Request, caller: PostingCaller, cockpit: CockpitDep, objects: Objects
) -> Response:
    found = chosen(objects)
    folders = [path for kind, path in found if kind == T.FOLDER]
    others = [(kind, path) for kind, path in found if kind != T.FOLDER]
    for path in folders:
        await inventory_api.trash_delete_folder(cockpit, caller, body_of(FolderRequest, {"path": path}))
    if others:
        await inventory_api.trash_delete(cockpit, caller, body_of(ObjectsRequest, {"objects": refs(others)}))
    return changed(request, f"Deleted {_named(found)} for good")


# Archives ---------------------------------------------------------------------------------------------------------


def _export_file(folder: str, format: str) -> dict[str, str]:
    if format not in ARCHIVES:
        raise Refused(400, f"format: {format!r} is neither ZIP nor TAR_GZ")
    return {"filename": f"{name_of(folder) or 'inventory'}.{ARCHIVES[format]}", "format": format}


@router.post("/export")
async def export(
    caller: PostingCaller,
    cockpit: CockpitDep,
    objects: Objects,
    folder: Annotated[str, Form()] = ROOT,
    format: Annotated[str, Form()] = "ZIP",
) -> Response:
    """An archive (download) of the objects chosen, or of the folder with everything below it."""
    folder = safe_path(folder, "folder")
    export_file = _export_file(folder, format)
    if objects:
        copy = {"deployables": {"draftConfigurations": configs(chosen(objects))}}
        body: dict[str, Any] = {"exportFile": export_file, "shallowCopy": copy}
        return await inventory_archive.export(cockpit, caller, body_of(ExportRequest, body))
    copy_folder = {"folders": [folder], "objectTypes": [kind.value for kind in KINDS], "recursive": True}
    folder_body = {"exportFile": export_file, "shallowCopy": copy_folder, "useShortPath": False}
    return await inventory_archive.export_folder(cockpit, caller, body_of(ExportFolderRequest, folder_body))


@router.post("/import", response_class=HTMLResponse)
async def import_archive(request: Request, caller: PostingCaller, cockpit: CockpitDep) -> Response:
    """Imports an uploaded archive (multipart: file, format, overwrite, targetFolder) into the folder."""
    form = await request.form()
    try:
        target = form.get("targetFolder")
        target = safe_path(target if isinstance(target, str) else "", "targetFolder")
        filename = getattr(form.get("file"), "filename", None) or "the archive"
        await inventory_archive.import_archive(cockpit, caller, request)
    finally:
        await form.close()  # the upload's temporary file, also when the import is refused before reading it
    return changed(request, f"Imported {filename} into {target}")
