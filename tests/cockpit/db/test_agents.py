"""Controllers, Agents, Subagents and Subagent clusters."""

from __future__ import annotations

import pytest

from stellwerk.cockpit.db.enums import ControllerRole, DirectorRole
from stellwerk.cockpit.db.repositories.agents import (
    AgentEntry,
    AgentRepository,
    SubagentClusterEntry,
    SubagentEntry,
    SubagentPriority,
)
from stellwerk.cockpit.db.repositories.controllers import ControllerNode, ControllerRepository
from stellwerk.cockpit.db.session import Database


def node(role: ControllerRole, url: str, controller_id: str = "prod") -> ControllerNode:
    return ControllerNode(controller_id=controller_id, role=role, url=url, certificate="PEM")


async def test_register_standalone_then_as_a_cluster(database: Database) -> None:
    async with database.session() as session:
        controllers = ControllerRepository(session)
        await controllers.register([node(ControllerRole.STANDALONE, "https://one")], now=1)
        await controllers.register([node(ControllerRole.STANDALONE, "https://x", "test")], now=1)
        cluster = await controllers.register(
            [node(ControllerRole.BACKUP, "https://two"), node(ControllerRole.PRIMARY, "https://one")], now=2
        )
        assert [n.role for n in cluster] == [ControllerRole.BACKUP, ControllerRole.PRIMARY]
        nodes = await controllers.nodes("prod")
        assert [(n.role, n.url, n.created) for n in nodes] == [
            (ControllerRole.PRIMARY, "https://one", 2),
            (ControllerRole.BACKUP, "https://two", 2),
        ]
        assert await controllers.controller_ids() == ["prod", "test"]
        assert len(await controllers.all()) == 3
        with pytest.raises(ValueError, match="exactly one Controller"):
            await controllers.register(
                [node(ControllerRole.PRIMARY, "u"), node(ControllerRole.BACKUP, "u", "x")], 3
            )


async def test_unregister_removes_the_controller_and_its_agents(database: Database) -> None:
    async with database.session() as session:
        controllers, agents = ControllerRepository(session), AgentRepository(session)
        await controllers.register([node(ControllerRole.STANDALONE, "https://one")], now=1)
        await agents.store(AgentEntry(controller_id="prod", agent_id="a", name="a", url="https://a"), now=1)
        assert await controllers.unregister("prod") is True
        assert await controllers.unregister("prod") is False
        assert await controllers.nodes("prod") == []
        assert await agents.agents("prod") == []


async def test_store_change_disable_and_delete_agents(database: Database) -> None:
    async with database.session() as session:
        agents = AgentRepository(session)
        entry = AgentEntry(controller_id="c", agent_id="a1", name="one", url="https://a1", ordering=2)
        await agents.store(entry, now=1)
        await agents.store(AgentEntry(controller_id="c", agent_id="a2", name="two", url="https://a2"), now=1)
        changed = await agents.store(entry, now=2)
        assert (changed.created, changed.modified) == (1, 2)
        assert [a.agent_id for a in await agents.agents("c")] == ["a2", "a1"]
        assert await agents.set_disabled("c", "a1", True, now=3) is True
        assert await agents.set_deployed("c", "a1", True, now=3) is True
        stored = await agents.agent("c", "a1")
        assert stored is not None and (stored.disabled, stored.deployed, stored.modified) == (True, True, 3)
        assert await agents.set_disabled("c", "missing", True, now=3) is False
        assert await agents.delete("c", "a1") is True
        assert await agents.agent("c", "a1") is None


async def test_subagents_and_subagent_clusters(database: Database) -> None:
    async with database.session() as session:
        agents = AgentRepository(session)
        await agents.store(
            AgentEntry(controller_id="c", agent_id="ca", name="ca", url="https://d1", is_cluster=True), 1
        )
        primary = SubagentEntry(subagent_id="d1", url="https://d1", director=DirectorRole.PRIMARY_DIRECTOR)
        worker = SubagentEntry(subagent_id="w1", url="https://w1", ordering=1)
        assert await agents.store_subagents("c", "ca", [primary, worker]) is True
        assert await agents.subagents("c", "ca") == [primary, worker]
        assert await agents.store_subagents("c", "ca", [worker]) is True
        assert await agents.subagents("c", "ca") == [worker]
        assert await agents.store_subagents("c", "missing", [worker]) is False

        members = (
            SubagentPriority(subagent_id="w1", priority=1),
            SubagentPriority(subagent_id="d1", priority=2),
        )
        cluster = SubagentClusterEntry(cluster_id="pool", members=members)
        assert await agents.store_subagent_cluster("c", "ca", cluster) is True
        assert await agents.store_subagent_cluster(
            "c", "ca", SubagentClusterEntry(cluster_id="empty", members=())
        )
        found = await agents.subagent_clusters("c", "ca")
        assert [c.cluster_id for c in found] == ["empty", "pool"]
        assert found[1].members == (members[1], members[0])
        assert await agents.delete_subagent_cluster("c", "ca", "pool") is True
        assert [c.cluster_id for c in await agents.subagent_clusters("c", "ca")] == ["empty"]
