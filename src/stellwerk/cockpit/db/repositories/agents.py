"""Agents in the Cockpit's inventory: standalone Agents, cluster Agents with their Subagents, Subagent clusters."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.base import affected_rows
from stellwerk.cockpit.db.enums import DirectorRole
from stellwerk.cockpit.db.tables import Agent, Subagent, SubagentCluster, SubagentClusterMember


class AgentEntry(msgspec.Struct, frozen=True, kw_only=True):
    """An Agent as the API stores it."""

    controller_id: str
    agent_id: str
    name: str
    url: str
    title: str | None = None
    process_limit: int | None = None
    is_cluster: bool = False
    disabled: bool = False
    hidden: bool = False
    name_aliases: tuple[str, ...] = ()
    deployed: bool = False
    ordering: int = 0


class StoredAgent(AgentEntry, frozen=True, kw_only=True):
    """A stored Agent."""

    created: int
    modified: int


class SubagentEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A Subagent of a cluster Agent."""

    subagent_id: str
    url: str
    director: DirectorRole = DirectorRole.NO_DIRECTOR
    title: str | None = None
    ordering: int = 0
    disabled: bool = False
    deployed: bool = False


class SubagentPriority(msgspec.Struct, frozen=True, kw_only=True):
    """A member of a Subagent cluster."""

    subagent_id: str
    priority: int = 0


class SubagentClusterEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A Subagent cluster and its members."""

    cluster_id: str
    members: tuple[SubagentPriority, ...]
    title: str | None = None
    deployed: bool = False


_AGENT_FIELDS = AgentEntry.__struct_fields__
_SUBAGENT_FIELDS = SubagentEntry.__struct_fields__


class AgentRepository:
    """Storing, reading and removing Agents, Subagents and Subagent clusters."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def store(self, agent: AgentEntry, now: int) -> StoredAgent:
        """Inserts or replaces the Agent (controller_id, agent_id); its Subagents stay."""
        row = await self._row(agent.controller_id, agent.agent_id)
        if row is None:
            row = Agent(created=now)
            self._session.add(row)
        for field in _AGENT_FIELDS:
            setattr(row, field, getattr(agent, field))
        row.name_aliases = msgspec.json.encode(agent.name_aliases).decode() if agent.name_aliases else None
        row.modified = now
        await self._session.flush()
        return _agent(row)

    async def agent(self, controller_id: str, agent_id: str) -> StoredAgent | None:
        """One Agent."""
        row = await self._row(controller_id, agent_id)
        return None if row is None else _agent(row)

    async def agents(self, controller_id: str | None = None) -> list[StoredAgent]:
        """The Agents of a Controller (of every Controller when None), by Controller, ordering and id."""
        query = select(Agent).order_by(Agent.controller_id, Agent.ordering, Agent.agent_id)
        if controller_id is not None:
            query = query.where(Agent.controller_id == controller_id)
        return [_agent(row) for row in await self._session.scalars(query)]

    async def agent_of_subagent(self, controller_id: str, subagent_id: str) -> str | None:
        """The id of the Agent that has this Subagent, None when no Agent of the Controller has it."""
        found = await self._session.scalar(
            select(Agent.agent_id)
            .join(Subagent, Subagent.agent_ref == Agent.id)
            .where(Agent.controller_id == controller_id, Subagent.subagent_id == subagent_id)
        )
        return None if found is None else str(found)

    async def agent_of_subagent_cluster(self, controller_id: str, cluster_id: str) -> str | None:
        """The id of the Agent that has this Subagent cluster, None when no Agent of the Controller has it."""
        found = await self._session.scalar(
            select(Agent.agent_id)
            .join(SubagentCluster, SubagentCluster.agent_ref == Agent.id)
            .where(Agent.controller_id == controller_id, SubagentCluster.cluster_id == cluster_id)
        )
        return None if found is None else str(found)

    async def controllers_of(self, agent_id: str) -> list[str]:
        """The ids of the Controllers that have an Agent with this id."""
        rows = await self._session.scalars(
            select(Agent.controller_id).where(Agent.agent_id == agent_id).order_by(Agent.controller_id)
        )
        return [str(row) for row in rows]

    async def set_disabled(self, controller_id: str, agent_id: str, disabled: bool, now: int) -> bool:
        """Enables or disables an Agent; False when there is no such Agent."""
        return await self._set(controller_id, agent_id, now, disabled=disabled)

    async def set_deployed(self, controller_id: str, agent_id: str, deployed: bool, now: int) -> bool:
        """Marks an Agent deployed to its Controller (or revoked); False when there is no such Agent."""
        return await self._set(controller_id, agent_id, now, deployed=deployed)

    async def delete(self, controller_id: str, agent_id: str) -> bool:
        """Removes an Agent with its Subagents and Subagent clusters."""
        result = await self._session.execute(
            delete(Agent).where(Agent.controller_id == controller_id, Agent.agent_id == agent_id)
        )
        return bool(affected_rows(result))

    async def store_subagents(
        self, controller_id: str, agent_id: str, subagents: Sequence[SubagentEntry]
    ) -> bool:
        """Replaces the Subagents of an Agent; False when there is no such Agent."""
        row = await self._row(controller_id, agent_id)
        if row is None:
            return False
        await self._session.execute(delete(Subagent).where(Subagent.agent_ref == row.id))
        self._session.add_all(Subagent(agent_ref=row.id, **msgspec.structs.asdict(s)) for s in subagents)
        await self._session.flush()
        return True

    async def subagents(self, controller_id: str, agent_id: str) -> list[SubagentEntry]:
        """The Subagents of an Agent, by ordering."""
        rows = await self._session.scalars(
            select(Subagent)
            .join(Agent, Agent.id == Subagent.agent_ref)
            .where(Agent.controller_id == controller_id, Agent.agent_id == agent_id)
            .order_by(Subagent.ordering, Subagent.subagent_id)
        )
        return [SubagentEntry(**{f: getattr(row, f) for f in _SUBAGENT_FIELDS}) for row in rows]

    async def store_subagent_cluster(
        self, controller_id: str, agent_id: str, cluster: SubagentClusterEntry
    ) -> bool:
        """Inserts or replaces a Subagent cluster of an Agent; False when there is no such Agent."""
        agent = await self._row(controller_id, agent_id)
        if agent is None:
            return False
        await self.delete_subagent_cluster(controller_id, agent_id, cluster.cluster_id)
        row = SubagentCluster(
            agent_ref=agent.id, cluster_id=cluster.cluster_id, title=cluster.title, deployed=cluster.deployed
        )
        self._session.add(row)
        await self._session.flush()
        self._session.add_all(
            SubagentClusterMember(cluster_ref=row.id, subagent_id=m.subagent_id, priority=m.priority)
            for m in cluster.members
        )
        await self._session.flush()
        return True

    async def subagent_clusters(self, controller_id: str, agent_id: str) -> list[SubagentClusterEntry]:
        """The Subagent clusters of an Agent, by id; members by descending priority."""
        rows = await self._session.execute(
            select(SubagentCluster, SubagentClusterMember)
            .join(Agent, Agent.id == SubagentCluster.agent_ref)
            .outerjoin(SubagentClusterMember, SubagentClusterMember.cluster_ref == SubagentCluster.id)
            .where(Agent.controller_id == controller_id, Agent.agent_id == agent_id)
            .order_by(SubagentCluster.cluster_id, SubagentClusterMember.priority.desc())
        )
        clusters: dict[str, SubagentClusterEntry] = {}
        for cluster, member in rows:
            entry = clusters.get(cluster.cluster_id) or SubagentClusterEntry(
                cluster_id=cluster.cluster_id, members=(), title=cluster.title, deployed=cluster.deployed
            )
            if member is not None:
                added = SubagentPriority(subagent_id=member.subagent_id, priority=member.priority)
                entry = msgspec.structs.replace(entry, members=(*entry.members, added))
            clusters[cluster.cluster_id] = entry
        return list(clusters.values())

    async def delete_subagent_cluster(self, controller_id: str, agent_id: str, cluster_id: str) -> bool:
        """Removes a Subagent cluster."""
        agent = await self._row(controller_id, agent_id)
        if agent is None:
            return False
        result = await self._session.execute(
            delete(SubagentCluster).where(
                SubagentCluster.agent_ref == agent.id, SubagentCluster.cluster_id == cluster_id
            )
        )
        return bool(affected_rows(result))

    async def _set(self, controller_id: str, agent_id: str, now: int, **values: bool) -> bool:
        row = await self._row(controller_id, agent_id)
        if row is None:
            return False
        for name, value in values.items():
            setattr(row, name, value)
        row.modified = now
        await self._session.flush()
        return True

    async def _row(self, controller_id: str, agent_id: str) -> Agent | None:
        return await self._session.scalar(
            select(Agent).where(Agent.controller_id == controller_id, Agent.agent_id == agent_id)
        )


def _agent(row: Agent) -> StoredAgent:
    fields = {field: getattr(row, field) for field in _AGENT_FIELDS}
    fields["name_aliases"] = tuple(msgspec.json.decode(row.name_aliases)) if row.name_aliases else ()
    return StoredAgent(**fields, created=row.created, modified=row.modified)
