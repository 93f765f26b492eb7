"""The LDAP identity service (types `LDAP` and `LDAP-JOC`) by ldap3: the user's DN comes from a template
(`uid={0},ou=people,…`) or from a search (as the system user, or anonymously) with the user search filter
(`(uid=%s)`); a bind as that DN with the password verifies it. For type `LDAP` the user's groups (from the group
search, else the `memberOf` attribute) are mapped to roles by the service's group → roles map; for `LDAP-JOC` the
roles stored in the Cockpit hold. ldap3 is synchronous: each verification runs in a worker thread."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

with warnings.catch_warnings():
    # ldap3 2.9.1 imports names pyasn1 has deprecated; the warning is not ours to fix.
    warnings.simplefilter("ignore", DeprecationWarning)
    import ldap3  # type: ignore[import-untyped]
    from ldap3.core.exceptions import LDAPException  # type: ignore[import-untyped]
    from ldap3.utils.conv import escape_filter_chars  # type: ignore[import-untyped]
    from ldap3.utils.dn import escape_rdn  # type: ignore[import-untyped]

from stellwerk.cockpit.security.identity_provider import Identity, Refusal
from stellwerk.cockpit.security.service_settings import LdapExpert, LdapSettings, LdapSimple

DEFAULT_TIMEOUT_S = 10


def server_url(settings: LdapSettings) -> str | None:
    """The server's URL: the expert URL, else one made of the simple host, port and protocol."""
    expert, simple = settings.expert or LdapExpert(), settings.simple or LdapSimple()
    if expert.iam_ldap_server_url:
        return expert.iam_ldap_server_url
    if not simple.iam_ldap_host:
        return None
    scheme = "ldaps" if simple.iam_ldap_protocol == "SSL" else "ldap"
    port = f":{simple.iam_ldap_port}" if simple.iam_ldap_port else ""
    return f"{scheme}://{simple.iam_ldap_host}{port}"


def mapped_roles(settings: LdapSettings, groups: set[str]) -> tuple[str, ...]:
    """The roles of the mapping's items whose group (by DN or name, any case) the user is a member of."""
    mapping = (settings.expert or LdapExpert()).iam_ldap_group_roles_map
    if mapping is None:
        return ()
    member_of = {group.lower() for group in groups}
    roles = {role for item in mapping.items if item.ldap_group_dn.lower() in member_of for role in item.roles}
    return tuple(sorted(roles))


class LdapIdentityProvider:
    """Verifies accounts against an LDAP server; `server` and `strategy` are ldap3's (a test may hand in a
    server of ldap3's offline MOCK_SYNC strategy)."""

    def __init__(
        self,
        settings: LdapSettings,
        *,
        maps_roles: bool,
        server: Any = None,
        strategy: str = ldap3.SYNC,
    ) -> None:
        self._settings = settings
        self._expert = settings.expert or LdapExpert()
        self._maps_roles = maps_roles
        self._strategy = strategy
        url = server_url(settings)
        timeout = (self._expert.iam_ldap_connect_timeout or DEFAULT_TIMEOUT_S * 1000) / 1000
        self._server = (
            server if server is not None or url is None else ldap3.Server(url, connect_timeout=timeout)
        )

    async def verify(self, name: str, password: str) -> Identity | Refusal:
        if self._server is None:
            return Refusal(reason="LDAP: no server is configured")
        if not password:
            return Refusal(reason="LDAP: an empty password is never accepted (it would bind anonymously)")
        try:
            return await asyncio.to_thread(self._verify, name, password)
        except LDAPException as error:
            return Refusal(reason=f"LDAP: {type(error).__name__}: {error}")

    def _verify(self, name: str, password: str) -> Identity | Refusal:
        user_dn = self._user_dn(name)
        if user_dn is None:
            return Refusal(reason=f"LDAP: no user {name}")
        connection = self._connection(user_dn, password)
        try:
            if not connection.bind():
                return Refusal(reason="LDAP: wrong password", known=True)
            roles = (
                mapped_roles(self._settings, self._groups(connection, user_dn)) if self._maps_roles else None
            )
            return Identity(name=name, roles=roles)
        finally:
            connection.unbind()

    def _connection(self, user: str | None, password: str | None) -> Any:
        read_timeout = (self._expert.iam_ldap_read_timeout or DEFAULT_TIMEOUT_S * 1000) / 1000
        connection = ldap3.Connection(
            self._server,
            user=user,
            password=password,
            client_strategy=self._strategy,
            receive_timeout=read_timeout,
            raise_exceptions=False,
        )
        if self._expert.iam_ldap_use_start_tls:
            connection.open()
            connection.start_tls()
        return connection

    def _user_dn(self, name: str) -> str | None:
        if self._expert.iam_ldap_user_dn_template:
            return self._expert.iam_ldap_user_dn_template.replace("{0}", escape_rdn(name))
        search_filter = (self._expert.iam_ldap_user_search_filter or "(uid=%s)").replace(
            "%s", escape_filter_chars(name)
        )
        searcher = self._connection(self._expert.iam_ldap_system_user, self._expert.iam_ldap_system_password)
        try:
            if not searcher.bind():
                raise LDAPException("the system user cannot bind to search for the user")
            searcher.search(self._expert.iam_ldap_search_base or "", search_filter, attributes=[])
            entries = list(searcher.entries)
        finally:
            searcher.unbind()
        return str(entries[0].entry_dn) if len(entries) == 1 else None

    def _groups(self, connection: Any, user_dn: str) -> set[str]:
        expert = self._expert
        if expert.iam_ldap_group_search_base and expert.iam_ldap_group_search_filter:
            name_attribute = expert.iam_ldap_group_name_attribute or "cn"
            group_filter = expert.iam_ldap_group_search_filter.replace("%s", escape_filter_chars(user_dn))
            connection.search(expert.iam_ldap_group_search_base, group_filter, attributes=[name_attribute])
            groups = set()
            for entry in connection.entries:
                groups.add(str(entry.entry_dn))
                groups.update(str(value) for value in entry.entry_attributes_as_dict.get(name_attribute, ()))
            return groups
        connection.search(user_dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["memberOf"])
        return {
            str(value)
            for entry in connection.entries
            for value in entry.entry_attributes_as_dict.get("memberOf", ())
        }
