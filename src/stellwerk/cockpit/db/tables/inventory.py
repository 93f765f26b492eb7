"""Inventory tables: drafts and folders, released objects, the trash, the deployment history."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stellwerk.cockpit.db.base import Base, ControllerId, Json, Key, Millis, Name, table_args
from stellwerk.cockpit.db.enums import (
    ConfigurationType,
    DeploymentOperation,
    DeploymentState,
)


class InvConfiguration(Base):
    """A draft in the inventory; folders are rows of type FOLDER (as in JOC)."""

    __tablename__ = "inv_configurations"
    __table_args__ = table_args(
        UniqueConstraint("object_type", "path"), Index(None, "object_type", "name"), Index(None, "folder")
    )
    id: Mapped[Key]
    object_type: Mapped[ConfigurationType]
    path: Mapped[Name]
    name: Mapped[Name]
    folder: Mapped[Name]
    title: Mapped[str | None]
    content: Mapped[Json | None]
    valid: Mapped[bool]
    deployed: Mapped[bool]
    released: Mapped[bool]
    created: Mapped[Millis]
    modified: Mapped[Millis]


class InvReleased(Base):
    """The released version of a JOC-only object (schedule, calendar, include script, …)."""

    __tablename__ = "inv_released"
    __table_args__ = table_args(UniqueConstraint("object_type", "name"), Index(None, "folder"))
    id: Mapped[Key]
    configuration_id: Mapped[int | None] = mapped_column(
        ForeignKey("inv_configurations.id", ondelete="SET NULL"), index=True
    )
    object_type: Mapped[ConfigurationType]
    path: Mapped[Name]
    name: Mapped[Name]
    folder: Mapped[Name]
    content: Mapped[Json]
    created: Mapped[Millis]
    modified: Mapped[Millis]


class InvTrash(Base):
    """A configuration deleted to the trash, restorable until the trash is emptied."""

    __tablename__ = "inv_trash"
    __table_args__ = table_args(UniqueConstraint("object_type", "path"), Index(None, "folder"))
    id: Mapped[Key]
    object_type: Mapped[ConfigurationType]
    path: Mapped[Name]
    name: Mapped[Name]
    folder: Mapped[Name]
    title: Mapped[str | None]
    content: Mapped[Json | None]
    valid: Mapped[bool]
    created: Mapped[Millis]
    trashed: Mapped[Millis]


class DepHistory(Base):
    """One item deployed to (or deleted from) one Controller by one commit."""

    __tablename__ = "dep_history"
    __table_args__ = table_args(
        Index(None, "controller_id", "object_type", "name", "id"),
        Index(None, "controller_id", "deployed"),
        Index(None, "commit_id"),
        Index(None, "folder"),
    )
    id: Mapped[Key]
    controller_id: Mapped[ControllerId]
    configuration_id: Mapped[int | None] = mapped_column(
        ForeignKey("inv_configurations.id", ondelete="SET NULL"), index=True
    )
    object_type: Mapped[ConfigurationType]
    path: Mapped[Name]
    name: Mapped[Name]
    folder: Mapped[Name]
    content: Mapped[Json]  # the engine JSON as signed and sent
    signature: Mapped[str | None] = mapped_column(Text)
    commit_id: Mapped[str] = mapped_column(String(64))
    version_id: Mapped[str | None] = mapped_column(String(64))
    operation: Mapped[DeploymentOperation]
    state: Mapped[DeploymentState]
    error_message: Mapped[str | None] = mapped_column(Text)
    account: Mapped[Name]
    deployed: Mapped[Millis]
