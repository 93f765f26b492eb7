"""`/joc/api/iam/identityservice*`: the identity services logins go through, by their ordering. Stellwerk
serves the types JOC (internal accounts), LDAP (roles from group mapping) and LDAP-JOC (roles in the Cockpit);
their settings (LDAP server, initial password, …) are JOC's identity-service properties."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stellwerk.cockpit.api.iam_models import IdentityServiceBody, IdentityServiceFilter, IdentityServiceRename
from stellwerk.cockpit.api.iam_support import MANAGE, VIEW, audited, existing_service, ok
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import IdentityServiceType
from stellwerk.cockpit.db.repositories.identity import IdentityRepository, IdentityService
from stellwerk.cockpit.errors import BadRequest, Conflict, NotSupported, delivery_date
from stellwerk.cockpit.security.guard import CallerDep

# JOC clients may send their JSON bodies without a Content-Type header.
router = APIRouter(prefix="/joc/api/iam", tags=["iam"], strict_content_type=False)

SERVED_TYPES = (IdentityServiceType.JOC, IdentityServiceType.LDAP, IdentityServiceType.LDAP_JOC)


def service_item(service: IdentityService) -> dict[str, Any]:
    return {
        "identityServiceType": service.service_type.value,
        "identityServiceName": service.name,
        "serviceAuthenticationScheme": service.authentication_scheme,
        "ordering": service.ordering,
        "disabled": service.disabled,
        "secondFactor": False,
        "required": service.required,
    }


def _matches(service: IdentityService, wanted: IdentityServiceFilter) -> bool:
    return (
        (not wanted.identity_service_name or service.name == wanted.identity_service_name)
        and (wanted.identity_service_type is None or service.service_type == wanted.identity_service_type)
        and (wanted.disabled is None or service.disabled == wanted.disabled)
    )


@router.post("/identityservices")
async def identity_services(
    cockpit: CockpitDep, caller: CallerDep, body: IdentityServiceFilter
) -> dict[str, Any]:
    """The identity services by ordering, and the types Stellwerk serves."""
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        found = await IdentityRepository(db).services()
    return {
        "deliveryDate": delivery_date(),
        "identityServiceItems": [service_item(s) for s in found if _matches(s, body)],
        "identityServiceTypes": [t.value for t in SERVED_TYPES],
    }


@router.post("/identityservice")
async def identity_service(
    cockpit: CockpitDep, caller: CallerDep, body: IdentityServiceFilter
) -> dict[str, Any]:
    caller.require(VIEW)
    if not body.identity_service_name:
        raise BadRequest("$.identityServiceName: the name of the identity service is missing")
    async with cockpit.database.session() as db:
        return service_item(await existing_service(db, body.identity_service_name))


@router.post("/identityservice/store")
async def store_identity_service(
    cockpit: CockpitDep, caller: CallerDep, body: IdentityServiceBody
) -> dict[str, Any]:
    """Adds or changes a service (its settings stay)."""
    caller.require(MANAGE)
    if body.second_factor or body.service_authentication_scheme != "SINGLE-FACTOR":
        raise NotSupported(
            "$.serviceAuthenticationScheme: Stellwerk serves single-factor identity services only"
        )
    async with cockpit.database.session() as db:
        identities = IdentityRepository(db)
        old = await identities.service(body.identity_service_name)
        service_type = body.identity_service_type or (old.service_type if old else IdentityServiceType.JOC)
        if service_type not in SERVED_TYPES:
            raise NotSupported(
                f"$.identityServiceType: Stellwerk does not serve {service_type.value} services"
            )
        ordering = body.ordering
        if ordering is None:
            ordering = (
                old.ordering
                if old
                else max((s.ordering for s in await identities.services()), default=-1) + 1
            )
        await identities.store_service(
            IdentityService(
                name=body.identity_service_name,
                service_type=service_type,
                authentication_scheme=body.service_authentication_scheme,
                ordering=ordering,
                disabled=body.disabled,
                required=body.required,
                configuration=old.configuration if old else None,
            )
        )
        await audited(db, caller, "./iam/identityservice/store", body, cockpit.now())
    return ok()


@router.post("/identityservice/rename")
async def rename_identity_service(
    cockpit: CockpitDep, caller: CallerDep, body: IdentityServiceRename
) -> dict[str, Any]:
    caller.require(MANAGE)
    async with cockpit.database.session() as db:
        await existing_service(db, body.identity_service_old_name)
        identities = IdentityRepository(db)
        if await identities.service(body.identity_service_new_name) is not None:
            raise Conflict(f"$.identityServiceNewName: {body.identity_service_new_name} exists already")
        await identities.rename_service(body.identity_service_old_name, body.identity_service_new_name)
        await audited(db, caller, "./iam/identityservice/rename", body, cockpit.now())
    return ok()


@router.post("/identityservice/delete")
async def delete_identity_service(
    cockpit: CockpitDep, caller: CallerDep, body: IdentityServiceFilter
) -> dict[str, Any]:
    """Removes a service with its accounts, roles and sessions; not the one the caller logged in with."""
    caller.require(MANAGE)
    name = body.identity_service_name
    if not name:
        raise BadRequest("$.identityServiceName: the name of the identity service is missing")
    if name == caller.session.service:
        raise BadRequest(f"$.identityServiceName: {name} is the service of this session")
    async with cockpit.database.session() as db:
        await existing_service(db, name)
        await IdentityRepository(db).delete_service(name)
        await audited(db, caller, "./iam/identityservice/delete", body, cockpit.now())
    return ok()
