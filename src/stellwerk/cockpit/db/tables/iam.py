"""Identity and access: identity services, accounts, roles, permissions and folders per role, sessions."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stellwerk.cockpit.db.base import Base, ControllerId, Json, Key, Millis, Name, table_args
from stellwerk.cockpit.db.enums import IdentityServiceType


class IamIdentityService(Base):
    """An identity service: the internal `JOC` one, LDAP, …; its settings are JSON."""

    __tablename__ = "iam_identity_services"
    __table_args__ = table_args(UniqueConstraint("name"))
    id: Mapped[Key]
    name: Mapped[Name]
    service_type: Mapped[IdentityServiceType]
    authentication_scheme: Mapped[str] = mapped_column(String(32))  # SINGLE-FACTOR | TWO-FACTOR
    ordering: Mapped[int]
    disabled: Mapped[bool]
    required: Mapped[bool]
    configuration: Mapped[Json | None]


class IamAccount(Base):
    """An account of an identity service; `password_hash` (argon2) only for the internal service. A blocked
    account (JOC's blocklist: by hand or after repeated failed logins) cannot log in."""

    __tablename__ = "iam_accounts"
    __table_args__ = table_args(UniqueConstraint("service_id", "name"))
    id: Mapped[Key]
    service_id: Mapped[int] = mapped_column(ForeignKey("iam_identity_services.id", ondelete="CASCADE"))
    name: Mapped[Name]
    password_hash: Mapped[str | None]
    email: Mapped[str | None]
    disabled: Mapped[bool]
    blocked: Mapped[bool]
    blocked_since: Mapped[Millis | None]
    block_comment: Mapped[str | None]
    force_password_change: Mapped[bool]
    failed_logins: Mapped[int]
    last_login: Mapped[Millis | None]
    last_failed_login: Mapped[Millis | None]
    created: Mapped[Millis]
    modified: Mapped[Millis]


class IamRole(Base):
    """A role of an identity service."""

    __tablename__ = "iam_roles"
    __table_args__ = table_args(UniqueConstraint("service_id", "name"))
    id: Mapped[Key]
    service_id: Mapped[int] = mapped_column(ForeignKey("iam_identity_services.id", ondelete="CASCADE"))
    name: Mapped[Name]
    ordering: Mapped[int]


class IamAccountRole(Base):
    """An account has a role."""

    __tablename__ = "iam_account_roles"
    account_id: Mapped[int] = mapped_column(
        ForeignKey("iam_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[int] = mapped_column(
        ForeignKey("iam_roles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class IamPermission(Base):
    """A permission of a role in JOC's names (`sos:products:joc:inventory:manage`), granted or excluded;
    `controller_id` is empty for the defaults that hold for every Controller."""

    __tablename__ = "iam_permissions"
    __table_args__ = table_args(UniqueConstraint("role_id", "controller_id", "permission"))
    id: Mapped[Key]
    role_id: Mapped[int] = mapped_column(ForeignKey("iam_roles.id", ondelete="CASCADE"))
    controller_id: Mapped[ControllerId]
    permission: Mapped[Name]
    excluded: Mapped[bool]


class IamFolder(Base):
    """A folder a role is limited to (recursively or not); `controller_id` empty for every Controller."""

    __tablename__ = "iam_folders"
    __table_args__ = table_args(UniqueConstraint("role_id", "controller_id", "folder"))
    id: Mapped[Key]
    role_id: Mapped[int] = mapped_column(ForeignKey("iam_roles.id", ondelete="CASCADE"))
    controller_id: Mapped[ControllerId]
    folder: Mapped[Name]
    recursive: Mapped[bool]


class IamSession(Base):
    """A login session; only the SHA-256 of its access token is stored."""

    __tablename__ = "iam_sessions"
    __table_args__ = table_args(UniqueConstraint("token_hash"), Index(None, "expires"))
    id: Mapped[Key]
    token_hash: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(ForeignKey("iam_accounts.id", ondelete="CASCADE"), index=True)
    created: Mapped[Millis]
    last_access: Mapped[Millis]
    expires: Mapped[Millis]
    timeout: Mapped[int]  # milliseconds of inactivity after which the session expires
    client: Mapped[str | None]
