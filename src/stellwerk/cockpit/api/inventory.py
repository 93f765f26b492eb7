"""`/joc/api/inventory/...`: drafts and folders — store, read, validate, rename, remove to the trash, restore
from it, empty it, and release schedules and calendars (and recall releases). Every change is checked against
the caller's permission and folders first and writes an audit entry in its own transaction."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from stellwerk.cockpit.api.inventory_body import json_body
from stellwerk.cockpit.api.inventory_common import (
    MANAGE,
    RELEASE,
    VIEW,
    checked_path,
    configuration_object,
    find,
    folder_item,
    invalid_message,
    known,
    ok,
    revalidate,
)
from stellwerk.cockpit.api.inventory_models import (
    FolderRequest,
    ObjectsRequest,
    ReadRequest,
    RecallRequest,
    ReleaseRequest,
    RemoveFolderRequest,
    RemoveRequest,
    RenameRequest,
    RestoreRequest,
    StoreRequest,
)
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.repositories.folders import ROOT, ancestors, folder_of, join, name_of
from stellwerk.cockpit.db.repositories.inventory import Configuration, Draft, InventoryRepository
from stellwerk.cockpit.db.repositories.releases import ReleaseRepository
from stellwerk.cockpit.db.repositories.trash import TrashRepository
from stellwerk.cockpit.errors import BadRequest, Conflict, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.deploy import revoke_everywhere
from stellwerk.cockpit.services.inventory import CALENDARS, NAME, RELEASABLE, validation

router = APIRouter(prefix="/joc/api/inventory", tags=["inventory"])

# The lists of JOC's folder answer, by object type.
FOLDER_LISTS = {
    T.WORKFLOW: "workflows",
    T.JOBRESOURCE: "jobResources",
    T.LOCK: "locks",
    T.NOTICEBOARD: "noticeBoards",
    T.FILEORDERSOURCE: "fileOrderSources",
    T.SCHEDULE: "schedules",
    T.INCLUDESCRIPT: "includeScripts",
    T.WORKINGDAYSCALENDAR: "calendars",
    T.NONWORKINGDAYSCALENDAR: "calendars",
    T.JOBTEMPLATE: "jobTemplates",
    T.REPORT: "reports",
}


def _allowed(caller: Caller, permission: str, *paths: str) -> None:
    caller.require(permission)
    for path in paths:
        caller.require_folder(path)


@router.post("/store")
async def store(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[StoreRequest, Depends(json_body(StoreRequest))]
) -> dict[str, Any]:
    """Stores a draft (or creates a folder); an invalid draft is stored too, with `valid: false` and why."""
    path = checked_path(body.path)
    _allowed(caller, MANAGE, path)
    if path == ROOT:
        raise BadRequest("$.path: the root folder exists already")
    if body.object_type != T.FOLDER and body.configuration is None:
        raise BadRequest("$.configuration: required for a " + body.object_type.value)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        repository = InventoryRepository(db)
        if body.object_type == T.FOLDER:
            await repository.ensure_folders([*ancestors(path), path], now)
            stored = await repository.read(T.FOLDER, path)
            invalid = None
        else:
            await _check_name_free(repository, body.object_type, path)
            names = await known(db)
            invalid = validation(body.object_type, name_of(path), body.configuration, names)
            title = (body.configuration or {}).get("title")
            draft = Draft(
                object_type=body.object_type,
                path=path,
                content=json.dumps(body.configuration),
                valid=invalid is None,
                title=title if isinstance(title, str) else None,
            )
            stored = await repository.store(draft, now)
            await revalidate(db, await known(db))
        assert stored is not None
        await audit(db, caller, "./inventory/store", AuditCategory.INVENTORY, body, now, objects=[(body.object_type.value, path)])  # fmt: skip
    return configuration_object(stored, invalid, with_content=False)


async def _check_name_free(repository: InventoryRepository, object_type: T, path: str) -> None:
    """JS7 names are unique per object type across folders (both calendar types share their names)."""
    for kind in CALENDARS if object_type in CALENDARS else (object_type,):
        other = await repository.read_by_name(kind, name_of(path))
        if other is not None and (other.path != path or kind != object_type):
            raise Conflict(f"$.path: the name {name_of(path)} is used already by {kind.value} {other.path}")


@router.post("/read/configuration")
async def read_configuration(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[ReadRequest, Depends(json_body(ReadRequest))]
) -> dict[str, Any]:
    """One draft with its configuration and state."""
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        found = await find(db, body)
        caller.require_folder(found.path)
        invalid = invalid_message(found, await known(db))
    return configuration_object(found, invalid)


@router.post("/read/folder")
async def read_folder(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[FolderRequest, Depends(json_body(FolderRequest))]
) -> dict[str, Any]:
    """The objects of a folder (and below, when recursive), grouped by type as JOC answers."""
    path = checked_path(body.path)
    _allowed(caller, VIEW, path)
    wanted = [kind for kind in body.object_types or FOLDER_LISTS if kind in FOLDER_LISTS]
    async with cockpit.database.session() as db:
        found = await InventoryRepository(db).list_folder(path, recursive=body.recursive, object_types=wanted)
    answer: dict[str, Any] = {"deliveryDate": delivery_date(), "path": path}
    for configuration in found:
        if caller.sees(configuration.path) and (configuration.valid or not body.only_valid_objects):
            answer.setdefault(FOLDER_LISTS[configuration.object_type], []).append(folder_item(configuration))
    return answer


@router.post("/{object_type}/validate")
async def validate(
    cockpit: CockpitDep, caller: CallerDep, object_type: str, request: Request
) -> dict[str, Any]:
    """Checks a configuration (the body) against its schema and the inventory's objects; nothing is stored."""
    caller.require(VIEW)
    try:
        kind = T(object_type.upper())
    except ValueError:
        raise UnknownObject(f"{object_type} is not an inventory object type") from None
    try:
        content = json.loads(await request.body() or b"{}")
    except ValueError as error:
        raise BadRequest(f"$: malformed JSON: {error}") from None
    if not isinstance(content, dict):
        raise BadRequest("$: a configuration is a JSON object")
    async with cockpit.database.session() as db:
        invalid = validation(kind, "validated", content, await known(db))
    answer: dict[str, Any] = {"deliveryDate": delivery_date(), "valid": invalid is None}
    if invalid is not None:
        answer["invalidMsg"] = invalid
    return answer


@router.post("/rename")
async def rename(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[RenameRequest, Depends(json_body(RenameRequest))]
) -> dict[str, Any]:
    """Renames or moves an object or a folder; `newPath` is a new name in the same folder or a new path."""
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        found = await find(db, body)
        new_path = _new_path(found.path, body.new_path)
        caller.require_folder(found.path)
        caller.require_folder(new_path)
        repository = InventoryRepository(db)
        if found.object_type == T.FOLDER:
            if new_path.startswith(found.path + "/"):
                raise BadRequest(f"$.newPath: {new_path} is inside the folder {found.path}")
            if await repository.read(T.FOLDER, new_path) is not None:
                raise Conflict(f"$.newPath: the folder {new_path} exists already")
            await repository.rename_folder(found.path, new_path, now)
        else:
            await _check_name_free(repository, found.object_type, new_path)
            await repository.rename(found.object_type, found.path, new_path, now)
        renamed = await repository.read(found.object_type, new_path)
        assert renamed is not None
        await revalidate(db, await known(db))
        objects = [(found.object_type.value, found.path), (found.object_type.value, new_path)]
        await audit(db, caller, "./inventory/rename", AuditCategory.INVENTORY, body, now, objects=objects)
    return {"deliveryDate": delivery_date(), "id": renamed.id, "path": new_path, "objectType": found.object_type.value}  # fmt: skip


def _new_path(path: str, new: str) -> str:
    if new.startswith("/"):
        return checked_path(new.rstrip("/") or "/", "$.newPath")
    if not NAME.match(new):
        raise BadRequest(f"$.newPath: {new!r} is neither a name nor an absolute path")
    return join(folder_of(path), new)


@router.post("/remove")
async def remove(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[RemoveRequest, Depends(json_body(RemoveRequest))]
) -> dict[str, Any]:
    """Moves objects to the trash; what a Controller has of them is revoked there first."""
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        found = [await find(db, ref) for ref in body.objects]
        for configuration in found:
            caller.require_folder(configuration.path)
        await _trash(cockpit, db, caller, found, now)
        objects = [(c.object_type.value, c.path) for c in found]
        await audit(db, caller, "./inventory/remove", AuditCategory.INVENTORY, body, now, objects=objects)
    return ok()


@router.post("/remove/folder")
async def remove_folder(
    cockpit: CockpitDep,
    caller: CallerDep,
    body: Annotated[RemoveFolderRequest, Depends(json_body(RemoveFolderRequest))],
) -> dict[str, Any]:
    """Moves a folder with everything below it to the trash (revoking what Controllers have of it)."""
    path = checked_path(body.path)
    _allowed(caller, MANAGE, path)
    if path == ROOT:
        raise BadRequest("$.path: the root folder cannot be removed")
    now = cockpit.now()
    async with cockpit.database.session() as db:
        folder = await InventoryRepository(db).read(T.FOLDER, path)
        if folder is None:
            raise UnknownObject(f"No folder {path} in the inventory")
        below = await InventoryRepository(db).list_folder(path, recursive=True)
        for configuration in below:
            caller.require_folder(configuration.path)
        await _trash(cockpit, db, caller, [folder], now, revoked=below)
        await audit(db, caller, "./inventory/remove/folder", AuditCategory.INVENTORY, body, now, objects=[("FOLDER", path)])  # fmt: skip
    return ok()


async def _trash(
    cockpit: Any,
    db: Any,
    caller: Caller,
    found: list[Configuration],
    now: int,
    revoked: list[Configuration] = (),  # type: ignore[assignment]
) -> None:
    await revoke_everywhere(cockpit, db, caller, [*found, *revoked], now)
    trash = TrashRepository(db)
    for configuration in found:
        await ReleaseRepository(db).recall(configuration.object_type, configuration.name)
        await trash.trash(configuration.object_type, configuration.path, now)


@router.post("/trash/delete")
async def trash_delete(
    cockpit: CockpitDep,
    caller: CallerDep,
    body: Annotated[ObjectsRequest, Depends(json_body(ObjectsRequest))],
) -> dict[str, Any]:
    """Deletes objects from the trash for good."""
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        trash = TrashRepository(db)
        for ref in body.objects:
            if ref.path is None or ref.object_type is None:
                raise BadRequest("$.objects: objects in the trash are named by path and objectType")
            caller.require_folder(ref.path)
            if not await trash.empty(ref.object_type, ref.path):
                raise UnknownObject(f"No {ref.object_type.value} at {ref.path} in the trash")
        objects = [(ref.object_type.value, ref.path) for ref in body.objects if ref.object_type and ref.path]
        await audit(
            db, caller, "./inventory/trash/delete", AuditCategory.INVENTORY, body, now, objects=objects
        )
    return ok()


@router.post("/trash/delete/folder")
async def trash_delete_folder(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[FolderRequest, Depends(json_body(FolderRequest))]
) -> dict[str, Any]:
    """Deletes a folder and everything below it from the trash for good."""
    path = checked_path(body.path)
    _allowed(caller, MANAGE, path)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        if not await TrashRepository(db).empty(T.FOLDER, path):
            raise UnknownObject(f"No folder {path} in the trash")
        await audit(db, caller, "./inventory/trash/delete/folder", AuditCategory.INVENTORY, body, now, objects=[("FOLDER", path)])  # fmt: skip
    return ok()


@router.post("/trash/restore")
async def trash_restore(
    cockpit: CockpitDep,
    caller: CallerDep,
    body: Annotated[RestoreRequest, Depends(json_body(RestoreRequest))],
) -> dict[str, Any]:
    """Restores an object or folder from the trash, optionally to a new path or with a prefix/suffix."""
    if body.path is None or body.object_type is None:
        raise BadRequest("$: objects in the trash are named by path and objectType")
    path = checked_path(body.path)
    new_path = _new_path(path, body.new_path) if body.new_path else path
    if body.prefix or body.suffix:
        name = "-".join(part for part in (body.prefix, name_of(new_path), body.suffix) if part)
        new_path = join(folder_of(new_path), name)
    _allowed(caller, MANAGE, path, new_path)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        repository = InventoryRepository(db)
        if await repository.read(body.object_type, new_path) is not None:
            raise Conflict(f"$.newPath: {new_path} exists already in the inventory")
        if body.object_type != T.FOLDER and new_path == path:
            await _check_name_free(repository, body.object_type, path)
        restored = await TrashRepository(db).restore(body.object_type, path, now)
        if not restored:
            raise UnknownObject(f"No {body.object_type.value} at {path} in the trash, or it exists again")
        if new_path != path:
            if body.object_type == T.FOLDER:
                await repository.rename_folder(path, new_path, now)
            else:
                await _check_name_free(repository, body.object_type, new_path)
                await repository.rename(body.object_type, path, new_path, now)
        result = await repository.read(body.object_type, new_path)
        assert result is not None
        await revalidate(db, await known(db))
        await audit(db, caller, "./inventory/trash/restore", AuditCategory.INVENTORY, body, now, objects=[(body.object_type.value, new_path)])  # fmt: skip
    return {"deliveryDate": delivery_date(), "id": result.id, "path": new_path, "objectType": body.object_type.value}  # fmt: skip


@router.post("/release")
async def release(
    cockpit: CockpitDep,
    caller: CallerDep,
    body: Annotated[ReleaseRequest, Depends(json_body(ReleaseRequest))],
) -> dict[str, Any]:
    """Releases valid drafts of schedules, calendars, … (`update`; a folder: everything releasable in it) and
    deletes releases with their drafts (`delete`)."""
    caller.require(RELEASE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        names = await known(db)
        updates = await _releasables(db, caller, body.update)
        deletes = await _releasables(db, caller, body.delete)
        for draft in updates:
            if (invalid := invalid_message(draft, names)) is not None:
                raise BadRequest(f"{draft.object_type.value} {draft.path} is invalid and cannot be released: {invalid}")  # fmt: skip
        releases = ReleaseRepository(db)
        for draft in updates:
            await releases.release(draft.object_type, draft.path, now)
        for draft in deletes:
            await releases.recall(draft.object_type, draft.name)
            await TrashRepository(db).trash(draft.object_type, draft.path, now)
        objects = [(d.object_type.value, d.path) for d in [*updates, *deletes]]
        await audit(db, caller, "./inventory/release", AuditCategory.INVENTORY, body, now, objects=objects)
    return ok()


async def _releasables(db: Any, caller: Caller, refs: Any) -> list[Configuration]:
    found: list[Configuration] = []
    for ref in refs:
        configuration = await find(db, ref)
        caller.require_folder(configuration.path)
        if configuration.object_type == T.FOLDER:
            below = await InventoryRepository(db).list_folder(configuration.path, recursive=True, object_types=RELEASABLE)  # fmt: skip
            found += [c for c in below if caller.sees(c.path)]
        elif configuration.object_type in RELEASABLE:
            found.append(configuration)
        else:
            raise BadRequest(
                f"{configuration.object_type.value} {configuration.path} is deployed, not released"
            )
    return found


@router.post("/releasables/recall")
async def recall(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[RecallRequest, Depends(json_body(RecallRequest))]
) -> dict[str, Any]:
    """Withdraws releases; the drafts stay."""
    caller.require(RELEASE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        releases = ReleaseRepository(db)
        for releasable in body.releasables:
            name = name_of(releasable.path)
            found = await releases.released(releasable.object_type, name)
            if found is None:
                raise UnknownObject(f"{releasable.object_type.value} {releasable.path} is not released")
            caller.require_folder(found.path)
            await releases.recall(releasable.object_type, name)
        objects = [(r.object_type.value, r.path) for r in body.releasables]
        await audit(db, caller, "./inventory/releasables/recall", AuditCategory.INVENTORY, body, now, objects=objects)  # fmt: skip
    return ok()


@router.post("/releasables/recall/folder")
async def recall_folder(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[FolderRequest, Depends(json_body(FolderRequest))]
) -> dict[str, Any]:
    """Withdraws every release in a folder (and below, when recursive)."""
    path = checked_path(body.path)
    _allowed(caller, RELEASE, path)
    now = cockpit.now()
    kinds = [kind for kind in body.object_types or RELEASABLE if kind in RELEASABLE]
    async with cockpit.database.session() as db:
        releases = ReleaseRepository(db)
        found = await releases.list_released(path, recursive=body.recursive, object_types=kinds)
        for each in found:
            caller.require_folder(each.path)
            await releases.recall(each.object_type, each.name)
        objects = [(r.object_type.value, r.path) for r in found]
        await audit(db, caller, "./inventory/releasables/recall/folder", AuditCategory.INVENTORY, body, now, objects=objects)  # fmt: skip
    return ok()
