"""`/joc/api/controller/cluster/...`: a Controller cluster's switch-over, and the manual confirmation that a node
is lost, for the Cluster Watch the Cockpit runs (js7-reference §8.4). The confirmation is accepted only for the
node whose loss the watch has just refused; it is the operator's statement that the node is really down."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stellwerk.cluster.decide import Refused
from stellwerk.cluster.watch import ClusterWatch
from stellwerk.cockpit.api.controller import RequiredControllerId
from stellwerk.cockpit.api.models import Audited
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.errors import BadRequest, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.audit import audit

SWITCH_OVER = "sos:products:controller:switchOver"

router = APIRouter(prefix="/joc/api/controller/cluster", tags=["controller"], strict_content_type=False)


class ClusterParams(Audited):
    controller_id: RequiredControllerId


@router.post("/switchover")
async def switch_over(body: ClusterParams, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Asks the active node to hand over to the passive one (refused unless the cluster is coupled)."""
    caller.require(SWITCH_OVER, body.controller_id)
    proxy = cockpit.proxies.get(body.controller_id)
    _watch_of(cockpit, body.controller_id)
    await proxy.command({"TYPE": "ClusterSwitchOver"})
    await _audited(cockpit, caller, body, "./controller/cluster/switchover")
    return {"deliveryDate": delivery_date(), "ok": True}


@router.post("/confirm_node_loss")
async def confirm_node_loss(body: ClusterParams, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Confirms that the node the Cluster Watch refused to declare lost is down: its peer may take over."""
    caller.require(SWITCH_OVER, body.controller_id)
    cockpit.proxies.get(body.controller_id)
    answer = _watch_of(cockpit, body.controller_id).confirm_refused_loss(caller.account)
    if isinstance(answer, Refused):
        raise BadRequest(answer.problem.message)
    await _audited(cockpit, caller, body, "./controller/cluster/confirm_node_loss")
    return {"deliveryDate": delivery_date(), "ok": True}


def _watch_of(cockpit: Cockpit, controller_id: str) -> ClusterWatch:
    watch = cockpit.proxies.cluster_watches.get(controller_id)
    if watch is None:
        raise UnknownObject(f"$.controllerId: {controller_id} is not a Controller cluster")
    return watch


async def _audited(cockpit: Cockpit, caller: Caller, body: ClusterParams, request: str) -> None:
    async with cockpit.database.session() as db:
        await audit(
            db,
            caller,
            request,
            AuditCategory.CONTROLLER,
            body,
            cockpit.now(),
            controller_id=body.controller_id,
        )
