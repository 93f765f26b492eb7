"""Roles, their permissions in JOC's names and the folders they are limited to, per Controller (`""` stands for
the defaults that hold for every Controller), and the grants of an account for the security layer to evaluate
(JOC: grants are recursive down the permission tree, an exclusion beats any grant)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.tables import IamAccountRole, IamFolder, IamIdentityService, IamPermission, IamRole

DEFAULTS = ""  # the controller_id of permissions and folders that hold for every Controller


class Permission(msgspec.Struct, frozen=True, kw_only=True):
    """A permission path such as `sos:products:controller:orders:create`, granted or excluded."""

    permission: str
    excluded: bool = False


class FolderGrant(msgspec.Struct, frozen=True, kw_only=True):
    """A folder a role may see (with its subfolders when recursive)."""

    folder: str
    recursive: bool = True


class RolePermission(msgspec.Struct, frozen=True, kw_only=True):
    """A permission of one of an account's roles."""

    role: str
    controller_id: str
    permission: str
    excluded: bool


class RoleFolder(msgspec.Struct, frozen=True, kw_only=True):
    """A folder limit of one of an account's roles."""

    role: str
    controller_id: str
    folder: str
    recursive: bool


class RoleEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A role with its ordering and the Controllers it has permissions or folders of its own for."""

    name: str
    ordering: int
    controllers: tuple[str, ...]


class AccountGrants(msgspec.Struct, frozen=True, kw_only=True):
    """Everything an account's roles carry."""

    roles: tuple[str, ...]
    permissions: tuple[RolePermission, ...]
    folders: tuple[RoleFolder, ...]


class RoleRepository:
    """Roles with their permissions and folders."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def store_role(self, service: str, name: str, ordering: int = 0) -> None:
        """Creates the role (or changes its ordering). Raises LookupError for an unknown service."""
        service_id = await self._session.scalar(
            select(IamIdentityService.id).where(IamIdentityService.name == service)
        )
        if service_id is None:
            raise LookupError(f"No identity service {service!r}")
        row = await self._role_row(service, name) or IamRole(service_id=service_id, name=name)
        row.ordering = ordering
        self._session.add(row)
        await self._session.flush()

    async def roles(self, service: str) -> list[str]:
        """The role names of a service, by ordering."""
        names = await self._session.scalars(
            select(IamRole.name)
            .join(IamIdentityService, IamIdentityService.id == IamRole.service_id)
            .where(IamIdentityService.name == service)
            .order_by(IamRole.ordering, IamRole.name)
        )
        return list(names)

    async def role_entries(self, service: str) -> list[RoleEntry]:
        """The roles of a service with their orderings and Controllers, by ordering."""
        rows = list(
            await self._session.scalars(
                select(IamRole)
                .join(IamIdentityService, IamIdentityService.id == IamRole.service_id)
                .where(IamIdentityService.name == service)
                .order_by(IamRole.ordering, IamRole.name)
            )
        )
        ids = [row.id for row in rows]
        controllers: dict[int, set[str]] = {}
        for table in (IamPermission, IamFolder):
            found = await self._session.execute(
                select(table.role_id, table.controller_id).where(
                    table.role_id.in_(ids), table.controller_id != DEFAULTS
                )
            )
            for role_id, controller_id in found:
                controllers.setdefault(role_id, set()).add(controller_id)
        return [
            RoleEntry(
                name=row.name, ordering=row.ordering, controllers=tuple(sorted(controllers.get(row.id, ())))
            )
            for row in rows
        ]

    async def rename_role(self, service: str, old: str, new: str) -> bool:
        """Renames a role (its permissions, folders and accounts stay with it)."""
        row = await self._role_row(service, old)
        if row is None:
            return False
        row.name = new
        await self._session.flush()
        return True

    async def delete_role(self, service: str, name: str) -> bool:
        """Removes the role with its permissions, folders and account memberships."""
        row = await self._role_row(service, name)
        if row is None:
            return False
        await self._session.delete(row)
        await self._session.flush()
        return True

    async def set_permissions(
        self, service: str, role: str, permissions: Sequence[Permission], controller_id: str = DEFAULTS
    ) -> bool:
        """Replaces the role's permissions for a Controller (or the defaults); False for an unknown role."""
        row = await self._role_row(service, role)
        if row is None:
            return False
        await self._session.execute(
            delete(IamPermission).where(
                IamPermission.role_id == row.id, IamPermission.controller_id == controller_id
            )
        )
        self._session.add_all(
            IamPermission(
                role_id=row.id, controller_id=controller_id, permission=p.permission, excluded=p.excluded
            )
            for p in permissions
        )
        await self._session.flush()
        return True

    async def permissions(self, service: str, role: str, controller_id: str = DEFAULTS) -> list[Permission]:
        """The role's permissions for a Controller (or the defaults), sorted."""
        rows = await self._session.execute(
            select(IamPermission.permission, IamPermission.excluded)
            .join(IamRole, IamRole.id == IamPermission.role_id)
            .join(IamIdentityService, IamIdentityService.id == IamRole.service_id)
            .where(
                IamIdentityService.name == service,
                IamRole.name == role,
                IamPermission.controller_id == controller_id,
            )
            .order_by(IamPermission.permission)
        )
        return [Permission(permission=p, excluded=e) for p, e in rows]

    async def set_folders(
        self, service: str, role: str, folders: Sequence[FolderGrant], controller_id: str = DEFAULTS
    ) -> bool:
        """Replaces the folders the role is limited to for a Controller (or the defaults)."""
        row = await self._role_row(service, role)
        if row is None:
            return False
        await self._session.execute(
            delete(IamFolder).where(IamFolder.role_id == row.id, IamFolder.controller_id == controller_id)
        )
        self._session.add_all(
            IamFolder(role_id=row.id, controller_id=controller_id, folder=f.folder, recursive=f.recursive)
            for f in folders
        )
        await self._session.flush()
        return True

    async def folders(self, service: str, role: str, controller_id: str = DEFAULTS) -> list[FolderGrant]:
        """The folders of the role for a Controller (or the defaults), sorted."""
        rows = await self._session.execute(
            select(IamFolder.folder, IamFolder.recursive)
            .join(IamRole, IamRole.id == IamFolder.role_id)
            .join(IamIdentityService, IamIdentityService.id == IamRole.service_id)
            .where(
                IamIdentityService.name == service,
                IamRole.name == role,
                IamFolder.controller_id == controller_id,
            )
            .order_by(IamFolder.folder)
        )
        return [FolderGrant(folder=f, recursive=r) for f, r in rows]

    async def grants(self, account_id: int) -> AccountGrants:
        """The roles of an account with all their permissions and folders, for every Controller."""
        roles = {
            row.id: row.name
            for row in await self._session.execute(
                select(IamRole.id, IamRole.name)
                .join(IamAccountRole, IamAccountRole.role_id == IamRole.id)
                .where(IamAccountRole.account_id == account_id)
            )
        }
        permissions = await self._session.scalars(
            select(IamPermission).where(IamPermission.role_id.in_(roles)).order_by(IamPermission.id)
        )
        folders = await self._session.scalars(
            select(IamFolder).where(IamFolder.role_id.in_(roles)).order_by(IamFolder.id)
        )
        return AccountGrants(
            roles=tuple(sorted(roles.values())),
            permissions=tuple(
                RolePermission(
                    role=roles[p.role_id],
                    controller_id=p.controller_id,
                    permission=p.permission,
                    excluded=p.excluded,
                )
                for p in permissions
            ),
            folders=tuple(
                RoleFolder(
                    role=roles[f.role_id],
                    controller_id=f.controller_id,
                    folder=f.folder,
                    recursive=f.recursive,
                )
                for f in folders
            ),
        )

    async def _role_row(self, service: str, name: str) -> IamRole | None:
        return await self._session.scalar(
            select(IamRole)
            .join(IamIdentityService, IamIdentityService.id == IamRole.service_id)
            .where(IamIdentityService.name == service, IamRole.name == name)
        )
