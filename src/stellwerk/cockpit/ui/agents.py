"""The Agents view: a Controller's standalone and cluster Agents with their state as the Controller shows it,
their Subagents, their Subagent clusters and the live members of their Directors' elastic pools, patched live;
enabling, disabling and resetting Agents and enabling and disabling Subagents, a cluster Agent's switch-over and
the confirmation of its Director's loss (JOC's /agent/cluster/...), all through the API's handlers (their
permission, checks and audit)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from stellwerk.cockpit.api import agent_cluster, agent_reset, agents_cluster
from stellwerk.cockpit.api import agents as agents_api
from stellwerk.cockpit.api.agent_cluster import AgentCommand
from stellwerk.cockpit.api.agents import AGENTS_VIEW, MANAGE, VIEW
from stellwerk.cockpit.api.agents_models import (
    AgentIds,
    ReadAgentsStatus,
    ReadSubagentClusters,
    ReadSubagentsLive,
    ResetAgents,
    SubagentIds,
)
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.errors import JocError
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.services.agents import agent_state
from stellwerk.cockpit.ui import live
from stellwerk.cockpit.ui.orders import choose_controller
from stellwerk.cockpit.ui.web import PostingCaller, Refused, UiCaller, UiRoute, body_of, done, page, templates

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)


async def _subagent_clusters(cockpit: Cockpit, caller: Caller, controller_id: str) -> dict[str, list[Any]]:
    """The stored Subagent clusters by their Agent's id (for an account that may view the inventory)."""
    if not caller.allows(VIEW):
        return {}
    wanted = body_of(ReadSubagentClusters, {"controllerId": controller_id})
    answer = await agents_cluster.subagent_clusters(cockpit, caller, wanted)
    found: dict[str, list[Any]] = {}
    for cluster in answer["subagentClusters"]:
        found.setdefault(cluster["agentId"], []).append(cluster)
    return found


async def _membership(
    cockpit: Cockpit, caller: Caller, controller_id: str, agent_id: str
) -> dict[str, Any] | None:
    """The Subagents and pool members the Agent lists now; None while it (or its Controller) does not answer."""
    wanted = body_of(ReadSubagentsLive, {"controllerId": controller_id, "agentId": agent_id})
    try:
        return await agents_api.live_subagents(wanted, cockpit, caller)
    except JocError:
        return None


async def _unlisted(cockpit: Cockpit, controller_id: str, stored: set[str]) -> list[dict[str, Any]]:
    """The Agents the Controller drives that the Cockpit's inventory does not hold (a standalone system names its
    Agent in the Controller's configuration), with their coupling; none while the Controller does not answer."""
    try:
        overview = await cockpit.proxies.get(controller_id).overview()
    except JocError:
        return []
    found = []
    for agent_id, seen in sorted((overview.get("agents") or {}).items()):
        if agent_id not in stored:
            state, problem = agent_state(seen)
            found.append({"agentId": agent_id, "state": state, "errorMessage": problem})
    return found


async def _listing(cockpit: Cockpit, caller: Caller, controller_id: str) -> dict[str, Any]:
    """The Agents of the Controller with what the view shows of each and what the account may do."""
    caller.require(AGENTS_VIEW, controller_id)
    status = await agents_api.agents(
        body_of(ReadAgentsStatus, {"controllerId": controller_id}), cockpit, caller
    )
    clusters = await _subagent_clusters(cockpit, caller, controller_id)
    rows = []
    for agent in status["agents"]:
        membership = await _membership(cockpit, caller, controller_id, agent["agentId"])
        rows.append(
            {
                **agent,
                # The status lists Subagents for cluster Agents only.
                "isCluster": "subagents" in agent,
                "subagentClusters": clusters.get(agent["agentId"], []),
                "live": membership,
            }
        )
    unlisted = await _unlisted(cockpit, controller_id, {row["agentId"] for row in rows})
    return {
        "controller_id": controller_id,
        "rows": rows,
        "unlisted": unlisted,
        "can_manage": caller.allows(MANAGE),
    }


@router.get("/agents", response_class=HTMLResponse)
async def agents_page(
    request: Request, caller: UiCaller, cockpit: CockpitDep, controller: str | None = None
) -> Response:
    caller.require(AGENTS_VIEW, controller)  # before choosing: a 403 names the permission the view needs
    controller_id = await choose_controller(cockpit, caller, controller)
    return page(request, "agents.html", **await _listing(cockpit, caller, controller_id))


@router.get("/live/agents")
async def agents_live(caller: UiCaller, cockpit: CockpitDep, controller: str) -> Response:
    """The Agents block whenever a state, a Subagent or a pool's membership changed."""
    block = templates.get_template("_agents.html")

    async def fragments() -> list[live.Fragment]:
        return [("agents", block.render(**await _listing(cockpit, caller, controller)), False)]

    return live.stream(fragments)


Handler = Callable[[Any, Cockpit, Caller], Awaitable[dict[str, Any]]]


def _ids(model: type[BaseModel], field: str) -> Callable[[str, str], BaseModel]:
    """The body of an operation on the objects `field` lists, for one of them."""
    return lambda controller_id, object_id: body_of(
        model, {"controllerId": controller_id, field: [object_id]}
    )


def _agent_command(controller_id: str, agent_id: str) -> BaseModel:
    return body_of(AgentCommand, {"controllerId": controller_id, "agentId": agent_id})


# operation → (the API's handler, its body for one object, what the notice says was done)
_OPERATIONS: dict[str, tuple[Handler, Callable[[str, str], BaseModel], str]] = {
    "enable": (agents_api.enable, _ids(AgentIds, "agentIds"), "Enabled the Agent"),
    "disable": (agents_api.disable, _ids(AgentIds, "agentIds"), "Disabled the Agent"),
    "enable-subagent": (
        agents_cluster.enable_subagents,
        _ids(SubagentIds, "subagentIds"),
        "Enabled the Subagent",
    ),
    "disable-subagent": (
        agents_cluster.disable_subagents,
        _ids(SubagentIds, "subagentIds"),
        "Disabled the Subagent",
    ),
    "reset": (agent_reset.reset, _ids(ResetAgents, "agentIds"), "Reset the Agent"),
    "switch-over": (agent_cluster.switch_over, _agent_command, "Asked for a switch-over of the Agent"),
    "confirm-node-loss": (
        agent_cluster.confirm_node_loss,
        _agent_command,
        "Confirmed the loss of the Director of the Agent",
    ),
}


@router.post("/agents/{operation}", response_class=HTMLResponse)
async def operate(
    request: Request,
    operation: str,
    caller: PostingCaller,
    cockpit: CockpitDep,
    controller: Annotated[str, Form()],
    id: Annotated[str, Form()],
) -> Response:
    """One operation on one Agent or Subagent, through the API's handler."""
    if operation not in _OPERATIONS:
        raise Refused(404, f"There is no Agent operation {operation}")
    handler, body, verb = _OPERATIONS[operation]
    await handler(body(controller, id), cockpit, caller)
    return done(request, f"{verb} {id}")
