"""`/joc/api/agents/reset`: standalone Agents start afresh. The Controller fails their orders (uncatchably),
takes back its items, and has each Agent drop its journal and restart; it then dedicates the Agent anew and
sends what new orders need (js7-reference §6.1 step 8). A cluster Agent is refused by the Controller."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stellwerk.cockpit.api.agents import MANAGE, audited, ok, visible_agents
from stellwerk.cockpit.api.agents_models import ResetAgents
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.errors import UnknownObject
from stellwerk.cockpit.security.guard import CallerDep

router = APIRouter(prefix="/joc/api", tags=["agents"], strict_content_type=False)


@router.post("/agents/reset")
async def reset(body: ResetAgents, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    caller.require(MANAGE, body.controller_id)
    known = {agent.agent_id for agent in await visible_agents(cockpit, body.controller_id, body.agent_ids)}
    if unknown := [agent_id for agent_id in body.agent_ids if agent_id not in known]:
        raise UnknownObject(f"$.agentIds: unknown Agents of Controller '{body.controller_id}': {unknown}")
    proxy = cockpit.proxies.get(body.controller_id)
    for agent_id in body.agent_ids:  # each reset is audited as it is done: a later refusal undoes nothing
        await proxy.command({"TYPE": "ResetAgent", "agentPath": agent_id, "force": body.force})
        async with cockpit.database.session() as db:
            await audited(
                db, caller, cockpit, "./agents/reset", body, body.controller_id, [("AGENT", agent_id)]
            )
    return ok()
