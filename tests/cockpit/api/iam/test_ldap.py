"""LDAP login through ldap3's offline MOCK_SYNC server (a facility of the library, not a stand-in for our code):
a DN template or a search then bind, groups mapped to roles, a wrong password counted, and the login flow
trying the services by ordering."""

from __future__ import annotations

import json
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import ldap3  # type: ignore[import-untyped]

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import IdentityServiceType
from stellwerk.cockpit.db.repositories.identity import IdentityRepository, IdentityService
from stellwerk.cockpit.db.repositories.roles import Permission, RoleRepository
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.errors import AuthenticationError
from stellwerk.cockpit.security.identity_provider import Identity, IdentityProvider, Refusal
from stellwerk.cockpit.security.ldap_identity import LdapIdentityProvider
from stellwerk.cockpit.security.login import default_provider, log_in
from stellwerk.cockpit.security.service_settings import LdapSettings
from tests.cockpit.api.conftest import RunningCockpit

BASE = "dc=example,dc=org"
OPERATORS = f"cn=operators,ou=groups,{BASE}"


def directory() -> object:
    """An ldap3 server of the MOCK_SYNC strategy with two people and a group."""
    server = ldap3.Server("mock-directory")
    connection = ldap3.Connection(server, client_strategy=ldap3.MOCK_SYNC)
    for uid, password, groups in (("fritz", "fritz-pw", [OPERATORS]), ("greta", "greta-pw", [])):
        connection.strategy.add_entry(
            f"uid={uid},ou=people,{BASE}",
            {"objectClass": ["inetOrgPerson"], "uid": uid, "userPassword": password, "memberOf": groups},
        )
    connection.strategy.add_entry(
        OPERATORS,
        {"objectClass": ["groupOfNames"], "cn": "operators", "member": [f"uid=fritz,ou=people,{BASE}"]},
    )
    return server


def settings(**expert: object) -> LdapSettings:
    mapping = {"items": [{"ldapGroupDn": OPERATORS, "roles": ["operator"]}]}
    return LdapSettings.model_validate({"expert": {**expert, "iamLdapGroupRolesMap": mapping}}, strict=False)


async def test_a_dn_template_binds_and_member_of_maps_roles() -> None:
    provider = LdapIdentityProvider(
        settings(iamLdapUserDnTemplate=f"uid={{0}},ou=people,{BASE}"),
        maps_roles=True,
        server=directory(),
        strategy=ldap3.MOCK_SYNC,
    )
    assert await provider.verify("fritz", "fritz-pw") == Identity(name="fritz", roles=("operator",))
    assert await provider.verify("greta", "greta-pw") == Identity(name="greta", roles=())
    wrong = await provider.verify("fritz", "nope")
    assert isinstance(wrong, Refusal) and wrong.known
    assert isinstance(await provider.verify("fritz", ""), Refusal)


async def test_search_then_bind_with_a_group_search() -> None:
    provider = LdapIdentityProvider(
        settings(
            iamLdapSearchBase=f"ou=people,{BASE}",
            iamLdapUserSearchFilter="(uid=%s)",
            iamLdapGroupSearchBase=f"ou=groups,{BASE}",
            iamLdapGroupSearchFilter="(member=%s)",
        ),
        maps_roles=True,
        server=directory(),
        strategy=ldap3.MOCK_SYNC,
    )
    assert await provider.verify("fritz", "fritz-pw") == Identity(name="fritz", roles=("operator",))
    unknown = await provider.verify("nobody", "x")
    assert isinstance(unknown, Refusal) and not unknown.known
    without_roles = LdapIdentityProvider(
        settings(iamLdapSearchBase=f"ou=people,{BASE}"),
        maps_roles=False,
        server=directory(),
        strategy=ldap3.MOCK_SYNC,
    )
    assert await without_roles.verify("greta", "greta-pw") == Identity(name="greta", roles=None)


async def _ldap_service(c: Cockpit) -> None:
    async with c.database.session() as db:
        config = {
            "ldap": {
                "expert": {
                    "iamLdapUserDnTemplate": f"uid={{0}},ou=people,{BASE}",
                    "iamLdapGroupRolesMap": {
                        "items": [{"ldapGroupDn": OPERATORS, "roles": ["operator", "unknown"]}]
                    },
                }
            }
        }
        await IdentityRepository(db).store_service(
            IdentityService(
                name="directory",
                service_type=IdentityServiceType.LDAP,
                ordering=5,
                configuration=json.dumps(config),
            )
        )
        roles = RoleRepository(db)
        await roles.store_role("directory", "operator")
        await roles.set_permissions(
            "directory", "operator", [Permission(permission="sos:products:joc:auditLog")]
        )


def test_login_tries_the_services_by_ordering_and_keeps_ldap_accounts(cockpit: RunningCockpit) -> None:
    server = directory()

    def providers(service: IdentityService, database: Database) -> IdentityProvider | None:
        if service.service_type == IdentityServiceType.LDAP:
            ldap = LdapSettings.model_validate(
                json.loads(service.configuration or "{}")["ldap"], strict=False
            )
            return LdapIdentityProvider(ldap, maps_roles=True, server=server, strategy=ldap3.MOCK_SYNC)
        return default_provider(service, database)

    cockpit.call(_ldap_service)
    logged_in = cockpit.call(lambda c: log_in(c, "fritz", "fritz-pw", providers=providers))
    assert (logged_in.service.name, logged_in.account.roles) == ("directory", ("operator",))
    with pytest.raises(AuthenticationError):
        cockpit.call(lambda c: log_in(c, "fritz", "fritz-pw", "JOC", providers=providers))
    for _ in range(cockpit.cockpit.config.block_after_failed_logins):
        with pytest.raises(AuthenticationError):
            cockpit.call(lambda c: log_in(c, "fritz", "wrong", providers=providers))
    with pytest.raises(AuthenticationError, match="blocked"):
        cockpit.call(lambda c: log_in(c, "fritz", "fritz-pw", providers=providers))
