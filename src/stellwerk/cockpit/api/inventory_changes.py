"""`/joc/api/inventory/changes...` and `/inventory/change/...`: changes (JS7 2.7), named groups of inventory
objects that belong together, kept for a later deployment. Storing, adding and removing objects and deleting
changes need the inventory's manage permission and every object's folder; the listing leaves out objects in
folders the caller does not see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.api.inventory_body import json_body
from stellwerk.cockpit.api.inventory_common import MANAGE, VIEW, iso, ok
from stellwerk.cockpit.api.inventory_models import (
    AddToChangeRequest,
    ChangeItem,
    DeleteChangesRequest,
    RemoveFromChangeRequest,
    ShowChangesRequest,
    StoreChangeRequest,
    TimeSpan,
)
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory, ChangeState
from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.repositories.inventory import Configuration, InventoryRepository
from stellwerk.cockpit.db.repositories.inventory_changes import Change, ChangeFilter, ChangeRepository
from stellwerk.cockpit.errors import BadRequest, Conflict, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.joc_time import TimeError, scheduled_for

router = APIRouter(prefix="/joc/api/inventory", tags=["inventory changes"])


async def _change(db: AsyncSession, name: str, field: str) -> Change:
    found = await ChangeRepository(db).read(name, details=True)
    if found is None:
        raise UnknownObject(f"{field}: there is no change named {name}")
    return found


async def _object(db: AsyncSession, item: ChangeItem, field: str) -> Configuration | None:
    """The inventory object a change item names (by path when given, else by name)."""
    if item.object_type == T.FOLDER:
        raise BadRequest(f"{field}.objectType: a change holds objects, not folders")
    repository = InventoryRepository(db)
    if item.path is not None:
        return await repository.read(item.object_type, item.path)
    return await repository.read_by_name(item.object_type, item.name)


def _require_folders(caller: Caller, configurations: Sequence[Configuration]) -> None:
    for configuration in configurations:
        caller.require_folder(configuration.path)


def _objects(configurations: Sequence[Configuration]) -> list[tuple[str, str]]:
    return [(c.object_type.value, c.path) for c in configurations]


@router.post("/changes/store")
async def store(
    cockpit: CockpitDep,
    caller: CallerDep,
    body: Annotated[StoreChangeRequest, Depends(json_body(StoreChangeRequest))],
) -> dict[str, Any]:
    """Creates a change (owned by the caller, OPEN) or changes its title or state."""
    caller.require(MANAGE)
    now = cockpit.now()
    wanted = body.store
    async with cockpit.database.session() as db:
        existing = await ChangeRepository(db).read(wanted.name, details=True)
        if existing is not None:
            _require_folders(caller, existing.configurations)
        await ChangeRepository(db).store(wanted.name, wanted.title, wanted.state, caller.account, now)
        await audit(db, caller, "./inventory/changes/store", AuditCategory.INVENTORY, body, now)
    return ok()


@router.post("/change/add")
async def add(
    cockpit: CockpitDep,
    caller: CallerDep,
    body: Annotated[AddToChangeRequest, Depends(json_body(AddToChangeRequest))],
) -> dict[str, Any]:
    """Puts inventory objects into an open change; an unknown object is JOC-404 and nothing is added."""
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        change = await _change(db, body.change.name, "$.change.name")
        if change.state != ChangeState.OPEN:
            raise Conflict(f"$.change.name: the change {change.name} is {change.state.value}, not OPEN")
        found = []
        for index, item in enumerate(body.add):
            configuration = await _object(db, item, f"$.add[{index}]")
            if configuration is None:
                raise UnknownObject(f"$.add[{index}]: no {item.object_type.value} {item.path or item.name} in the inventory")  # fmt: skip
            found.append(configuration)
        _require_folders(caller, found)
        await ChangeRepository(db).add(change.id, [c.id for c in found], now)
        await audit(db, caller, "./inventory/change/add", AuditCategory.INVENTORY, body, now, objects=_objects(found))  # fmt: skip
    return ok()


@router.post("/change/remove")
async def remove(
    cockpit: CockpitDep,
    caller: CallerDep,
    body: Annotated[RemoveFromChangeRequest, Depends(json_body(RemoveFromChangeRequest))],
) -> dict[str, Any]:
    """Takes objects out of a change; objects that are not in it (or not in the inventory) are passed over."""
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        change = await _change(db, body.change.name, "$.change.name")
        members = {c.id for c in change.configurations}
        found = []
        for index, item in enumerate(body.remove):
            configuration = await _object(db, item, f"$.remove[{index}]")
            if configuration is not None and configuration.id in members:
                found.append(configuration)
        _require_folders(caller, found)
        await ChangeRepository(db).remove(change.id, [c.id for c in found], now)
        await audit(db, caller, "./inventory/change/remove", AuditCategory.INVENTORY, body, now, objects=_objects(found))  # fmt: skip
    return ok()


@router.post("/changes/delete")
async def delete(
    cockpit: CockpitDep,
    caller: CallerDep,
    body: Annotated[DeleteChangesRequest, Depends(json_body(DeleteChangesRequest))],
) -> dict[str, Any]:
    """Deletes changes (the objects stay in the inventory)."""
    caller.require(MANAGE)
    now = cockpit.now()
    async with cockpit.database.session() as db:
        found = [
            await _change(db, change.name, f"$.changes[{index}].name")
            for index, change in enumerate(body.changes)
        ]
        for change in found:
            _require_folders(caller, change.configurations)
        await ChangeRepository(db).delete([change.id for change in found])
        await audit(db, caller, "./inventory/changes/delete", AuditCategory.INVENTORY, body, now)
    return ok()


def _span(span: TimeSpan | None, field: str, now: int) -> tuple[int, int | None] | None:
    if span is None:
        return None
    try:
        start = scheduled_for(span.from_, now)
        end = scheduled_for(span.to, now) if span.to is not None else None
    except TimeError as error:
        raise BadRequest(f"{field}: {error}") from None
    return (now if start is None else start), (now if end is None and span.to is not None else end)


def _item(configuration: Configuration) -> dict[str, Any]:
    """JOC's change item of an inventory object."""
    return {
        "name": configuration.name,
        "path": configuration.path,
        "objectType": configuration.object_type.value,
        "valid": configuration.valid,
        "deployed": configuration.deployed,
        "released": configuration.released,
    }


def _answer(change: Change, caller: Caller, details: bool) -> dict[str, Any]:
    """JOC's change object."""
    answer: dict[str, Any] = {
        "name": change.name,
        "state": change.state.value,
        "owner": change.owner,
        "created": iso(change.created),
        "modified": iso(change.modified),
    }
    if change.title:
        answer["title"] = change.title
    if change.closed is not None:
        answer["closed"] = iso(change.closed)
    if change.last_published_by:
        answer["lastPublishedBy"] = change.last_published_by
    if details:
        answer["configurations"] = [_item(c) for c in change.configurations if caller.sees(c.path)]
    return answer


@router.post("/changes")
async def changes(
    cockpit: CockpitDep,
    caller: CallerDep,
    body: Annotated[ShowChangesRequest, Depends(json_body(ShowChangesRequest))],
) -> dict[str, Any]:
    """The changes the filter selects, with their objects when `details` is true."""
    caller.require(VIEW)
    now = cockpit.now()
    wanted = ChangeFilter(
        names=body.names or (),
        states=body.states or (),
        owner=body.owner,
        last_published_by=body.last_published_by,
        created=_span(body.created, "$.created", now),
        modified=_span(body.modified, "$.modified", now),
        closed=_span(body.closed, "$.closed", now),
        details=body.details,
    )
    async with cockpit.database.session() as db:
        found = await ChangeRepository(db).changes(wanted)
    return {"deliveryDate": delivery_date(), "changes": [_answer(c, caller, body.details) for c in found]}
