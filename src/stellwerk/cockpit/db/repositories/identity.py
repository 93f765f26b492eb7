"""Identity services and their accounts: argon2 hashes (made by the security layer, stored here), roles of an
account, the failed-login counter that blocks an account, and JOC's blocklist (blocked account names with when and
why)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.base import affected_rows
from stellwerk.cockpit.db.enums import IdentityServiceType
from stellwerk.cockpit.db.tables import IamAccount, IamAccountRole, IamIdentityService, IamRole


class IdentityService(msgspec.Struct, frozen=True, kw_only=True):
    """An identity service; `configuration` is its settings as JSON (LDAP server, …)."""

    name: str
    service_type: IdentityServiceType = IdentityServiceType.JOC
    authentication_scheme: str = "SINGLE-FACTOR"
    ordering: int = 0
    disabled: bool = False
    required: bool = False
    configuration: str | None = None


class AccountEntry(msgspec.Struct, frozen=True, kw_only=True):
    """An account as the API stores it."""

    name: str
    password_hash: str | None = None
    email: str | None = None
    disabled: bool = False
    force_password_change: bool = False


class Account(msgspec.Struct, frozen=True, kw_only=True):
    """A stored account with its roles (sorted)."""

    id: int
    service: str
    name: str
    password_hash: str | None
    email: str | None
    disabled: bool
    blocked: bool
    blocked_since: int | None
    block_comment: str | None
    force_password_change: bool
    failed_logins: int
    last_login: int | None
    last_failed_login: int | None
    roles: tuple[str, ...]


class BlockedName(msgspec.Struct, frozen=True, kw_only=True):
    """An entry of JOC's blocklist: an account name blocked in at least one identity service."""

    name: str
    since: int | None
    comment: str | None


class UnknownRoles(LookupError):
    """An account was given roles its identity service does not have."""


_SERVICE_FIELDS = IdentityService.__struct_fields__
_ACCOUNT_FIELDS = AccountEntry.__struct_fields__


class IdentityRepository:
    """Identity services and accounts."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def store_service(self, service: IdentityService) -> None:
        """Inserts or replaces the identity service of that name."""
        row = await self._service_row(service.name) or IamIdentityService()
        for field in _SERVICE_FIELDS:
            setattr(row, field, getattr(service, field))
        self._session.add(row)
        await self._session.flush()

    async def service(self, name: str) -> IdentityService | None:
        """One identity service."""
        row = await self._service_row(name)
        return None if row is None else _service(row)

    async def services(self) -> list[IdentityService]:
        """Every identity service, by ordering."""
        rows = await self._session.scalars(
            select(IamIdentityService).order_by(IamIdentityService.ordering, IamIdentityService.name)
        )
        return [_service(row) for row in rows]

    async def delete_service(self, name: str) -> bool:
        """Removes the service with its accounts, roles and sessions."""
        result = await self._session.execute(
            delete(IamIdentityService).where(IamIdentityService.name == name)
        )
        return bool(affected_rows(result))

    async def rename_service(self, old: str, new: str) -> bool:
        """Renames a service (its accounts, roles and sessions stay with it)."""
        row = await self._service_row(old)
        if row is None:
            return False
        row.name = new
        await self._session.flush()
        return True

    async def store_account(
        self, service: str, entry: AccountEntry, now: int, roles: Sequence[str] | None = None
    ) -> Account:
        """Inserts or replaces an account; `roles`, when given, replace its roles (they must exist). A None
        `password_hash` keeps the stored one. Raises LookupError for an unknown service or role."""
        service_row = await self._service_row(service)
        if service_row is None:
            raise LookupError(f"No identity service {service!r}")
        row = await self._account_row(service, entry.name)
        if row is None:
            row = IamAccount(service_id=service_row.id, blocked=False, failed_logins=0, created=now)
            self._session.add(row)
        for field in _ACCOUNT_FIELDS:
            if field != "password_hash" or entry.password_hash is not None:
                setattr(row, field, getattr(entry, field))
        row.modified = now
        await self._session.flush()
        if roles is not None:
            await self._set_roles(service_row.id, row.id, roles)
        return await self._account(service, row)

    async def account(self, service: str, name: str) -> Account | None:
        """One account with its roles."""
        row = await self._account_row(service, name)
        return None if row is None else await self._account(service, row)

    async def accounts(self, service: str) -> list[Account]:
        """The accounts of a service, by name."""
        rows = await self._session.scalars(
            select(IamAccount)
            .join(IamIdentityService, IamIdentityService.id == IamAccount.service_id)
            .where(IamIdentityService.name == service)
            .order_by(IamAccount.name)
        )
        return [await self._account(service, row) for row in rows]

    async def delete_account(self, service: str, name: str) -> bool:
        """Removes an account (with its sessions)."""
        row = await self._account_row(service, name)
        if row is None:
            return False
        await self._session.delete(row)
        await self._session.flush()
        return True

    async def rename_account(self, service: str, old: str, new: str, now: int) -> bool:
        """Renames an account (its roles and sessions stay with it)."""
        row = await self._account_row(service, old)
        if row is None:
            return False
        row.name, row.modified = new, now
        await self._session.flush()
        return True

    async def set_disabled(self, service: str, name: str, disabled: bool, now: int) -> bool:
        """Disables or enables an account."""
        return await self._update(service, name, now, disabled=disabled)

    async def set_force_password_change(self, service: str, name: str, now: int) -> bool:
        """Makes the account change its password at the next login."""
        return await self._update(service, name, now, force_password_change=True)

    async def set_password(
        self, service: str, name: str, password_hash: str, now: int, force_change: bool = False
    ) -> bool:
        """Replaces the password hash (and whether it must be changed at the next login)."""
        return await self._update(
            service, name, now, password_hash=password_hash, force_password_change=force_change
        )

    async def set_blocked(
        self, service: str, name: str, blocked: bool, now: int, comment: str | None = None
    ) -> bool:
        """Blocks (since now, with an optional comment) or unblocks an account; unblocking resets the
        failed-login counter."""
        if blocked:
            return await self._update(
                service, name, now, blocked=True, blocked_since=now, block_comment=comment
            )
        return await self._update(
            service, name, now, blocked=False, blocked_since=None, block_comment=None, failed_logins=0
        )

    async def block_name(self, name: str, now: int, comment: str | None = None) -> list[Account]:
        """Blocks the accounts of that name in every service (JOC's blocklist is by name); the accounts."""
        rows = list(
            await self._session.scalars(
                select(IamAccount).where(IamAccount.name == name).order_by(IamAccount.id)
            )
        )
        for row in rows:
            row.blocked, row.blocked_since, row.block_comment, row.modified = True, now, comment, now
        await self._session.flush()
        return [await self._account_of(row) for row in rows]

    async def unblock_names(self, names: Sequence[str], now: int) -> list[Account]:
        """Unblocks the accounts of these names in every service; the accounts that were blocked."""
        rows = list(
            await self._session.scalars(
                select(IamAccount)
                .where(IamAccount.name.in_(names), IamAccount.blocked.is_(True))
                .order_by(IamAccount.id)
            )
        )
        for row in rows:
            row.blocked, row.blocked_since, row.block_comment = False, None, None
            row.failed_logins, row.modified = 0, now
        await self._session.flush()
        return [await self._account_of(row) for row in rows]

    async def blocklist(self) -> list[BlockedName]:
        """The blocked account names, each with the earliest time it was blocked and that entry's comment."""
        rows = await self._session.execute(
            select(IamAccount.name, IamAccount.blocked_since, IamAccount.block_comment)
            .where(IamAccount.blocked.is_(True))
            .order_by(IamAccount.name, IamAccount.blocked_since)
        )
        found: dict[str, BlockedName] = {}
        for name, since, comment in rows:
            found.setdefault(name, BlockedName(name=name, since=since, comment=comment))
        return list(found.values())

    async def account_by_id(self, account_id: int) -> Account | None:
        """The account of an id (a session's account)."""
        row = await self._session.get(IamAccount, account_id)
        return None if row is None else await self._account_of(row)

    async def login_failed(self, service: str, name: str, now: int, block_after: int) -> Account | None:
        """Counts a failed login; the account is blocked when the count reaches `block_after`."""
        row = await self._account_row(service, name)
        if row is None:
            return None
        row.failed_logins += 1
        row.last_failed_login = now
        if not row.blocked and row.failed_logins >= block_after:
            row.blocked, row.blocked_since = True, now
            row.block_comment = f"{row.failed_logins} failed logins"
        await self._session.flush()
        return await self._account(service, row)

    async def login_succeeded(self, service: str, name: str, now: int) -> bool:
        """Records a login and resets the failed-login counter."""
        return await self._update(service, name, now, last_login=now, failed_logins=0)

    async def _update(self, service: str, name: str, now: int, **values: object) -> bool:
        row = await self._account_row(service, name)
        if row is None:
            return False
        for field, value in values.items():
            setattr(row, field, value)
        row.modified = now
        await self._session.flush()
        return True

    async def _set_roles(self, service_id: int, account_id: int, roles: Sequence[str]) -> None:
        query = select(IamRole.name, IamRole.id).where(
            IamRole.service_id == service_id, IamRole.name.in_(roles)
        )
        found = {row.name: row.id for row in await self._session.execute(query)}
        if missing := sorted(set(roles) - set(found)):
            raise UnknownRoles(f"Unknown roles: {', '.join(missing)}")
        await self._session.execute(delete(IamAccountRole).where(IamAccountRole.account_id == account_id))
        self._session.add_all(
            IamAccountRole(account_id=account_id, role_id=role_id) for role_id in found.values()
        )
        await self._session.flush()

    async def _account(self, service: str, row: IamAccount) -> Account:
        roles = await self._session.scalars(
            select(IamRole.name)
            .join(IamAccountRole, IamAccountRole.role_id == IamRole.id)
            .where(IamAccountRole.account_id == row.id)
            .order_by(IamRole.name)
        )
        return Account(
            id=row.id,
            service=service,
            name=row.name,
            password_hash=row.password_hash,
            email=row.email,
            disabled=row.disabled,
            blocked=row.blocked,
            blocked_since=row.blocked_since,
            block_comment=row.block_comment,
            force_password_change=row.force_password_change,
            failed_logins=row.failed_logins,
            last_login=row.last_login,
            last_failed_login=row.last_failed_login,
            roles=tuple(roles),
        )

    async def _account_of(self, row: IamAccount) -> Account:
        service = await self._session.scalar(
            select(IamIdentityService.name).where(IamIdentityService.id == row.service_id)
        )
        assert service is not None
        return await self._account(service, row)

    async def _service_row(self, name: str) -> IamIdentityService | None:
        return await self._session.scalar(select(IamIdentityService).where(IamIdentityService.name == name))

    async def _account_row(self, service: str, name: str) -> IamAccount | None:
        return await self._session.scalar(
            select(IamAccount)
            .join(IamIdentityService, IamIdentityService.id == IamAccount.service_id)
            .where(IamIdentityService.name == service, IamAccount.name == name)
        )


def _service(row: IamIdentityService) -> IdentityService:
    return IdentityService(**{field: getattr(row, field) for field in _SERVICE_FIELDS})
