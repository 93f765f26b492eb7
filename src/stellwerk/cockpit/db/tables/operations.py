"""Tables of the Cockpit's own operation: audit log, settings, cluster heartbeats, stored Controller EventIds."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from stellwerk.cockpit.db.base import Base, ControllerId, Json, Key, Millis, Name, table_args
from stellwerk.cockpit.db.enums import AuditCategory


class AuditLog(Base):
    """One modifying request: who, when, what, and the optional comment, time spent and ticket link."""

    __tablename__ = "audit_log"
    __table_args__ = table_args(
        Index(None, "created", "id"),
        Index(None, "controller_id", "created"),
        Index(None, "account", "created"),
    )
    id: Mapped[Key]
    account: Mapped[Name]
    request: Mapped[Name]
    category: Mapped[AuditCategory]
    controller_id: Mapped[str | None] = mapped_column(String(100))
    created: Mapped[Millis]
    comment: Mapped[str | None] = mapped_column(String(2000))
    parameters: Mapped[Json | None]
    time_spent: Mapped[int | None]  # minutes
    ticket_link: Mapped[str | None]
    commit_id: Mapped[str | None] = mapped_column(String(64))


class AuditLogObject(Base):
    """An object an audited request affected."""

    __tablename__ = "audit_log_objects"
    __table_args__ = table_args(Index(None, "folder"), Index(None, "path"))
    id: Mapped[Key]
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit_log.id", ondelete="CASCADE"), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    path: Mapped[Name]
    folder: Mapped[Name]


class Setting(Base):
    """One setting: a JSON value under a key of a section (`joc`, `dailyplan`, `cleanup`, …)."""

    __tablename__ = "settings"
    section: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[Json]
    modified: Mapped[Millis]


class CockpitMember(Base):
    """A Cockpit instance of the Cockpit cluster, with its last heartbeat; the active one runs the services."""

    __tablename__ = "cockpit_members"
    member_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    url: Mapped[Name]
    started: Mapped[Millis]
    heartbeat: Mapped[Millis]
    active: Mapped[bool]


class StoredEventId(Base):
    """The last Controller EventId a consumer (`history`, `proxy:<member>`) has stored, to resume the stream."""

    __tablename__ = "event_ids"
    controller_id: Mapped[ControllerId] = mapped_column(primary_key=True)
    consumer: Mapped[str] = mapped_column(String(128), primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger)
    modified: Mapped[Millis]
