"""`/joc/api/authentication`: login with HTTP Basic or a client certificate (→ an access token and the session's
timeout) through the identity services (see security/login.py), logout, and the permissions of the logged-in
account."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request

from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.repositories.sessions import SessionRepository
from stellwerk.cockpit.errors import not_authenticated
from stellwerk.cockpit.security.guard import CallerDep, jocs_permissions
from stellwerk.cockpit.security.login import log_in, log_in_by_certificate
from stellwerk.transport.tls import peer_of

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


def _client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post("/login")
async def login(
    cockpit: CockpitDep,
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    identity_service: Annotated[str | None, Header(alias="X-IDENTITY-SERVICE")] = None,
) -> dict[str, Any]:
    """Opens a session for the account of the Basic credentials, verified by the named identity service or
    the first enabled one that knows it; without credentials, for the account named by the client certificate
    (its common name) when the Cockpit asked for one and the handshake verified it."""
    peer = peer_of(request.scope)
    if authorization is None and peer is not None and peer.common_name:
        logged_in = await log_in_by_certificate(cockpit, peer.common_name, identity_service or None)
    else:
        name, password = basic_credentials(authorization)
        logged_in = await log_in(cockpit, name, password, identity_service or None)
    account, service = logged_in.account, logged_in.service
    seconds = logged_in.settings.session_timeout
    timeout = seconds * 1000 if seconds else cockpit.config.session_timeout_ms
    async with cockpit.database.session() as db:
        opened = await SessionRepository(db).open(
            account.id, cockpit.now(), timeout, _client_address(request)
        )
    return {
        "accessToken": opened.token,
        "account": account.name,
        "identityService": f"{service.service_type.value}:{service.name}",
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


@router.post("/joc_cockpit_permissions")
async def joc_cockpit_permissions(caller: CallerDep) -> dict[str, Any]:
    """JOC's permissions object of the logged-in account."""
    return jocs_permissions(caller.grants)
