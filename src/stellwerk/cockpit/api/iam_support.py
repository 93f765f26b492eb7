"""What the `/iam/...` routers share: the permissions they need, JOC's OK answer, looking up a service, an account
or a role (404 in JOC's shape when missing) and the audit-log entry of a change."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.repositories.identity import Account, IdentityRepository, IdentityService
from stellwerk.cockpit.db.repositories.roles import RoleRepository
from stellwerk.cockpit.errors import UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.services.audit import audit

VIEW = "sos:products:joc:administration:accounts:view"
MANAGE = "sos:products:joc:administration:accounts:manage"


def ok() -> dict[str, Any]:
    """JOC's answer of a change that succeeded."""
    return {"deliveryDate": delivery_date(), "ok": True}


async def existing_service(db: AsyncSession, name: str) -> IdentityService:
    service = await IdentityRepository(db).service(name)
    if service is None:
        raise UnknownObject(f"There is no identity service {name}")
    return service


async def existing_account(db: AsyncSession, service: str, name: str) -> Account:
    account = await IdentityRepository(db).account(service, name)
    if account is None:
        raise UnknownObject(f"The identity service {service} has no account {name}")
    return account


async def existing_role(db: AsyncSession, service: str, name: str) -> None:
    await existing_service(db, service)
    if name not in await RoleRepository(db).roles(service):
        raise UnknownObject(f"The identity service {service} has no role {name}")


SECRETS = ("password", "repeated_password", "old_password")


async def audited(db: AsyncSession, caller: Caller, request: str, body: BaseModel, now: int) -> None:
    """The audit-log entry of an IAM change (`request` as JOC names it, e.g. `./iam/account/store`); passwords
    are left out of the parameters written."""
    hidden = {name: None for name in SECRETS if name in type(body).model_fields}
    await audit(db, caller, request, AuditCategory.IDENTITY, body.model_copy(update=hidden), now)
