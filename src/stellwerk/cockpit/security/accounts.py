"""The internal identity service (`JOC`) and the first account: on an empty database the Cockpit creates the
service, an `administrator` role holding every permission, and the account `root` with the given password
(which must be changed at the first login when it was generated)."""

from __future__ import annotations

import secrets

from stellwerk.cockpit.db.repositories.identity import AccountEntry, IdentityRepository, IdentityService
from stellwerk.cockpit.db.repositories.roles import Permission, RoleRepository
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.security.passwords import hash_password
from stellwerk.cockpit.security.permissions import ALL

INTERNAL_SERVICE = "JOC"
ADMINISTRATOR_ROLE = "administrator"
ROOT = "root"


def generated_password() -> str:
    return secrets.token_urlsafe(12)


async def ensure_first_account(database: Database, password: str | None, now: int) -> str | None:
    """Creates the internal service, the administrator role and `root` unless the service exists. Returns the
    password it set when it generated one, else None."""
    async with database.session() as db:
        identities = IdentityRepository(db)
        if await identities.service(INTERNAL_SERVICE) is not None:
            if password is not None:
                await identities.set_password(INTERNAL_SERVICE, ROOT, hash_password(password), now)
            return None
        await identities.store_service(IdentityService(name=INTERNAL_SERVICE, required=True))
        roles = RoleRepository(db)
        await roles.store_role(INTERNAL_SERVICE, ADMINISTRATOR_ROLE)
        await roles.set_permissions(INTERNAL_SERVICE, ADMINISTRATOR_ROLE, [Permission(permission=ALL)])
        generated = password is None
        chosen = generated_password() if password is None else password
        entry = AccountEntry(name=ROOT, password_hash=hash_password(chosen), force_password_change=generated)
        await identities.store_account(INTERNAL_SERVICE, entry, now, roles=[ADMINISTRATOR_ROLE])
        return chosen if generated else None
