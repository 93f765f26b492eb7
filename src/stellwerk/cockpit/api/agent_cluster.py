"""`/joc/api/agent/cluster/...`: a cluster Agent's switch-over and the manual confirmation that its Director is
lost. The Controller is the Agent cluster's Cluster Watch, so both go to it; the confirmation is accepted only
for the Director whose loss the watch has just refused, as the operator's statement that it is really down."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stellwerk.cockpit.api.agents import MANAGE, visible_agents
from stellwerk.cockpit.api.agents_models import Required255
from stellwerk.cockpit.api.controller import RequiredControllerId
from stellwerk.cockpit.api.models import Audited
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.errors import UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import CallerDep
from stellwerk.cockpit.services.audit import audit

router = APIRouter(prefix="/joc/api/agent/cluster", tags=["agents"], strict_content_type=False)


class AgentCommand(Audited):
    controller_id: RequiredControllerId
    agent_id: Required255


@router.post("/switchover")
async def switch_over(body: AgentCommand, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Asks the cluster Agent's active Director to hand over to the passive one."""
    return await _carry_out(body, cockpit, caller, "switchover", {})


@router.post("/confirm_node_loss")
async def confirm_node_loss(body: AgentCommand, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Confirms that the Director the Controller's watch refused to declare lost is down."""
    return await _carry_out(body, cockpit, caller, "confirm-node-loss", {"confirmer": caller.account})


async def _carry_out(
    body: AgentCommand, cockpit: CockpitDep, caller: CallerDep, operation: str, request: dict[str, Any]
) -> dict[str, Any]:
    caller.require(MANAGE, body.controller_id)
    if not await visible_agents(cockpit, body.controller_id, [body.agent_id]):
        raise UnknownObject(
            f"$.agentId: unknown Agent '{body.agent_id}' of Controller '{body.controller_id}'"
        )
    await cockpit.proxies.get(body.controller_id).agent_cluster(body.agent_id, operation, request)
    async with cockpit.database.session() as db:
        await audit(
            db,
            caller,
            f"./agent/cluster/{operation.replace('-', '_')}",
            AuditCategory.CONTROLLER,
            body,
            cockpit.now(),
            controller_id=body.controller_id,
        )
    return {"deliveryDate": delivery_date(), "ok": True}
