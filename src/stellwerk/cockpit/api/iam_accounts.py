"""`/joc/api/iam/account*` and the blocklist: accounts of an identity service with their roles, renaming,
enabling and disabling, passwords (change, reset to the service's initial password, forced change) and JOC's
blocklist of account names. Deleting, disabling, blocking an account or changing its password ends its sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.api.iam_models import (
    AccountBody,
    AccountChangePassword,
    AccountFilter,
    AccountListFilter,
    AccountNamesFilter,
    AccountRename,
    AccountsFilter,
    BlockedAccountBody,
    BlockedAccountsDeleteFilter,
    BlockedAccountsFilter,
)
from stellwerk.cockpit.api.iam_support import (
    MANAGE,
    VIEW,
    audited,
    existing_account,
    existing_service,
    ok,
)
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import IdentityServiceType
from stellwerk.cockpit.db.repositories.identity import Account, AccountEntry, IdentityRepository, UnknownRoles
from stellwerk.cockpit.db.repositories.roles import RoleRepository
from stellwerk.cockpit.db.repositories.sessions import SessionRepository
from stellwerk.cockpit.errors import BadRequest, Conflict, delivery_date
from stellwerk.cockpit.security.guard import CallerDep, jocs_permissions
from stellwerk.cockpit.security.passwords import hash_password, password_matches
from stellwerk.cockpit.security.service_settings import ServiceSettings, parse_settings

# JOC clients may send their JSON bodies without a Content-Type header.
router = APIRouter(prefix="/joc/api/iam", tags=["iam"], strict_content_type=False)


def account_item(account: Account) -> dict[str, Any]:
    """An account as JOC lists it (never its password)."""
    item: dict[str, Any] = {
        "identityServiceName": account.service,
        "accountName": account.name,
        "forcePasswordChange": account.force_password_change,
        "disabled": account.disabled,
        "blocked": account.blocked,
        "roles": list(account.roles),
    }
    if account.email:
        item["email"] = account.email
    return item


def checked_password(settings: ServiceSettings, password: str, field: str) -> str:
    """The argon2 hash of a password long enough for the service's settings."""
    minimum = settings.min_password_length or 1
    if len(password) < minimum:
        raise BadRequest(f"{field}: the password must have at least {minimum} characters")
    return hash_password(password)


async def _settings(db: AsyncSession, service: str) -> tuple[IdentityServiceType, ServiceSettings]:
    found = await existing_service(db, service)
    return found.service_type, parse_settings(found.name, found.configuration)


async def _end_sessions(db: AsyncSession, *accounts: Account) -> None:
    sessions = SessionRepository(db)
    for account in accounts:
        await sessions.close_account(account.id)


@router.post("/accounts")
async def accounts(cockpit: CockpitDep, caller: CallerDep, body: AccountListFilter) -> dict[str, Any]:
    """The accounts of a service, optionally only one name, only the enabled or only the disabled ones."""
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        await existing_service(db, body.identity_service_name)
        found = await IdentityRepository(db).accounts(body.identity_service_name)
    if body.account_name:
        found = [a for a in found if a.name == body.account_name]
    if body.enabled != body.disabled:
        found = [a for a in found if a.disabled == body.disabled]
    return {
        "deliveryDate": delivery_date(),
        "identityServiceName": body.identity_service_name,
        "accountItems": [account_item(a) for a in found],
    }


@router.post("/account")
async def account(cockpit: CockpitDep, caller: CallerDep, body: AccountFilter) -> dict[str, Any]:
    """One account."""
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        return account_item(await existing_account(db, body.identity_service_name, body.account_name))


@router.post("/account/store")
async def store_account(cockpit: CockpitDep, caller: CallerDep, body: AccountBody) -> dict[str, Any]:
    """Adds or changes an account; a new internal account without a password gets the service's initial
    password and must change it."""
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        service_type, settings = await _settings(db, body.identity_service_name)
        identities = IdentityRepository(db)
        old = await identities.account(body.identity_service_name, body.account_name)
        password, force = body.password, body.force_password_change
        if password is None and old is None and settings.initial_password:
            password, force = settings.initial_password, True
        if password is not None and service_type != IdentityServiceType.JOC:
            raise BadRequest(
                f"$.password: the {service_type.value} service {body.identity_service_name} "
                "keeps no passwords"
            )
        entry = AccountEntry(
            name=body.account_name,
            password_hash=None if password is None else checked_password(settings, password, "$.password"),
            email=body.email,
            disabled=body.disabled,
            force_password_change=force,
        )
        try:
            stored = await identities.store_account(body.identity_service_name, entry, now, roles=body.roles)
        except UnknownRoles as error:
            raise BadRequest(f"$.roles: {error}") from None
        if body.blocked != stored.blocked:
            await identities.set_blocked(stored.service, stored.name, body.blocked, now)
        if body.blocked or body.disabled or body.password is not None:
            await _end_sessions(db, stored)
        await audited(db, caller, "./iam/account/store", body, now)
    return ok()


@router.post("/account/rename")
async def rename_account(cockpit: CockpitDep, caller: CallerDep, body: AccountRename) -> dict[str, Any]:
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        await existing_account(db, body.identity_service_name, body.account_old_name)
        identities = IdentityRepository(db)
        if await identities.account(body.identity_service_name, body.account_new_name) is not None:
            raise Conflict(f"$.accountNewName: the account {body.account_new_name} exists already")
        await identities.rename_account(
            body.identity_service_name, body.account_old_name, body.account_new_name, now
        )
        await audited(db, caller, "./iam/account/rename", body, now)
    return ok()


@router.post("/account/permissions")
async def account_permissions(cockpit: CockpitDep, caller: CallerDep, body: AccountFilter) -> dict[str, Any]:
    """The permissions an account would have when it logs in."""
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        found = await existing_account(db, body.identity_service_name, body.account_name)
        grants = await RoleRepository(db).grants(found.id)
    return jocs_permissions(grants)


@router.post("/account/changepassword")
async def change_password(
    cockpit: CockpitDep, caller: CallerDep, body: AccountChangePassword
) -> dict[str, Any]:
    """Changes a password: one's own with the old password; another account's with the manage permission."""
    own = body.account_name == caller.account and body.identity_service_name == caller.session.service
    if not own:
        caller.require(MANAGE)
    if not body.password:
        raise BadRequest("$.password: the new password is missing")
    if body.repeated_password is not None and body.repeated_password != body.password:
        raise BadRequest("$.repeatedPassword: the repeated password differs from the password")
    now = cockpit.now()
    async with cockpit.database.session() as db:
        service_type, settings = await _settings(db, body.identity_service_name)
        if service_type != IdentityServiceType.JOC:
            raise BadRequest(f"$.identityServiceName: {body.identity_service_name} keeps no passwords")
        found = await existing_account(db, body.identity_service_name, body.account_name)
        if own and not password_matches(found.password_hash, body.old_password or ""):
            raise BadRequest("$.oldPassword: the old password is wrong")
        if own and body.old_password == body.password:
            raise BadRequest("$.password: the new password must differ from the old one")
        new_hash = checked_password(settings, body.password, "$.password")
        await IdentityRepository(db).set_password(
            found.service, found.name, new_hash, now, force_change=body.force_password_change and not own
        )
        await _end_sessions(db, found)
        await audited(db, caller, "./iam/account/changepassword", body, now)
    return ok()


async def _named_accounts(db: AsyncSession, service: str, names: Sequence[str]) -> list[Account]:
    await existing_service(db, service)
    return [await existing_account(db, service, name) for name in dict.fromkeys(names)]


@router.post("/accounts/delete")
async def delete_accounts(cockpit: CockpitDep, caller: CallerDep, body: AccountsFilter) -> dict[str, Any]:
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        found = await _named_accounts(db, body.identity_service_name, body.account_names)
        if any(a.id == caller.session.account_id for a in found):
            raise BadRequest("$.accountNames: an account cannot delete itself")
        await _end_sessions(db, *found)
        for each in found:
            await IdentityRepository(db).delete_account(each.service, each.name)
        await audited(db, caller, "./iam/accounts/delete", body, now)
    return ok()


async def _set_disabled(
    cockpit: CockpitDep, caller: CallerDep, body: AccountNamesFilter, disabled: bool, request: str
) -> dict[str, Any]:
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        found = await _named_accounts(db, body.identity_service_name, body.account_names)
        for each in found:
            await IdentityRepository(db).set_disabled(each.service, each.name, disabled, now)
        if disabled:
            await _end_sessions(db, *found)
        await audited(db, caller, request, body, now)
    return ok()


@router.post("/accounts/enable")
async def enable_accounts(cockpit: CockpitDep, caller: CallerDep, body: AccountNamesFilter) -> dict[str, Any]:
    return await _set_disabled(cockpit, caller, body, False, "./iam/accounts/enable")


@router.post("/accounts/disable")
async def disable_accounts(
    cockpit: CockpitDep, caller: CallerDep, body: AccountNamesFilter
) -> dict[str, Any]:
    return await _set_disabled(cockpit, caller, body, True, "./iam/accounts/disable")


@router.post("/accounts/resetpassword")
async def reset_passwords(cockpit: CockpitDep, caller: CallerDep, body: AccountNamesFilter) -> dict[str, Any]:
    """Gives the accounts the service's initial password, to be changed at the next login."""
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        _, settings = await _settings(db, body.identity_service_name)
        if not settings.initial_password:
            raise BadRequest(
                f"$.identityServiceName: the identity service {body.identity_service_name} has no "
                "initialPassword in its settings to reset to"
            )
        found = await _named_accounts(db, body.identity_service_name, body.account_names)
        initial = hash_password(settings.initial_password)
        for each in found:
            await IdentityRepository(db).set_password(
                each.service, each.name, initial, now, force_change=True
            )
        await _end_sessions(db, *found)
        await audited(db, caller, "./iam/accounts/resetpassword", body, now)
    return ok()


@router.post("/accounts/forcepasswordchange")
async def force_password_change(
    cockpit: CockpitDep, caller: CallerDep, body: AccountNamesFilter
) -> dict[str, Any]:
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        for each in await _named_accounts(db, body.identity_service_name, body.account_names):
            await IdentityRepository(db).set_force_password_change(each.service, each.name, now)
        await audited(db, caller, "./iam/accounts/forcepasswordchange", body, now)
    return ok()


@router.post("/blockedAccounts")
async def blocked_accounts(
    cockpit: CockpitDep, caller: CallerDep, body: BlockedAccountsFilter
) -> dict[str, Any]:
    """JOC's blocklist: the blocked account names with since when and why."""
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        found = await IdentityRepository(db).blocklist()
    if body.account_name:
        found = [b for b in found if b.name == body.account_name]
    if body.limit >= 0:
        found = found[: body.limit]
    items = []
    for blocked in found:
        item: dict[str, Any] = {"accountName": blocked.name}
        if blocked.comment:
            item["comment"] = blocked.comment
        if blocked.since is not None:
            item["since"] = delivery_date_of(blocked.since)
        items.append(item)
    return {"deliveryDate": delivery_date(), "blockedAccounts": items}


def delivery_date_of(millis: int) -> str:
    """JOC's timestamp of an instant in epoch milliseconds."""
    return delivery_date(datetime.fromtimestamp(millis / 1000, UTC))


@router.post("/blockedAccount/store")
async def block_account(cockpit: CockpitDep, caller: CallerDep, body: BlockedAccountBody) -> dict[str, Any]:
    """Blocks the accounts of that name in every identity service and ends their sessions."""
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        blocked = await IdentityRepository(db).block_name(body.account_name, now, body.comment)
        if not blocked:
            raise BadRequest(f"$.accountName: no identity service has an account {body.account_name}")
        await _end_sessions(db, *blocked)
        await audited(db, caller, "./iam/blockedAccount/store", body, now)
    return ok()


@router.post("/blockedAccounts/delete")
async def unblock_accounts(
    cockpit: CockpitDep, caller: CallerDep, body: BlockedAccountsDeleteFilter
) -> dict[str, Any]:
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        await IdentityRepository(db).unblock_names(body.account_names, now)
        await audited(db, caller, "./iam/blockedAccounts/delete", body, now)
    return ok()
