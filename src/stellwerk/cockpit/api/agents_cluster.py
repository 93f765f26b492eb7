"""`/joc/api/agents/inventory/cluster...` and `/joc/api/agents/cluster...`: cluster Agents with their Directors
and Subagents, and Subagent clusters. A cluster Agent is deployed as an AgentRef with its Directors' ids and the
primary Director's URL (the Controller drives the Agent there) plus a SubagentItem per Subagent; a Subagent
cluster as a SubagentBundle. Storing deploys at once, as JOC does."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from msgspec.structs import replace

from stellwerk.cockpit.api.agents import (
    MANAGE,
    VIEW,
    audited,
    deployed_items,
    duplicates,
    item_key,
    mark_deployed,
    name_clash,
    ok,
    stored_agents,
    tell_controller,
    visible_agents,
)
from stellwerk.cockpit.api.agents_models import (
    ClusterAgentIds,
    ClusterAgentParam,
    ReadAgents,
    ReadSubagentClusters,
    StoreClusterAgents,
    StoreSubagentClusters,
    StoreSubagents,
    SubagentClusterIds,
    SubagentIds,
    SubagentParam,
)
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import DirectorRole
from stellwerk.cockpit.db.repositories.agents import (
    AgentEntry,
    AgentRepository,
    SubagentClusterEntry,
    SubagentEntry,
    SubagentPriority,
)
from stellwerk.cockpit.errors import BadRequest, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.agents import (
    directors,
    inventory_cluster_agent,
    inventory_subagent_cluster,
    subagent_bundle,
    subagent_item,
)

router = APIRouter(prefix="/joc/api", tags=["agents"], strict_content_type=False)


def _subagents(params: list[SubagentParam], field: str, offset: int = 0) -> list[SubagentEntry]:
    if twice := duplicates(s.subagent_id for s in params):
        raise BadRequest(f"{field}: the subagentIds {twice} are given more than once")
    return [
        SubagentEntry(
            subagent_id=s.subagent_id,
            url=s.url,
            director=DirectorRole(s.is_director),
            title=s.title,
            ordering=s.ordering - 1 if s.ordering else offset + index,
            disabled=s.disabled,
            deployed=True,
        )
        for index, s in enumerate(params)
    ]


def _primary_url(subagents: list[SubagentEntry], field: str) -> str:
    found = directors(subagents)
    roles = [s.director for s in found]
    if DirectorRole.PRIMARY_DIRECTOR not in roles or len(roles) != len(set(roles)):
        raise BadRequest(
            f"{field}: a cluster Agent needs one PRIMARY_DIRECTOR and at most one SECONDARY_DIRECTOR"
        )
    return found[0].url


def _cluster_entry(controller_id: str, agent: ClusterAgentParam, url: str, index: int) -> AgentEntry:
    return AgentEntry(
        controller_id=controller_id,
        agent_id=agent.agent_id,
        name=agent.agent_name,
        url=url,
        title=agent.title,
        process_limit=agent.process_limit,
        is_cluster=True,
        disabled=agent.disabled,
        hidden=agent.hidden,
        name_aliases=tuple(sorted(set(agent.agent_name_aliases or ()) - {agent.agent_name})),
        deployed=True,
        ordering=agent.ordering - 1 if agent.ordering else index,
    )


@router.post("/agents/inventory/cluster/store")
async def store_cluster(body: StoreClusterAgents, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Stores cluster Agents with their Subagents and deploys them."""
    caller.require(MANAGE)
    controller_id = body.controller_id
    if twice := duplicates(a.agent_id for a in body.cluster_agents):
        raise BadRequest(f"$.clusterAgents: the agentIds {twice} are given more than once")
    planned = []
    for index, agent in enumerate(body.cluster_agents):
        field = f"$.clusterAgents[{index}].subagents"
        subagents = _subagents(agent.subagents, field)
        planned.append(
            (_cluster_entry(controller_id, agent, _primary_url(subagents, field), index), subagents)
        )
    proxy = cockpit.proxies.get(controller_id)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        for index, (entry, _) in enumerate(planned):
            existing = await repository.agent(controller_id, entry.agent_id)
            if existing is None and body.update:
                raise UnknownObject(
                    f"$.clusterAgents[{index}].agentId: {entry.agent_id} is not stored (update)"
                )
            if existing is not None and not existing.is_cluster:
                raise BadRequest(f"$.clusterAgents[{index}].agentId: {entry.agent_id} is a standalone Agent")
            if clash := await name_clash(repository, entry):
                raise BadRequest(
                    f"$.clusterAgents[{index}].agentName: another Agent is named {sorted(clash)}"
                )
        items = []
        for entry, subagents in planned:
            await repository.store(entry, now)
            await repository.store_subagents(controller_id, entry.agent_id, subagents)
            items += await deployed_items(repository, entry)
        await tell_controller(proxy, items)
        objects = [("AGENT", entry.agent_id) for entry, _ in planned]
        await audited(db, caller, cockpit, "./agents/inventory/cluster/store", body, controller_id, objects)
    return ok()


async def _deploy_or_revoke_clusters(
    body: ClusterAgentIds, cockpit: Cockpit, caller: Caller, *, deploy: bool
) -> dict[str, Any]:
    caller.require(MANAGE)
    proxy = cockpit.proxies.get(body.controller_id)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        ids = body.cluster_agent_ids
        agents = await stored_agents(repository, body.controller_id, ids, "clusterAgentIds", cluster=True)
        items = [item for agent in agents for item in await deployed_items(repository, agent)]
        if deploy:
            await tell_controller(proxy, items)
        else:
            await tell_controller(proxy, deleted_keys=[item_key(item) for item in items])
        for agent in agents:
            await mark_deployed(repository, agent, deploy, now)
        request = "./agents/inventory/cluster/" + ("deploy" if deploy else "revoke")
        objects = [("AGENT", agent.agent_id) for agent in agents]
        await audited(db, caller, cockpit, request, body, body.controller_id, objects)
    return ok()


@router.post("/agents/inventory/cluster/deploy")
async def deploy_clusters(body: ClusterAgentIds, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Deploys stored cluster Agents with their Subagents and Subagent clusters."""
    return await _deploy_or_revoke_clusters(body, cockpit, caller, deploy=True)


@router.post("/agents/inventory/cluster/revoke")
async def revoke_clusters(body: ClusterAgentIds, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Removes cluster Agents with their Subagents and Subagent clusters from the Controller."""
    return await _deploy_or_revoke_clusters(body, cockpit, caller, deploy=False)


@router.post("/agents/inventory/cluster")
async def cluster_inventory(
    cockpit: CockpitDep, caller: CallerDep, body: ReadAgents | None = None
) -> dict[str, Any]:
    """The stored cluster Agents with their Subagents (not the hidden ones with `onlyVisibleAgents`)."""
    caller.require(VIEW)
    body = body or ReadAgents()
    agents = await visible_agents(
        cockpit, body.controller_id or None, body.agent_ids, body.only_visible_agents
    )
    found = []
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        for agent in agents:
            if agent.is_cluster:
                subagents = await repository.subagents(agent.controller_id, agent.agent_id)
                found.append(inventory_cluster_agent(agent, subagents))
    return {"deliveryDate": delivery_date(), "agents": found}


@router.post("/agents/inventory/cluster/subagents/store")
async def store_subagents(body: StoreSubagents, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Adds or changes Subagents of a cluster Agent (the others stay) and deploys them when it is deployed."""
    caller.require(MANAGE)
    controller_id, agent_id = body.controller_id, body.agent_id
    proxy = cockpit.proxies.get(controller_id)
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        (agent,) = await stored_agents(repository, controller_id, [agent_id], "agentId", cluster=True)
        existing = await repository.subagents(controller_id, agent_id)
        given = _subagents(body.subagents, "$.subagents", offset=len(existing))
        given = [replace(s, deployed=agent.deployed) for s in given]
        given_ids = {s.subagent_id for s in given}
        merged = [s for s in existing if s.subagent_id not in given_ids] + given
        if body.update and (missing := sorted(given_ids - {s.subagent_id for s in existing})):
            raise UnknownObject(f"$.subagents: {missing} are not stored (update)")
        url = _primary_url(merged, "$.subagents")
        await repository.store_subagents(controller_id, agent_id, merged)
        if url != agent.url:
            await repository.store(replace(agent, url=url), cockpit.now())
        if agent.deployed:
            await tell_controller(proxy, await deployed_items(repository, replace(agent, url=url)))
        objects = [("SUBAGENT", s.subagent_id) for s in given]
        await audited(
            db, caller, cockpit, "./agents/inventory/cluster/subagents/store", body, controller_id, objects
        )
    return ok()


async def _owned_subagents(
    repository: AgentRepository, controller_id: str, subagent_ids: list[str]
) -> dict[str, list[str]]:
    """The given Subagent ids by the id of their Agent; JOC-404 naming the first unknown one."""
    owners: dict[str, list[str]] = {}
    for index, subagent_id in enumerate(subagent_ids):
        agent_id = await repository.agent_of_subagent(controller_id, subagent_id)
        if agent_id is None:
            raise UnknownObject(
                f"$.subagentIds[{index}]: {subagent_id} is no Subagent of Controller {controller_id}"
            )
        owners.setdefault(agent_id, []).append(subagent_id)
    return owners


async def _change_subagents(
    body: SubagentIds, cockpit: Cockpit, caller: Caller, *, disabled: bool | None, request: str
) -> dict[str, Any]:
    """Enables or disables Subagents (`disabled`), or deletes them (`disabled` None), on the Controller too."""
    caller.require(MANAGE)
    controller_id = body.controller_id
    proxy = cockpit.proxies.get(controller_id)
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        for agent_id, ids in (await _owned_subagents(repository, controller_id, body.subagent_ids)).items():
            subagents = await repository.subagents(controller_id, agent_id)
            if disabled is None:
                kept = [s for s in subagents if s.subagent_id not in ids]
                _primary_url(kept, "$.subagentIds")  # a Director may not be deleted
                await repository.store_subagents(controller_id, agent_id, kept)
                await tell_controller(proxy, deleted_keys=[f"SubagentItem:{i}" for i in ids])
                continue
            changed = [replace(s, disabled=disabled) if s.subagent_id in ids else s for s in subagents]
            await repository.store_subagents(controller_id, agent_id, changed)
            deployed = [subagent_item(agent_id, s) for s in changed if s.subagent_id in ids and s.deployed]
            await tell_controller(proxy, deployed)
        objects = [("SUBAGENT", i) for i in body.subagent_ids]
        await audited(db, caller, cockpit, request, body, controller_id, objects)
    return ok()


@router.post("/agents/inventory/cluster/subagents/enable")
async def enable_subagents(body: SubagentIds, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Enables Subagents (on the Controller too when they are deployed)."""
    request = "./agents/inventory/cluster/subagents/enable"
    return await _change_subagents(body, cockpit, caller, disabled=False, request=request)


@router.post("/agents/inventory/cluster/subagents/disable")
async def disable_subagents(body: SubagentIds, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Disables Subagents: the Director starts no job on them."""
    request = "./agents/inventory/cluster/subagents/disable"
    return await _change_subagents(body, cockpit, caller, disabled=True, request=request)


@router.post("/agents/inventory/cluster/subagents/delete")
async def delete_subagents(body: SubagentIds, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Removes Subagents (not Directors) from the inventory and the Controller."""
    request = "./agents/inventory/cluster/subagents/delete"
    return await _change_subagents(body, cockpit, caller, disabled=None, request=request)


@router.post("/agents/cluster/store")
async def store_subagent_clusters(
    body: StoreSubagentClusters, cockpit: CockpitDep, caller: CallerDep
) -> dict[str, Any]:
    """Stores Subagent clusters of cluster Agents and deploys them when their Agent is deployed."""
    caller.require(MANAGE)
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        for index, cluster in enumerate(body.subagent_clusters):
            field = f"$.subagentClusters[{index}]"
            controllers = [cluster.controller_id] if cluster.controller_id else []
            controllers = controllers or await repository.controllers_of(cluster.agent_id)
            if len(controllers) != 1:
                raise UnknownObject(f"{field}.agentId: {cluster.agent_id} is not one stored Agent")
            controller_id = controllers[0]
            (agent,) = await stored_agents(
                repository, controller_id, [cluster.agent_id], "agentId", cluster=True
            )
            known = {s.subagent_id for s in await repository.subagents(controller_id, agent.agent_id)}
            members = []
            for position, member in enumerate(cluster.subagent_ids):
                where = f"{field}.subagentIds[{position}]"
                if member.subagent_id not in known:
                    raise UnknownObject(
                        f"{where}.subagentId: {member.subagent_id} is no Subagent of {agent.agent_id}"
                    )
                if not isinstance(member.priority, int):
                    raise BadRequest(
                        f"{where}.priority: a priority expression is not supported, only a number"
                    )
                members.append(SubagentPriority(subagent_id=member.subagent_id, priority=member.priority))
            entry = SubagentClusterEntry(
                cluster_id=cluster.subagent_cluster_id,
                members=tuple(members),
                title=cluster.title,
                deployed=agent.deployed,
            )
            await repository.store_subagent_cluster(controller_id, agent.agent_id, entry)
            if agent.deployed:
                await tell_controller(cockpit.proxies.get(controller_id), [subagent_bundle(entry)])
            objects = [("SUBAGENTCLUSTER", entry.cluster_id)]
            await audited(db, caller, cockpit, "./agents/cluster/store", body, controller_id, objects)
    return ok()


async def _clusters_of(
    repository: AgentRepository, controller_id: str, cluster_ids: list[str]
) -> list[tuple[str, SubagentClusterEntry]]:
    """The stored Subagent clusters of these ids with their Agent's id; JOC-404 naming an unknown one."""
    found = []
    for index, cluster_id in enumerate(cluster_ids):
        agent_id = await repository.agent_of_subagent_cluster(controller_id, cluster_id)
        clusters = await repository.subagent_clusters(controller_id, agent_id) if agent_id else []
        cluster = next((c for c in clusters if c.cluster_id == cluster_id), None)
        if agent_id is None or cluster is None:
            raise UnknownObject(f"$.subagentClusterIds[{index}]: {cluster_id} is no Subagent cluster")
        found.append((agent_id, cluster))
    return found


async def _change_subagent_clusters(
    body: SubagentClusterIds, cockpit: Cockpit, caller: Caller, action: str
) -> dict[str, Any]:
    caller.require(MANAGE)
    controller_id = body.controller_id
    proxy = cockpit.proxies.get(controller_id)
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        clusters = await _clusters_of(repository, controller_id, body.subagent_cluster_ids)
        if action == "deploy":
            await tell_controller(proxy, [subagent_bundle(c) for _, c in clusters])
        else:
            await tell_controller(proxy, deleted_keys=[f"SubagentBundle:{c.cluster_id}" for _, c in clusters])
        for agent_id, cluster in clusters:
            if action == "delete":
                await repository.delete_subagent_cluster(controller_id, agent_id, cluster.cluster_id)
            else:
                changed = replace(cluster, deployed=action == "deploy")
                await repository.store_subagent_cluster(controller_id, agent_id, changed)
        objects = [("SUBAGENTCLUSTER", c.cluster_id) for _, c in clusters]
        await audited(db, caller, cockpit, f"./agents/cluster/{action}", body, controller_id, objects)
    return ok()


@router.post("/agents/cluster/deploy")
async def deploy_subagent_clusters(
    body: SubagentClusterIds, cockpit: CockpitDep, caller: CallerDep
) -> dict[str, Any]:
    """Deploys Subagent clusters as SubagentBundles."""
    return await _change_subagent_clusters(body, cockpit, caller, "deploy")


@router.post("/agents/cluster/revoke")
async def revoke_subagent_clusters(
    body: SubagentClusterIds, cockpit: CockpitDep, caller: CallerDep
) -> dict[str, Any]:
    """Removes Subagent clusters from the Controller (they stay stored)."""
    return await _change_subagent_clusters(body, cockpit, caller, "revoke")


@router.post("/agents/cluster/delete")
async def delete_subagent_clusters(
    body: SubagentClusterIds, cockpit: CockpitDep, caller: CallerDep
) -> dict[str, Any]:
    """Removes Subagent clusters from the Controller and the inventory."""
    return await _change_subagent_clusters(body, cockpit, caller, "delete")


@router.post("/agents/cluster")
async def subagent_clusters(
    cockpit: CockpitDep, caller: CallerDep, body: ReadSubagentClusters | None = None
) -> dict[str, Any]:
    """The stored Subagent clusters (of these Agents, of these ids when given)."""
    caller.require(VIEW)
    body = body or ReadSubagentClusters()
    agents_wanted, clusters_wanted = set(body.agent_ids or ()), set(body.subagent_cluster_ids or ())
    found = []
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        for agent in await repository.agents(body.controller_id or None):
            if agents_wanted and agent.agent_id not in agents_wanted:
                continue
            clusters = await repository.subagent_clusters(agent.controller_id, agent.agent_id)
            for ordering, cluster in enumerate(clusters, start=1):
                if not clusters_wanted or cluster.cluster_id in clusters_wanted:
                    found.append(
                        inventory_subagent_cluster(agent.controller_id, agent.agent_id, cluster, ordering)
                    )
    return {"deliveryDate": delivery_date(), "subagentClusters": found}
