"""Login: the enabled identity services are tried by their ordering (or only the one a client names, JOC's
`X-IDENTITY-SERVICE` header) until one verifies the account. A blocked account name is refused before any
service is asked; a disabled account after. Failed logins count on the account's rows and block it after the
configured number. An LDAP account of a role-mapping service is kept in the Cockpit (for its sessions) with the
roles its groups map to."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import IdentityServiceType
from stellwerk.cockpit.db.repositories.identity import (
    Account,
    AccountEntry,
    IdentityRepository,
    IdentityService,
)
from stellwerk.cockpit.db.repositories.roles import RoleRepository
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.errors import not_authenticated
from stellwerk.cockpit.security.identity_provider import Identity, IdentityProvider
from stellwerk.cockpit.security.internal_identity import InternalIdentityProvider
from stellwerk.cockpit.security.ldap_identity import LdapIdentityProvider
from stellwerk.cockpit.security.service_settings import LdapSettings, ServiceSettings, parse_settings

LDAP_TYPES = (IdentityServiceType.LDAP, IdentityServiceType.LDAP_JOC)

ProviderFactory = Callable[[IdentityService, Database], IdentityProvider | None]


class LoggedIn(msgspec.Struct, frozen=True, kw_only=True):
    """The account that logged in, the service that verified it and that service's settings."""

    account: Account
    service: IdentityService
    settings: ServiceSettings


def default_provider(service: IdentityService, database: Database) -> IdentityProvider | None:
    """The provider of a service's type; None for types Stellwerk does not serve (they are skipped)."""
    if service.service_type == IdentityServiceType.JOC:
        return InternalIdentityProvider(database, service.name)
    if service.service_type in LDAP_TYPES:
        ldap = parse_settings(service.name, service.configuration).ldap or LdapSettings()
        return LdapIdentityProvider(ldap, maps_roles=service.service_type == IdentityServiceType.LDAP)
    return None


async def log_in(
    cockpit: Cockpit,
    name: str,
    password: str,
    service_name: str | None = None,
    providers: ProviderFactory = default_provider,
) -> LoggedIn:
    """The account verified by the first service that knows it; 401 otherwise."""
    services = await _candidates(cockpit.database, name, service_name)
    for service in services:
        provider = providers(service, cockpit.database)
        if provider is None:
            continue
        verdict = await provider.verify(name, password)
        if isinstance(verdict, Identity):
            return await _accepted(cockpit, service, verdict)
    # The refusals' reasons are not shown: they would tell which accounts exist.
    if await _count_failure(cockpit, name, services):
        raise not_authenticated(f"Wrong account or password; the account {name} is now blocked")
    raise not_authenticated("Wrong account or password")


async def log_in_by_certificate(cockpit: Cockpit, name: str, service_name: str | None = None) -> LoggedIn:
    """The account named by a client certificate the TLS handshake verified against the Cockpit's client CA:
    it must exist in an enabled internal (JOC) identity service; no password is asked. 401 otherwise."""
    services = await _candidates(cockpit.database, name, service_name)
    async with cockpit.database.session() as db:
        identities = IdentityRepository(db)
        for service in services:
            if service.service_type == IdentityServiceType.JOC and await identities.account(
                service.name, name
            ):
                break
        else:
            raise not_authenticated(f"No internal identity service has the account {name} of the certificate")
    return await _accepted(cockpit, service, Identity(name=name))


async def _candidates(database: Database, name: str, service_name: str | None) -> list[IdentityService]:
    async with database.session() as db:
        identities = IdentityRepository(db)
        if any(blocked.name == name for blocked in await identities.blocklist()):
            raise not_authenticated(f"The account {name} is blocked")
        services = [s for s in await identities.services() if not s.disabled]
    if service_name is not None:
        services = [s for s in services if s.name == service_name]
        if not services:
            raise not_authenticated(f"There is no enabled identity service {service_name}")
    return services


async def _accepted(cockpit: Cockpit, service: IdentityService, identity: Identity) -> LoggedIn:
    now = cockpit.now()
    async with cockpit.database.session() as db:
        identities = IdentityRepository(db)
        account = await identities.account(service.name, identity.name)
        if identity.roles is not None:
            known = set(await RoleRepository(db).roles(service.name))
            roles = [role for role in identity.roles if role in known]
            entry = AccountEntry(
                name=identity.name,
                email=identity.email,
                disabled=account.disabled if account else False,
            )
            account = await identities.store_account(service.name, entry, now, roles=roles)
        if account is None:
            raise not_authenticated(f"The account {identity.name} has no roles in {service.name}")
        if account.disabled:
            raise not_authenticated(f"The account {identity.name} is disabled")
        await identities.login_succeeded(service.name, identity.name, now)
    return LoggedIn(
        account=account, service=service, settings=parse_settings(service.name, service.configuration)
    )


async def _count_failure(cockpit: Cockpit, name: str, services: list[IdentityService]) -> bool:
    """Counts the failed login on every row of the account in the services tried; whether it is now blocked."""
    blocked = False
    async with cockpit.database.session() as db:
        identities = IdentityRepository(db)
        for service in services:
            failed = await identities.login_failed(
                service.name, name, cockpit.now(), cockpit.config.block_after_failed_logins
            )
            blocked = blocked or (failed is not None and failed.blocked)
    return blocked
