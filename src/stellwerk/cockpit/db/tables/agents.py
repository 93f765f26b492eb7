"""Registered Controller nodes, Agents, Subagents and Subagent clusters."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stellwerk.cockpit.db.base import Base, ControllerId, Json, Key, Millis, Name, table_args
from stellwerk.cockpit.db.enums import (
    ControllerRole,
    DirectorRole,
)


class Controller(Base):
    """A registered Controller node: a standalone Controller has one row, a cluster two."""

    __tablename__ = "controllers"
    __table_args__ = table_args(UniqueConstraint("controller_id", "role"))
    id: Mapped[Key]
    controller_id: Mapped[ControllerId]
    role: Mapped[ControllerRole]
    url: Mapped[Name]
    cluster_url: Mapped[str | None]  # the URL the other cluster node uses, when it differs
    title: Mapped[str | None]
    certificate: Mapped[str | None] = mapped_column(Text)  # PEM, to recognise the node under mutual TLS
    created: Mapped[Millis]
    modified: Mapped[Millis]


class Agent(Base):
    """An Agent in the Cockpit's inventory: standalone, or a cluster agent with Subagents."""

    __tablename__ = "agents"
    __table_args__ = table_args(
        UniqueConstraint("controller_id", "agent_id"), Index(None, "controller_id", "name")
    )
    id: Mapped[Key]
    controller_id: Mapped[ControllerId]
    agent_id: Mapped[Name]
    name: Mapped[Name]
    url: Mapped[Name]
    title: Mapped[str | None]
    process_limit: Mapped[int | None]
    is_cluster: Mapped[bool]
    disabled: Mapped[bool]
    hidden: Mapped[bool]  # not offered to the workflows editor
    name_aliases: Mapped[Json | None]  # a JSON list of other names workflows may use for the Agent
    deployed: Mapped[bool]
    ordering: Mapped[int]
    created: Mapped[Millis]
    modified: Mapped[Millis]


class Subagent(Base):
    """A Subagent of a cluster agent; Directors are Subagents with a director role."""

    __tablename__ = "subagents"
    __table_args__ = table_args(UniqueConstraint("agent_ref", "subagent_id"))
    id: Mapped[Key]
    agent_ref: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    subagent_id: Mapped[Name]
    url: Mapped[Name]
    director: Mapped[DirectorRole]
    title: Mapped[str | None]
    ordering: Mapped[int]
    disabled: Mapped[bool]
    deployed: Mapped[bool]


class SubagentCluster(Base):
    """A Subagent cluster (selection) of an Agent."""

    __tablename__ = "subagent_clusters"
    __table_args__ = table_args(UniqueConstraint("agent_ref", "cluster_id"))
    id: Mapped[Key]
    agent_ref: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    cluster_id: Mapped[Name]
    title: Mapped[str | None]
    deployed: Mapped[bool]


class SubagentClusterMember(Base):
    """A Subagent in a Subagent cluster, with its priority (fixed-priority or round-robin when equal)."""

    __tablename__ = "subagent_cluster_members"
    __table_args__ = table_args(UniqueConstraint("cluster_ref", "subagent_id"))
    id: Mapped[Key]
    cluster_ref: Mapped[int] = mapped_column(ForeignKey("subagent_clusters.id", ondelete="CASCADE"))
    subagent_id: Mapped[Name]
    priority: Mapped[int]
