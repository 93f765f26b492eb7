"""`/joc/api/controller/terminate|restart|abort|abort_and_restart`: ending a Controller node's process, and
starting it again (JS7's ShutDown and EmergencyStop). `url` names one node of a cluster (else the active one is
meant); with `withSwitchover` (JOC's default) the active node of a cluster first hands over to the passive one.
An abort ends the process at once: in a cluster the passive node fails over. Each is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import AliasChoices, Field

from stellwerk.cockpit.api.controller import RequiredControllerId
from stellwerk.cockpit.api.models import Audited
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.errors import UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.audit import audit

TERMINATE = "sos:products:controller:terminate"
RESTART = "sos:products:controller:restart"

router = APIRouter(prefix="/joc/api/controller", tags=["controller"], strict_content_type=False)


class NodeParams(Audited):
    """urlParam-schema."""

    controller_id: RequiredControllerId
    url: str | None = Field(default=None, max_length=255)
    with_switchover: bool = Field(
        default=True, validation_alias=AliasChoices("withSwitchover", "withFailover")
    )


@router.post("/terminate")
async def terminate(body: NodeParams, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Stops the node in order (a cluster's active node hands over first, with `withSwitchover`)."""
    return await _end(body, cockpit, caller, TERMINATE, "terminate", _shut_down(body, restart=False))


@router.post("/restart")
async def restart(body: NodeParams, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Stops the node in order and starts it again in its process."""
    return await _end(body, cockpit, caller, RESTART, "restart", _shut_down(body, restart=True))


@router.post("/abort")
async def abort(body: NodeParams, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Ends the node's process at once."""
    return await _end(body, cockpit, caller, TERMINATE, "abort", {"TYPE": "EmergencyStop"})


@router.post("/abort_and_restart")
async def abort_and_restart(body: NodeParams, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Ends the node's process at once and starts it again."""
    command = {"TYPE": "EmergencyStop", "restart": True}
    return await _end(body, cockpit, caller, RESTART, "abort_and_restart", command)


def _shut_down(body: NodeParams, *, restart: bool) -> dict[str, Any]:
    command: dict[str, Any] = {"TYPE": "ShutDown", "restart": restart}
    if body.with_switchover:
        command["clusterAction"] = {"TYPE": "Switchover"}
    return command


async def _end(
    body: NodeParams, cockpit: Cockpit, caller: Caller, permission: str, name: str, command: dict[str, Any]
) -> dict[str, Any]:
    caller.require(permission, body.controller_id)
    proxy = cockpit.proxies.get(body.controller_id)
    if body.url is not None and body.url not in proxy.urls:
        raise UnknownObject(f"$.url: {body.url} is no node of Controller {body.controller_id}")
    if len(proxy.urls) < 2:
        command.pop("clusterAction", None)  # a standalone Controller has nobody to hand over to
    await proxy.command_at(body.url or proxy.url, command)
    async with cockpit.database.session() as db:
        await audit(
            db, caller, f"./controller/{name}", AuditCategory.CONTROLLER, body, cockpit.now(),
            controller_id=body.controller_id,
        )  # fmt: skip
    return {"deliveryDate": delivery_date(), "ok": True}
