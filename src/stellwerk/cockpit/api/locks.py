"""`/joc/api/locks` and `/joc/api/lock`: the locks deployed to a Controller with the orders holding them and
those queued for them (the Controller's lock state), within the caller's folder permissions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from stellwerk.cockpit.api.models import JocModel
from stellwerk.cockpit.api.orders_common import controller_orders
from stellwerk.cockpit.api.orders_models import ControllerId, Folder, Path
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import ConfigurationType
from stellwerk.cockpit.errors import UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.locks import lock_entry
from stellwerk.cockpit.services.orders import in_folder, joc_path
from stellwerk.cockpit.services.workflows import item_paths

LOCKS_VIEW = "sos:products:controller:locks:view"
UNLIMITED = -1

router = APIRouter(prefix="/joc/api", tags=["locks"], strict_content_type=False)


class LocksFilter(JocModel):
    """`/locks`."""

    controller_id: ControllerId
    lock_paths: list[Path] | None = None
    folders: list[Folder] | None = None
    compact: bool = False
    limit: int = Field(default=10000, ge=UNLIMITED)


class LockFilter(JocModel):
    """`/lock`."""

    controller_id: ControllerId
    lock_path: Path
    compact: bool = False
    limit: int = Field(default=10000, ge=UNLIMITED)


async def visible_locks(
    cockpit: Cockpit, caller: Caller, controller_id: str, *, compact: bool, limit: int
) -> list[dict[str, Any]]:
    """Every lock of the Controller in the caller's folders as JOC's `LockEntry`, by its inventory path."""
    caller.require(LOCKS_VIEW, controller_id)
    locks = await cockpit.proxies.get(controller_id).locks()
    orders, workflow_paths = await controller_orders(cockpit, controller_id)
    async with cockpit.database.reading() as db:
        lock_paths = await item_paths(db, controller_id, ConfigurationType.LOCK)
    by_id = {order.id: order for order in orders}
    entries = []
    for lock in locks:
        path = joc_path(str(lock["path"]), lock_paths)
        if caller.sees(path, controller_id):
            entries.append(lock_entry(lock, path, by_id, workflow_paths, compact=compact, limit=limit))
    return entries


@router.post("/locks")
async def locks(body: LocksFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """The deployed locks, filtered by paths and folders."""
    folders = tuple(f.filter() for f in body.folders or ())
    found = [
        entry
        for entry in await visible_locks(
            cockpit, caller, body.controller_id, compact=body.compact, limit=body.limit
        )
        if (not body.lock_paths or entry["lock"]["path"] in body.lock_paths)
        and (not folders or any(in_folder(entry["lock"]["path"], f) for f in folders))
    ]
    stamp = delivery_date()
    return {"deliveryDate": stamp, "surveyDate": stamp, "locks": found}


@router.post("/lock")
async def lock(body: LockFilter, caller: CallerDep, cockpit: CockpitDep) -> dict[str, Any]:
    """One deployed lock by its inventory path."""
    caller.require_folder(body.lock_path, body.controller_id)
    entries = await visible_locks(cockpit, caller, body.controller_id, compact=body.compact, limit=body.limit)
    found = next((e for e in entries if e["lock"]["path"] == body.lock_path), None)
    if found is None:
        raise UnknownObject(f"lockPath: no lock {body.lock_path} is deployed to {body.controller_id}")
    stamp = delivery_date()
    return {"deliveryDate": stamp, "surveyDate": stamp, "lock": found}
