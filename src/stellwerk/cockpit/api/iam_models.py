"""Request models of JOC's `/iam/...` endpoints (security/* request schemas of the JOC API)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from stellwerk.cockpit.api.models import Audited, JocModel
from stellwerk.cockpit.db.enums import IdentityServiceType

Name = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^<>]*$")]
OptionalName = Annotated[str, Field(max_length=255, pattern=r"^[^<>]*$")]
ControllerIdText = Annotated[str, Field(max_length=100, pattern=r'^[^/\\<>?!&:;()"|*^]*$')]
FolderPath = Annotated[str, Field(min_length=1, max_length=255, pattern=r'^(/|(/[^/\\<>?:"|*]+)+)$')]
ServiceType = Annotated[IdentityServiceType, Field(strict=False)]  # by its JSON value
DateFromTo = Annotated[
    str,
    Field(
        pattern=r"^([+-]?0|([+-]?[0-9]+[smhdwMy])+|\d{4}-\d{2}-\d{2}(?:T| )\d{2}:\d{2}:\d{2}([,.]\d{1,3})?)"
        r"(Z|[+-]\d{2}(:?\d{2})?)?$"
    ),
]


class IdentityServiceFilter(Audited):
    identity_service_name: OptionalName | None = None
    identity_service_type: ServiceType | None = None
    disabled: bool | None = None
    second_factor: bool | None = None


class IdentityServiceBody(Audited):
    identity_service_name: Name
    service_authentication_scheme: Annotated[str, Field(pattern="^(SINGLE-FACTOR|TWO-FACTOR)$")]
    identity_service_type: ServiceType | None = None
    ordering: int | None = Field(default=None, ge=0)
    disabled: bool = False
    second_factor: bool = False
    second_factor_identity_service_name: Name | None = None
    required: bool = False


class IdentityServiceRename(Audited):
    identity_service_old_name: Name
    identity_service_new_name: Name


class AccountListFilter(JocModel):
    identity_service_name: Name
    account_name: OptionalName | None = None
    enabled: bool = False
    disabled: bool = False


class AccountFilter(Audited):
    identity_service_name: Name
    account_name: Name


class AccountBody(Audited):
    identity_service_name: Name
    account_name: Name
    email: Name | None = None
    password: str | None = None
    force_password_change: bool = False
    disabled: bool = False
    blocked: bool = False
    roles: list[str] = []


class AccountRename(Audited):
    identity_service_name: Name
    account_old_name: Name
    account_new_name: Name


class AccountsFilter(Audited):
    identity_service_name: Name
    account_names: list[OptionalName]
    enabled: bool = False
    disabled: bool = False


class AccountNamesFilter(Audited):
    identity_service_name: Name
    account_names: list[Name]


class AccountChangePassword(Audited):
    identity_service_name: Name
    account_name: Name
    password: str | None = None
    repeated_password: str | None = None
    old_password: str | None = None
    force_password_change: bool = False


class BlockedAccountBody(Audited):
    account_name: Name
    comment: OptionalName | None = None
    since: str | None = None


class BlockedAccountsFilter(JocModel):
    account_name: OptionalName | None = None
    date_from: DateFromTo | None = None
    date_to: DateFromTo | None = None
    time_zone: OptionalName | None = None
    limit: int = 10000


class BlockedAccountsDeleteFilter(Audited):
    account_names: list[OptionalName]


class RoleListFilter(JocModel):
    identity_service_name: Name


class RoleFilter(Audited):
    identity_service_name: Name
    role_name: Name


class RoleStore(Audited):
    identity_service_name: Name
    role_name: Name
    ordering: int | None = Field(default=None, ge=0)


class RoleRename(Audited):
    identity_service_name: Name
    role_old_name: Name
    role_new_name: Name


class RolesFilter(Audited):
    identity_service_name: Name
    role_names: list[Name]


class PermissionBody(JocModel):
    permission_path: Name
    excluded: bool = False


class PermissionListFilter(JocModel):
    identity_service_name: Name
    role_name: Name
    controller_id: ControllerIdText = ""


class PermissionFilter(Audited):
    identity_service_name: OptionalName
    role_name: Name
    permission_path: Name
    controller_id: ControllerIdText = ""


class PermissionsBody(Audited):
    identity_service_name: Name
    controller_id: ControllerIdText
    role_name: Name
    permissions: list[PermissionBody]


class PermissionsFilter(Audited):
    identity_service_name: Name
    role_name: Name
    permission_paths: list[Name]
    controller_id: ControllerIdText = ""


class PermissionRename(Audited):
    identity_service_name: Name
    controller_id: ControllerIdText
    role_name: Name
    old_permission_path: Name
    new_permission: PermissionBody


class FolderBody(JocModel):
    folder: FolderPath
    recursive: bool = True


class FolderListFilter(JocModel):
    identity_service_name: Name
    role_name: Name
    controller_id: ControllerIdText = ""


class FolderFilter(Audited):
    identity_service_name: Name
    controller_id: ControllerIdText
    role_name: Name
    folder_name: Name


class FoldersBody(Audited):
    identity_service_name: Name
    controller_id: ControllerIdText
    role_name: Name
    folders: list[FolderBody]


class FoldersFilter(Audited):
    identity_service_name: Name
    role_name: Name
    folder_names: list[OptionalName]
    controller_id: OptionalName = ""


class FolderRename(Audited):
    identity_service_name: Name
    controller_id: ControllerIdText
    role_name: Name
    old_folder_name: Name
    new_folder: FolderBody
