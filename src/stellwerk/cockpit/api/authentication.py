"""`/joc/api/authentication`: login with HTTP Basic (→ an access token and the session's timeout), logout.
Repeated failed logins block an account; a blocked or disabled account cannot log in."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request

from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.repositories.identity import Account, IdentityRepository
from stellwerk.cockpit.db.repositories.sessions import SessionRepository
from stellwerk.cockpit.errors import not_authenticated
from stellwerk.cockpit.security.accounts import INTERNAL_SERVICE
from stellwerk.cockpit.security.guard import CallerDep
from stellwerk.cockpit.security.passwords import password_matches

router = APIRouter(prefix="/joc/api/authentication", tags=["authentication"])


def basic_credentials(authorization: str | None) -> tuple[str, str]:
    """(account, password) of an `Authorization: Basic …` header; 401 when there is none or it is malformed."""
    if not authorization or not authorization.lower().startswith("basic "):
        raise not_authenticated("Login needs HTTP Basic authentication (Authorization: Basic …)")
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise not_authenticated("The Authorization header is not valid Base64 of account:password") from None
    account, separator, password = decoded.partition(":")
    if not separator or not account:
        raise not_authenticated("The Authorization header must carry account:password")
    return account, password


async def _verified(cockpit: Cockpit, name: str, password: str) -> Account:
    now = cockpit.now()
    async with cockpit.database.session() as db:
        identities = IdentityRepository(db)
        account = await identities.account(INTERNAL_SERVICE, name)
        if account is None:
            raise not_authenticated("Wrong account or password")
        if account.blocked:
            raise not_authenticated(f"The account {name} is blocked")
        if account.disabled:
            raise not_authenticated(f"The account {name} is disabled")
        if password_matches(account.password_hash, password):
            await identities.login_succeeded(INTERNAL_SERVICE, name, now)
            return account
        failed = await identities.login_failed(
            INTERNAL_SERVICE, name, now, cockpit.config.block_after_failed_logins
        )
    if failed is not None and failed.blocked:
        raise not_authenticated(f"Wrong account or password; the account {name} is now blocked")
    raise not_authenticated("Wrong account or password")


def _client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post("/login")
async def login(
    cockpit: CockpitDep,
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Opens a session for the account of the Basic credentials."""
    name, password = basic_credentials(authorization)
    account = await _verified(cockpit, name, password)
    timeout = cockpit.config.session_timeout_ms
    async with cockpit.database.session() as db:
        opened = await SessionRepository(db).open(
            account.id, cockpit.now(), timeout, _client_address(request)
        )
    return {
        "accessToken": opened.token,
        "account": account.name,
        "identityService": f"{INTERNAL_SERVICE}:{INTERNAL_SERVICE}",
        "isAuthenticated": True,
        "isPermitted": True,
        "hasRole": bool(account.roles),
        "role": ",".join(account.roles),
        "forcePasswordChange": account.force_password_change,
        "sessionTimeout": timeout,
        "enableTouch": True,
        "callerIpAddress": _client_address(request),
    }


@router.post("/logout")
async def logout(cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Ends the session of the access token."""
    async with cockpit.database.session() as db:
        await SessionRepository(db).close(caller.token)
    return {"isAuthenticated": False, "account": caller.account, "message": "Session closed"}
