"""The settings of an identity service as JOC keeps them (security/properties/properties-schema.json): the
initial password for resets, the minimum password length, the session timeout, and the LDAP server with its
group → role mapping. They are stored as JSON with the service."""

from __future__ import annotations

from pydantic import Field, ValidationError

from stellwerk.cockpit.api.models import JocModel


class LdapGroupRoles(JocModel):
    """The roles members of one LDAP group get."""

    ldap_group_dn: str
    roles: tuple[str, ...] = ()


class LdapGroupRolesMap(JocModel):
    iam_ldap_disable_nested_group_search: bool | None = None
    items: tuple[LdapGroupRoles, ...] = ()


class LdapSimple(JocModel):
    """The server in JOC's simple form: host, port, protocol."""

    iam_ldap_host: str | None = None
    iam_ldap_port: int | None = Field(default=None, ge=0)
    iam_ldap_protocol: str | None = Field(default=None, pattern="^(PLAIN|STARTTLS|SSL)$")
    iam_ldap_ad: bool | None = Field(default=None, alias="iamLdapAD")
    iam_ldap_ad_with_sam_account: bool | None = Field(default=None, alias="iamLdapADwithSamAccount")
    iam_ldap_with_member_of: bool | None = None


class LdapExpert(JocModel):
    """JOC's expert LDAP settings: the URL, how a user's DN is found and how groups are read."""

    iam_ldap_server_url: str | None = None
    iam_ldap_read_timeout: int | None = Field(default=None, ge=0)
    iam_ldap_connect_timeout: int | None = Field(default=None, ge=0)
    iam_ldap_user_dn_template: str | None = None
    iam_ldap_system_user_dn_template: str | None = Field(default=None, alias="iamLdapSysemUserDnTemplate")
    iam_ldap_search_base: str | None = None
    iam_ldap_group_search_base: str | None = None
    iam_ldap_group_name_attribute: str | None = None
    iam_ldap_user_name_attribute: str | None = None
    iam_ldap_user_search_filter: str | None = None
    iam_ldap_group_search_filter: str | None = None
    iam_ldap_use_start_tls: bool | None = None
    iam_ldap_truststore_path: str | None = None
    iam_ldap_truststore_password: str | None = None
    iam_ldap_truststore_type: str | None = None
    iam_ldap_host_name_verification: bool | None = None
    iam_ldap_security_protocol: str | None = None
    iam_ldap_system_user: str | None = None
    iam_ldap_system_password: str | None = None
    iam_ldap_group_roles_map: LdapGroupRolesMap | None = None


class LdapSettings(JocModel):
    simple: LdapSimple | None = None
    expert: LdapExpert | None = None


class ServiceSettings(JocModel):
    """An identity service's settings."""

    initial_password: str | None = None
    min_password_length: int | None = Field(default=None, ge=0)
    session_timeout: int | None = Field(default=None, ge=0)
    keycloak: dict[str, object] | None = None
    oidc: dict[str, object] | None = None
    fido: dict[str, object] | None = None
    ldap: LdapSettings | None = None


class BadSettings(ValueError):
    """The stored settings of a service do not fit JOC's schema."""


def parse_settings(service: str, configuration: str | None) -> ServiceSettings:
    """The settings of `service` from their stored JSON (none stored: the defaults)."""
    if not configuration:
        return ServiceSettings()
    try:
        return ServiceSettings.model_validate_json(configuration, strict=False)
    except ValidationError as error:
        raise BadSettings(f"The settings of the identity service {service} are invalid: {error}") from None
