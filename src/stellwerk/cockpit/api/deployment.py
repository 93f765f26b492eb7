"""`/joc/api/inventory/deployment/deploy` and `/revoke`: drafts to Controllers, and deployed items off them;
`/redeploy` and `/synchronize`: the deployed versions sent again (all of them, or those a Controller lacks).
The caller needs the deploy permission for every Controller named and the folders of every object."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.api.inventory_body import json_body
from stellwerk.cockpit.api.inventory_common import DEPLOY, checked_path, find, known, ok
from stellwerk.cockpit.api.inventory_models import (
    Config,
    DeployRequest,
    ObjectRef,
    RedeployRequest,
    RevokeRequest,
    SynchronizeRequest,
)
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.repositories.inventory import Configuration, InventoryRepository
from stellwerk.cockpit.errors import BadRequest, JocError
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.deploy import deploy as deploy_items
from stellwerk.cockpit.services.deploy import redeploy as send_again
from stellwerk.cockpit.services.inventory import DEPLOYABLE

router = APIRouter(prefix="/joc/api/inventory/deployment", tags=["deployment"])


def require_controllers(cockpit: Cockpit, caller: Caller, controller_ids: Sequence[str]) -> None:
    """403 without the deploy permission for each Controller; JOC-404 for an unknown one."""
    for controller_id in controller_ids:
        caller.require(DEPLOY, controller_id)
        cockpit.proxies.get(controller_id)


async def resolved(db: AsyncSession, caller: Caller, configs: Sequence[Config]) -> list[Configuration]:
    """The deployable drafts the configurations name (a folder: the deployables in it, recursively unless
    `recursive` is false), each inside the caller's folders."""
    found: list[Configuration] = []
    for config in configs:
        wanted = config.configuration
        ref = ObjectRef(path=wanted.path, object_type=wanted.object_type)
        if wanted.object_type == T.FOLDER:
            caller.require_folder(wanted.path)
            recursive = wanted.recursive is not False
            found += await InventoryRepository(db).list_folder(wanted.path, recursive=recursive, object_types=DEPLOYABLE)  # fmt: skip
        else:
            found.append(await find(db, ref))
    for configuration in found:
        caller.require_folder(configuration.path)
    return found


@router.post("/deploy")
async def deploy(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[DeployRequest, Depends(json_body(DeployRequest))]
) -> dict[str, Any]:
    """Deploys drafts (`store`) and deletes deployed items (`delete`) on the Controllers, all or nothing per
    Controller."""
    require_controllers(cockpit, caller, body.controller_ids)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        store = body.store
        drafts = await resolved(db, caller, [*store.draft_configurations, *store.deploy_configurations] if store else [])  # fmt: skip
        deletions = await resolved(db, caller, body.delete.deploy_configurations if body.delete else [])
        if not drafts and not deletions:
            raise BadRequest("$.store: nothing to deploy")
        refusals = await deploy_items(cockpit, db, caller, body.controller_ids, drafts, deletions, await known(db), now)  # fmt: skip
        objects = [(c.object_type.value, c.path) for c in [*drafts, *deletions]]
        await audit(db, caller, "./inventory/deployment/deploy", AuditCategory.DEPLOYMENT, body, now, objects=objects)  # fmt: skip
    if refusals:
        raise JocError("Deployment refused by " + "; ".join(refusals))
    return ok()


@router.post("/revoke")
async def revoke(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[RevokeRequest, Depends(json_body(RevokeRequest))]
) -> dict[str, Any]:
    """Deletes deployed items from the Controllers; the drafts stay, no longer deployed."""
    require_controllers(cockpit, caller, body.controller_ids)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        revoked = await resolved(db, caller, body.deploy_configurations)
        if not revoked:
            raise BadRequest("$.deployConfigurations: nothing to revoke")
        refusals = await deploy_items(
            cockpit, db, caller, body.controller_ids, [], revoked, await known(db), now
        )
        objects = [(c.object_type.value, c.path) for c in revoked]
        await audit(db, caller, "./inventory/deployment/revoke", AuditCategory.DEPLOYMENT, body, now, objects=objects)  # fmt: skip
    if refusals:
        raise JocError("Revocation refused by " + "; ".join(refusals))
    return ok()


async def _send_again(
    cockpit: Cockpit, caller: Caller, body: RedeployRequest | SynchronizeRequest, *, missing_only: bool
) -> dict[str, Any]:
    require_controllers(cockpit, caller, [body.controller_id])
    folder = checked_path(body.folder.rstrip("/") or "/", "$.folder")
    caller.require_folder(folder)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        sent = await send_again(cockpit, db, caller, body.controller_id, folder, recursive=body.recursive, missing_only=missing_only, now=now)  # fmt: skip
        request = "./inventory/deployment/" + ("synchronize" if missing_only else "redeploy")
        objects = [(d.object_type.value, d.path) for d in sent]
        await audit(db, caller, request, AuditCategory.DEPLOYMENT, body, now, controller_id=body.controller_id, objects=objects)  # fmt: skip
    return ok()


@router.post("/redeploy")
async def redeploy(
    cockpit: CockpitDep,
    caller: CallerDep,
    body: Annotated[RedeployRequest, Depends(json_body(RedeployRequest))],
) -> dict[str, Any]:
    """Sends every deployed version (of the folder, default all) to the Controller again, e.g. after it was
    reset."""
    return await _send_again(cockpit, caller, body, missing_only=False)


@router.post("/synchronize")
async def synchronize(
    cockpit: CockpitDep,
    caller: CallerDep,
    body: Annotated[SynchronizeRequest, Depends(json_body(SynchronizeRequest))],
) -> dict[str, Any]:
    """Sends the deployed versions of the folder's items that the Controller does not hold."""
    return await _send_again(cockpit, caller, body, missing_only=True)
