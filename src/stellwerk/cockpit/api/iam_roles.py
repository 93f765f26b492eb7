"""`/joc/api/iam/role*`, `/iam/permission*` and `/iam/folder*`: the roles of an identity service, the
permissions of a role in JOC's names (granted or excluded) and the folders a role is limited to, each for one
Controller or (controllerId "") for every Controller."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.api.iam_models import (
    FolderFilter,
    FolderListFilter,
    FolderRename,
    FoldersBody,
    FoldersFilter,
    PermissionBody,
    PermissionFilter,
    PermissionListFilter,
    PermissionRename,
    PermissionsBody,
    PermissionsFilter,
    RoleFilter,
    RoleListFilter,
    RoleRename,
    RolesFilter,
    RoleStore,
)
from stellwerk.cockpit.api.iam_support import MANAGE, VIEW, audited, existing_role, existing_service, ok
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.repositories.roles import FolderGrant, Permission, RoleEntry, RoleRepository
from stellwerk.cockpit.errors import BadRequest, Conflict, UnknownObject
from stellwerk.cockpit.security.guard import CallerDep
from stellwerk.cockpit.security.permission_tree import is_known

# JOC clients may send their JSON bodies without a Content-Type header.
router = APIRouter(prefix="/joc/api/iam", tags=["iam"], strict_content_type=False)


def role_item(service: str, role: RoleEntry) -> dict[str, Any]:
    return {
        "identityServiceName": service,
        "roleName": role.name,
        "ordering": role.ordering,
        "controllers": list(role.controllers),
    }


@router.post("/roles")
async def roles(cockpit: CockpitDep, caller: CallerDep, body: RoleListFilter) -> dict[str, Any]:
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        await existing_service(db, body.identity_service_name)
        found = await RoleRepository(db).role_entries(body.identity_service_name)
    return {
        "identityServiceName": body.identity_service_name,
        "roles": [role_item(body.identity_service_name, r) for r in found],
    }


@router.post("/role")
async def role(cockpit: CockpitDep, caller: CallerDep, body: RoleFilter) -> dict[str, Any]:
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        await existing_role(db, body.identity_service_name, body.role_name)
        found = await RoleRepository(db).role_entries(body.identity_service_name)
    return role_item(body.identity_service_name, next(r for r in found if r.name == body.role_name))


@router.post("/role/store")
async def store_role(cockpit: CockpitDep, caller: CallerDep, body: RoleStore) -> dict[str, Any]:
    """Adds a role or changes its ordering (a new role without one comes last)."""
    caller.require(MANAGE)
    async with cockpit.database.session() as db:
        await existing_service(db, body.identity_service_name)
        repository = RoleRepository(db)
        existing = {r.name: r.ordering for r in await repository.role_entries(body.identity_service_name)}
        ordering = body.ordering
        if ordering is None:
            ordering = existing.get(body.role_name, max(existing.values(), default=-1) + 1)
        await repository.store_role(body.identity_service_name, body.role_name, ordering)
        await audited(db, caller, "./iam/role/store", body, cockpit.now())
    return ok()


@router.post("/role/rename")
async def rename_role(cockpit: CockpitDep, caller: CallerDep, body: RoleRename) -> dict[str, Any]:
    caller.require(MANAGE)
    async with cockpit.database.session() as db:
        await existing_role(db, body.identity_service_name, body.role_old_name)
        repository = RoleRepository(db)
        if body.role_new_name in await repository.roles(body.identity_service_name):
            raise Conflict(f"$.roleNewName: the role {body.role_new_name} exists already")
        await repository.rename_role(body.identity_service_name, body.role_old_name, body.role_new_name)
        await audited(db, caller, "./iam/role/rename", body, cockpit.now())
    return ok()


@router.post("/roles/delete")
async def delete_roles(cockpit: CockpitDep, caller: CallerDep, body: RolesFilter) -> dict[str, Any]:
    caller.require(MANAGE)
    async with cockpit.database.session() as db:
        for name in body.role_names:
            await existing_role(db, body.identity_service_name, name)
        for name in body.role_names:
            await RoleRepository(db).delete_role(body.identity_service_name, name)
        await audited(db, caller, "./iam/roles/delete", body, cockpit.now())
    return ok()


def permission_item(permission: Permission) -> dict[str, Any]:
    return {"permissionPath": permission.permission, "excluded": permission.excluded}


def checked_permissions(permissions: Sequence[PermissionBody], field: str) -> list[Permission]:
    """The permissions of a request; a name outside JOC's tree is refused with its JSON path."""
    for index, permission in enumerate(permissions):
        if not is_known(permission.permission_path):
            raise BadRequest(
                f"{field}[{index}].permissionPath: {permission.permission_path} is not a JOC permission"
            )
    unique = {p.permission_path: p.excluded for p in permissions}
    return [Permission(permission=name, excluded=excluded) for name, excluded in unique.items()]


class _RoleScoped(Protocol):
    identity_service_name: str
    controller_id: str
    role_name: str


def _of_role(body: _RoleScoped, **found: Any) -> dict[str, Any]:
    """An answer about one role's grants for a Controller (or the defaults)."""
    return {
        "identityServiceName": body.identity_service_name,
        "controllerId": body.controller_id,
        "roleName": body.role_name,
        **found,
    }


async def _permissions(db: AsyncSession, service: str, role: str, controller_id: str) -> list[Permission]:
    await existing_role(db, service, role)
    return await RoleRepository(db).permissions(service, role, controller_id)


@router.post("/permissions")
async def permissions(cockpit: CockpitDep, caller: CallerDep, body: PermissionListFilter) -> dict[str, Any]:
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        found = await _permissions(db, body.identity_service_name, body.role_name, body.controller_id)
    return _of_role(body, permissions=[permission_item(p) for p in found])


@router.post("/permission")
async def permission(cockpit: CockpitDep, caller: CallerDep, body: PermissionFilter) -> dict[str, Any]:
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        found = await _permissions(db, body.identity_service_name, body.role_name, body.controller_id)
    match = [p for p in found if p.permission == body.permission_path]
    if not match:
        raise UnknownObject(f"The role {body.role_name} has no permission {body.permission_path}")
    return _of_role(body, permission=permission_item(match[0]))


@router.post("/permissions/store")
async def store_permissions(cockpit: CockpitDep, caller: CallerDep, body: PermissionsBody) -> dict[str, Any]:
    """Sets the role's permissions for the Controller (or the defaults) to the ones given."""
    caller.require(MANAGE)
    wanted = checked_permissions(body.permissions, "$.permissions")
    async with cockpit.database.session() as db:
        await existing_role(db, body.identity_service_name, body.role_name)
        await RoleRepository(db).set_permissions(
            body.identity_service_name, body.role_name, wanted, body.controller_id
        )
        await audited(db, caller, "./iam/permissions/store", body, cockpit.now())
    return ok()


@router.post("/permissions/delete")
async def delete_permissions(
    cockpit: CockpitDep, caller: CallerDep, body: PermissionsFilter
) -> dict[str, Any]:
    caller.require(MANAGE)
    async with cockpit.database.session() as db:
        found = await _permissions(db, body.identity_service_name, body.role_name, body.controller_id)
        kept = [p for p in found if p.permission not in body.permission_paths]
        await RoleRepository(db).set_permissions(
            body.identity_service_name, body.role_name, kept, body.controller_id
        )
        await audited(db, caller, "./iam/permissions/delete", body, cockpit.now())
    return ok()


@router.post("/permission/rename")
async def rename_permission(cockpit: CockpitDep, caller: CallerDep, body: PermissionRename) -> dict[str, Any]:
    """Replaces one permission of the role by another."""
    caller.require(MANAGE)
    [new] = checked_permissions((body.new_permission,), "$.newPermission")
    async with cockpit.database.session() as db:
        found = await _permissions(db, body.identity_service_name, body.role_name, body.controller_id)
        if all(p.permission != body.old_permission_path for p in found):
            raise UnknownObject(f"The role {body.role_name} has no permission {body.old_permission_path}")
        kept = [p for p in found if p.permission not in (body.old_permission_path, new.permission)]
        await RoleRepository(db).set_permissions(
            body.identity_service_name, body.role_name, [*kept, new], body.controller_id
        )
        await audited(db, caller, "./iam/permission/rename", body, cockpit.now())
    return ok()


def folder_item(folder: FolderGrant) -> dict[str, Any]:
    return {"folder": folder.folder, "recursive": folder.recursive}


async def _folders(db: AsyncSession, service: str, role: str, controller_id: str) -> list[FolderGrant]:
    await existing_role(db, service, role)
    return await RoleRepository(db).folders(service, role, controller_id)


@router.post("/folders")
async def folders(cockpit: CockpitDep, caller: CallerDep, body: FolderListFilter) -> dict[str, Any]:
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        found = await _folders(db, body.identity_service_name, body.role_name, body.controller_id)
    return _of_role(body, folders=[folder_item(f) for f in found])


@router.post("/folder")
async def folder(cockpit: CockpitDep, caller: CallerDep, body: FolderFilter) -> dict[str, Any]:
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        found = await _folders(db, body.identity_service_name, body.role_name, body.controller_id)
    match = [f for f in found if f.folder == body.folder_name]
    if not match:
        raise UnknownObject(f"The role {body.role_name} has no folder {body.folder_name}")
    return _of_role(body, folder=folder_item(match[0]))


@router.post("/folders/store")
async def store_folders(cockpit: CockpitDep, caller: CallerDep, body: FoldersBody) -> dict[str, Any]:
    """Sets the folders the role is limited to for the Controller (or every Controller)."""
    caller.require(MANAGE)
    wanted = {f.folder: FolderGrant(folder=f.folder, recursive=f.recursive) for f in body.folders}
    async with cockpit.database.session() as db:
        await existing_role(db, body.identity_service_name, body.role_name)
        await RoleRepository(db).set_folders(
            body.identity_service_name, body.role_name, list(wanted.values()), body.controller_id
        )
        await audited(db, caller, "./iam/folders/store", body, cockpit.now())
    return ok()


@router.post("/folders/delete")
async def delete_folders(cockpit: CockpitDep, caller: CallerDep, body: FoldersFilter) -> dict[str, Any]:
    caller.require(MANAGE)
    async with cockpit.database.session() as db:
        found = await _folders(db, body.identity_service_name, body.role_name, body.controller_id)
        kept = [f for f in found if f.folder not in body.folder_names]
        await RoleRepository(db).set_folders(
            body.identity_service_name, body.role_name, kept, body.controller_id
        )
        await audited(db, caller, "./iam/folders/delete", body, cockpit.now())
    return ok()


@router.post("/folder/rename")
async def rename_folder(cockpit: CockpitDep, caller: CallerDep, body: FolderRename) -> dict[str, Any]:
    """Replaces one folder of the role by another."""
    caller.require(MANAGE)
    new = FolderGrant(folder=body.new_folder.folder, recursive=body.new_folder.recursive)
    async with cockpit.database.session() as db:
        found = await _folders(db, body.identity_service_name, body.role_name, body.controller_id)
        if all(f.folder != body.old_folder_name for f in found):
            raise UnknownObject(f"The role {body.role_name} has no folder {body.old_folder_name}")
        kept = [f for f in found if f.folder not in (body.old_folder_name, new.folder)]
        await RoleRepository(db).set_folders(
            body.identity_service_name, body.role_name, [*kept, new], body.controller_id
        )
        await audited(db, caller, "./iam/folder/rename", body, cockpit.now())
    return ok()
