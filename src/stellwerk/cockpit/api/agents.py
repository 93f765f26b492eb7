"""`/joc/api/agents...` and `/joc/api/agent/delete` for standalone Agents: storing them (and deploying them to
their Controller at once, as JOC does), deploying, revoking, enabling and disabling them, deleting them, the
stored Agents (`/agents/inventory`), their state as the Controller shows it (`/agents`) and the Agent names.

A change is checked (permission, body, known Controller and Agents) before anything is stored; the Controller
is told within the transaction of the change, so a change the Controller refuses is not stored either."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import APIRouter
from msgspec.structs import replace
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.api.agents_models import (
    AgentCommand,
    AgentIds,
    AgentParam,
    ReadAgentNames,
    ReadAgents,
    ReadAgentsStatus,
    ReadSubagentsLive,
    StoreAgents,
)
from stellwerk.cockpit.api.models import Audited
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.repositories.agents import AgentEntry, AgentRepository, StoredAgent
from stellwerk.cockpit.errors import BadRequest, JocError, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.agents import (
    agent_items,
    agent_ref,
    agent_status,
    inventory_agent,
    subagent_bundle,
    update_request,
)
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.proxy import ControllerProxy

MANAGE = "sos:products:joc:administration:controllers:manage"
VIEW = "sos:products:joc:administration:controllers:view"
AGENTS_VIEW = "sos:products:controller:agents:view"

# JOC clients may send their JSON bodies without a Content-Type header.
router = APIRouter(prefix="/joc/api", tags=["agents"], strict_content_type=False)


def ok() -> dict[str, Any]:
    return {"deliveryDate": delivery_date(), "ok": True}


def duplicates(values: Iterable[str]) -> list[str]:
    counted = Counter(values)
    return sorted(value for value, count in counted.items() if count > 1)


def item_key(item: dict[str, Any]) -> str:
    """The Controller's key of an item in engine JSON (`AgentRef:path`, `SubagentItem:id`, ...)."""
    return f"{item.get('TYPE')}:{item.get('id', item.get('path'))}"


async def tell_controller(
    proxy: ControllerProxy, items: Sequence[dict[str, Any]] = (), deleted_keys: Iterable[str] = ()
) -> None:
    """Adds or changes `items` on the Controller and deletes those of `deleted_keys` it holds."""
    wanted = set(deleted_keys)
    held = {item_key(item) for item in await proxy.items()} if wanted else set()
    deleted = sorted(wanted & held)
    if items or deleted:
        await proxy.update_items(update_request(items, deleted))


async def stored_agents(
    repository: AgentRepository, controller_id: str, agent_ids: Sequence[str], field: str, *, cluster: bool
) -> list[StoredAgent]:
    """The stored Agents of these ids; JOC-404 naming the first unknown one (or one of the other kind)."""
    found = []
    for index, agent_id in enumerate(agent_ids):
        agent = await repository.agent(controller_id, agent_id)
        if agent is None or agent.is_cluster != cluster:
            kind = "cluster Agent" if cluster else "standalone Agent"
            raise UnknownObject(f"$.{field}[{index}]: {agent_id} is no {kind} of Controller {controller_id}")
        found.append(agent)
    return found


async def deployed_items(repository: AgentRepository, agent: AgentEntry) -> list[dict[str, Any]]:
    """Every item of an Agent: AgentRef, SubagentItems and SubagentBundles."""
    subagents = await repository.subagents(agent.controller_id, agent.agent_id)
    clusters = await repository.subagent_clusters(agent.controller_id, agent.agent_id)
    return [*agent_items(agent, subagents), *(subagent_bundle(c) for c in clusters)]


async def mark_deployed(repository: AgentRepository, agent: AgentEntry, deployed: bool, now: int) -> None:
    """Marks the Agent, its Subagents and Subagent clusters deployed (or revoked)."""
    controller_id, agent_id = agent.controller_id, agent.agent_id
    await repository.set_deployed(controller_id, agent_id, deployed, now)
    subagents = await repository.subagents(controller_id, agent_id)
    if subagents:
        await repository.store_subagents(
            controller_id, agent_id, [replace(s, deployed=deployed) for s in subagents]
        )
    for cluster in await repository.subagent_clusters(controller_id, agent_id):
        await repository.store_subagent_cluster(controller_id, agent_id, replace(cluster, deployed=deployed))


def agent_names(agent: AgentEntry) -> set[str]:
    """The names workflows may use for an Agent: its name and its aliases."""
    return {agent.name, *agent.name_aliases}


async def name_clash(repository: AgentRepository, agent: AgentEntry) -> set[str]:
    """The names (or aliases) of this Agent that another Agent of its Controller has already."""
    taken = set()
    for other in await repository.agents(agent.controller_id):
        if other.agent_id != agent.agent_id:
            taken |= agent_names(other)
    return agent_names(agent) & taken


async def audited(
    db: AsyncSession,
    caller: Caller,
    cockpit: Cockpit,
    request: str,
    body: Audited,
    controller_id: str | None,
    objects: Iterable[tuple[str, str]],
) -> None:
    await audit(
        db,
        caller,
        request,
        AuditCategory.CONTROLLER,
        body,
        cockpit.now(),
        controller_id=controller_id,
        objects=objects,
    )


def _entry(controller_id: str, agent: AgentParam, existing: StoredAgent | None, index: int) -> AgentEntry:
    ordering = agent.ordering - 1 if agent.ordering else (existing.ordering if existing else index)
    return AgentEntry(
        controller_id=controller_id,
        agent_id=agent.agent_id,
        name=agent.agent_name,
        url=agent.url,
        title=agent.title,
        process_limit=agent.process_limit,
        disabled=agent.disabled,
        hidden=agent.hidden,
        name_aliases=tuple(sorted(set(agent.agent_name_aliases or ()) - {agent.agent_name})),
        deployed=True,
        ordering=ordering,
    )


@router.post("/agents/inventory/store")
async def store(body: StoreAgents, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Stores standalone Agents and deploys them to their Controller (an AgentRef with the Agent's URL)."""
    caller.require(MANAGE)
    controller_id = body.controller_id
    if twice := duplicates(a.agent_id for a in body.agents):
        raise BadRequest(f"$.agents: the agentIds {twice} are given more than once")
    if twice := duplicates(
        name for a in body.agents for name in {a.agent_name, *(a.agent_name_aliases or ())}
    ):
        raise BadRequest(f"$.agents: the agentNames or agentNameAliases {twice} are given more than once")
    proxy = cockpit.proxies.get(controller_id)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        entries = []
        for index, agent in enumerate(body.agents):
            existing = await repository.agent(controller_id, agent.agent_id)
            if existing is None and body.update:
                raise UnknownObject(f"$.agents[{index}].agentId: {agent.agent_id} is not stored (update)")
            if existing is not None and existing.is_cluster:
                raise BadRequest(f"$.agents[{index}].agentId: {agent.agent_id} is a cluster Agent")
            entry = _entry(controller_id, agent, existing, index)
            if clash := await name_clash(repository, entry):
                raise BadRequest(f"$.agents[{index}].agentName: another Agent is named {sorted(clash)}")
            entries.append(entry)
        for entry in entries:
            await repository.store(entry, now)
        await tell_controller(proxy, [agent_ref(entry) for entry in entries])
        objects = [("AGENT", entry.agent_id) for entry in entries]
        await audited(db, caller, cockpit, "./agents/inventory/store", body, controller_id, objects)
    return ok()


async def _deploy_or_revoke(
    body: AgentIds, cockpit: Cockpit, caller: Caller, *, deploy: bool, request: str
) -> dict[str, Any]:
    caller.require(MANAGE)
    proxy = cockpit.proxies.get(body.controller_id)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        agents = await stored_agents(
            repository, body.controller_id, body.agent_ids, "agentIds", cluster=False
        )
        items = [item for agent in agents for item in await deployed_items(repository, agent)]
        if deploy:
            await tell_controller(proxy, items)
        else:
            await tell_controller(proxy, deleted_keys=[item_key(item) for item in items])
        for agent in agents:
            await mark_deployed(repository, agent, deploy, now)
        objects = [("AGENT", agent.agent_id) for agent in agents]
        await audited(db, caller, cockpit, request, body, body.controller_id, objects)
    return ok()


@router.post("/agents/inventory/deploy")
async def deploy(body: AgentIds, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Deploys stored standalone Agents to their Controller."""
    return await _deploy_or_revoke(body, cockpit, caller, deploy=True, request="./agents/inventory/deploy")


@router.post("/agents/inventory/revoke")
async def revoke(body: AgentIds, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Removes standalone Agents from their Controller (they stay stored); refused while a workflow uses one."""
    return await _deploy_or_revoke(body, cockpit, caller, deploy=False, request="./agents/inventory/revoke")


async def _enable_or_disable(body: AgentIds, cockpit: Cockpit, caller: Caller, *, disabled: bool) -> None:
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        agents = await stored_agents(
            repository, body.controller_id, body.agent_ids, "agentIds", cluster=False
        )
        for agent in agents:
            await repository.set_disabled(body.controller_id, agent.agent_id, disabled, now)
        request = "./agents/inventory/disable" if disabled else "./agents/inventory/enable"
        objects = [("AGENT", agent.agent_id) for agent in agents]
        await audited(db, caller, cockpit, request, body, body.controller_id, objects)


@router.post("/agents/inventory/enable")
async def enable(body: AgentIds, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Enables standalone Agents."""
    await _enable_or_disable(body, cockpit, caller, disabled=False)
    return ok()


@router.post("/agents/inventory/disable")
async def disable(body: AgentIds, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Disables standalone Agents (marked disabled in the inventory and in their status)."""
    await _enable_or_disable(body, cockpit, caller, disabled=True)
    return ok()


@router.post("/agent/delete")
async def delete(body: AgentCommand, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Removes an Agent (standalone or cluster) from its Controller and from the inventory."""
    caller.require(MANAGE)
    proxy = cockpit.proxies.get(body.controller_id)
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        agent = await repository.agent(body.controller_id, body.agent_id)
        if agent is None:
            raise UnknownObject(f"$.agentId: {body.agent_id} is no Agent of Controller {body.controller_id}")
        items = await deployed_items(repository, agent)
        await tell_controller(proxy, deleted_keys=[item_key(item) for item in items])
        await repository.delete(body.controller_id, body.agent_id)
        objects = [("AGENT", body.agent_id)]
        await audited(db, caller, cockpit, "./agent/delete", body, body.controller_id, objects)
    return ok()


async def visible_agents(
    cockpit: Cockpit, controller_id: str | None, agent_ids: Sequence[str] | None, only_visible: bool = False
) -> list[StoredAgent]:
    """The stored Agents (of one Controller, of these ids when given, not hidden ones when `only_visible`)."""
    async with cockpit.database.session() as db:
        agents = await AgentRepository(db).agents(controller_id)
    wanted = set(agent_ids) if agent_ids else None
    return [a for a in agents if (wanted is None or a.agent_id in wanted) and not (only_visible and a.hidden)]


@router.post("/agents/inventory")
async def inventory(cockpit: CockpitDep, caller: CallerDep, body: ReadAgents | None = None) -> dict[str, Any]:
    """The stored standalone Agents."""
    caller.require(VIEW)
    body = body or ReadAgents()
    agents = await visible_agents(cockpit, body.controller_id, body.agent_ids, body.only_visible_agents)
    return {
        "deliveryDate": delivery_date(),
        "agents": [inventory_agent(agent) for agent in agents if not agent.is_cluster],
    }


async def _overview(proxy: ControllerProxy) -> dict[str, Any] | None:
    try:
        return await proxy.overview()
    except JocError:
        return None  # the Controller is not reachable now: every Agent's state is unknown


@router.post("/agents")
async def agents(body: ReadAgentsStatus, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """The stored Agents of a Controller with their state as the Controller shows it now."""
    caller.require(AGENTS_VIEW, body.controller_id)
    proxy = cockpit.proxies.get(body.controller_id)
    overview = await _overview(proxy)
    seen: dict[str, Any] = (overview or {}).get("agents") or {}
    found = []
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        for agent in await visible_agents(
            cockpit, body.controller_id, body.agent_ids, body.only_visible_agents
        ):
            subagents = await repository.subagents(agent.controller_id, agent.agent_id)
            status = agent_status(agent, subagents, seen.get(agent.agent_id), compact=body.compact)
            if overview is None:
                status["errorMessage"] = f"Controller {body.controller_id} is not reachable"
            if not body.states or status["state"]["_text"] in body.states:
                found.append(status)
    return {"deliveryDate": delivery_date(), "surveyDate": delivery_date(), "agents": found}


@router.post("/agent/subagents")
async def live_subagents(body: ReadSubagentsLive, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """A Stellwerk extension: the Subagents of a stored Agent as the Agent itself lists them now, elastic pool
    members included (they are not configured one by one, so only the Agent knows them)."""
    caller.require(AGENTS_VIEW, body.controller_id)
    if not await visible_agents(cockpit, body.controller_id, [body.agent_id]):
        raise UnknownObject(f"Unknown Agent '{body.agent_id}' of Controller '{body.controller_id}'")
    listing = await cockpit.proxies.get(body.controller_id).agent_subagents(body.agent_id)
    return {
        "deliveryDate": delivery_date(),
        "controllerId": body.controller_id,
        "agentId": body.agent_id,
        "subagents": listing.get("subagents", []),
        "poolMembersJoined": listing.get("joined", 0),
        "poolMembersLeft": listing.get("left", 0),
    }


@router.post("/agents/names")
async def names(cockpit: CockpitDep, caller: CallerDep, body: ReadAgentNames | None = None) -> dict[str, Any]:
    """The names (aliases included) of the stored standalone and cluster Agents and the Subagent cluster ids per
    cluster Agent, for the workflows editor: hidden Agents are not offered."""
    controller_id = body.controller_id if body else None
    if controller_id:
        caller.require(AGENTS_VIEW, controller_id)
    standalone: set[str] = set()
    clustered: set[str] = set()
    bundles: dict[str, list[str]] = {}
    async with cockpit.database.session() as db:
        repository = AgentRepository(db)
        for agent in await repository.agents(controller_id or None):
            if agent.hidden or not caller.allows(AGENTS_VIEW, agent.controller_id):
                continue
            if not agent.is_cluster:
                standalone |= agent_names(agent)
                continue
            clustered |= agent_names(agent)
            clusters = await repository.subagent_clusters(agent.controller_id, agent.agent_id)
            if clusters:
                bundles.setdefault(agent.name, []).extend(c.cluster_id for c in clusters)
    return {
        "deliveryDate": delivery_date(),
        "agentNames": sorted(standalone),
        "clusterAgentNames": sorted(clustered),
        "subagentClusterIds": {name: sorted(set(ids)) for name, ids in bundles.items()},
    }
