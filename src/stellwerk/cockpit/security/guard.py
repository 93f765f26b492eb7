"""The API's gate: every endpoint but login needs a valid `X-Access-Token` (401 without one, 440 when the session
has expired), and each checks the permission it needs (403). The session is extended on every use."""

from __future__ import annotations

import functools
from typing import Annotated, Any

import msgspec
from fastapi import Depends, Header

from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.repositories.roles import AccountGrants, RoleRepository
from stellwerk.cockpit.db.repositories.sessions import (
    LoginSession,
    SessionRepository,
    extended,
    needs_recording,
)
from stellwerk.cockpit.errors import not_authenticated, not_permitted, session_expired
from stellwerk.cockpit.security.permission_tree import permissions_object
from stellwerk.cockpit.security.permissions import Grants, merged

DEFAULTS = ""


# Folder checks run once per listed row (orders, history, inventory): the grants are computed once per account
# and Controller, not per row. Both arguments are frozen values, so the cache cannot go stale.
@functools.lru_cache(maxsize=1024)
def grants_for(grants: AccountGrants, controller_id: str | None = None) -> Grants:
    """What an account's roles grant for one Controller (its own grants and the defaults), or the defaults."""
    wanted = {DEFAULTS, controller_id or DEFAULTS}
    by_role = []
    for role in grants.roles:
        permissions = [p for p in grants.permissions if p.role == role and p.controller_id in wanted]
        folders = [f for f in grants.folders if f.role == role and f.controller_id in wanted]
        by_role.append(
            Grants(
                permissions=frozenset(p.permission for p in permissions if not p.excluded),
                excluded=frozenset(p.permission for p in permissions if p.excluded),
                folders=tuple((f.folder, f.recursive) for f in folders),
            )
        )
    return merged(by_role)


def jocs_permissions(grants: AccountGrants) -> dict[str, Any]:
    """JOC's permissions object of an account: its roles, and each permission of JOC's tree as a boolean for
    JOC, the Controller defaults and every Controller the roles have grants of their own for."""
    controller_ids = {p.controller_id for p in grants.permissions if p.controller_id != DEFAULTS}
    return permissions_object(
        grants.roles,
        lambda name, controller_id: grants_for(grants, controller_id).allows(name),
        controller_ids,
    )


class Caller(msgspec.Struct, frozen=True, kw_only=True):
    """The account behind a request, its session and what its roles grant."""

    session: LoginSession
    grants: AccountGrants
    token: str

    @property
    def account(self) -> str:
        return self.session.account

    def grants_for(self, controller_id: str | None = None) -> Grants:
        """The grants that hold for one Controller (its own ones and the defaults), or the defaults alone."""
        return grants_for(self.grants, controller_id)

    def allows(self, permission: str, controller_id: str | None = None) -> bool:
        return self.grants_for(controller_id).allows(permission)

    def require(self, permission: str, controller_id: str | None = None) -> None:
        """Raises 403 unless the account's roles grant the permission."""
        if not self.allows(permission, controller_id):
            raise not_permitted(self.account, f"{self.account} lacks the permission {permission}")

    def require_folder(self, path: str, controller_id: str | None = None) -> None:
        """Raises 403 unless the object or folder at `path` is inside the account's folder permissions."""
        if not self.grants_for(controller_id).sees(path):
            raise not_permitted(self.account, f"{self.account} has no permission for the folder of {path}")

    def sees(self, path: str, controller_id: str | None = None) -> bool:
        return self.grants_for(controller_id).sees(path)


async def _caller(
    cockpit: CockpitDep,
    access_token: Annotated[str | None, Header(alias="X-Access-Token")] = None,
) -> Caller:
    if not access_token:
        raise not_authenticated("The X-Access-Token header is missing; log in first")
    return await caller_of(cockpit, access_token)


async def caller_of(cockpit: Cockpit, access_token: str) -> Caller:
    """The caller of a session's access token (the API's header, the web UI's cookie); 401 or 440 if none."""
    now = cockpit.now()
    async with cockpit.database.reading() as db:
        sessions = SessionRepository(db)
        session = await sessions.find(access_token, now)
        if session is None:
            if await sessions.expired(access_token, now):
                raise session_expired()
            raise not_authenticated("The access token is unknown; log in again")
        grants = await RoleRepository(db).grants(session.account_id)
    if needs_recording(session, now):
        async with cockpit.database.session() as db:
            await SessionRepository(db).extend(session, now)
    return Caller(session=extended(session, now), grants=grants, token=access_token)


CallerDep = Annotated[Caller, Depends(_caller)]


def permission(name: str) -> object:
    """A dependency that lets the request through only with the permission (for the defaults of Controllers)."""

    async def check(caller: CallerDep) -> Caller:
        caller.require(name)
        return caller

    return Depends(check)
