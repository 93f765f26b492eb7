"""What the inventory, deployment and archive routers share: permission names, finding the object a request
names, the validation state against the inventory, and JOC's answer shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.api.inventory_models import ObjectRef
from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.repositories.inventory import Configuration, InventoryRepository
from stellwerk.cockpit.errors import BadRequest, UnknownObject, delivery_date
from stellwerk.cockpit.services.inventory import Known, path_problem, validation

VIEW = "sos:products:joc:inventory:view"
MANAGE = "sos:products:joc:inventory:manage"
RELEASE = "sos:products:joc:inventory:deploy"
DEPLOY = "sos:products:controller:deployment:deploy"

_REFERABLE = (T.WORKFLOW, T.LOCK, T.NOTICEBOARD, T.JOBRESOURCE)


def iso(ms: int) -> str:
    """Epoch milliseconds as JOC's timestamp."""
    return delivery_date(datetime.fromtimestamp(ms / 1000, UTC))


def ok() -> dict[str, Any]:
    """JOC's `Ok` answer."""
    return {"deliveryDate": delivery_date(), "ok": True}


def checked_path(path: str, field: str = "$.path") -> str:
    """`path` when it is an absolute inventory path; JOC-400 naming the field otherwise."""
    if problem := path_problem(path, field):
        raise BadRequest(problem)
    return path


async def known(db: AsyncSession) -> Known:
    """The names in the inventory other objects may refer to."""
    names = await InventoryRepository(db).names(_REFERABLE)
    return Known(
        workflows=names[T.WORKFLOW],
        locks=names[T.LOCK],
        boards=names[T.NOTICEBOARD],
        job_resources=names[T.JOBRESOURCE],
    )


def content_of(configuration: Configuration) -> dict[str, Any] | None:
    decoded: dict[str, Any] | None = (
        None if configuration.content is None else json.loads(configuration.content)
    )
    return decoded


def invalid_message(configuration: Configuration, names: Known) -> str | None:
    """The configuration's `invalidMsg` now (its references are checked against the inventory as it is)."""
    return validation(configuration.object_type, configuration.name, content_of(configuration), names)


async def revalidate(db: AsyncSession, names: Known) -> None:
    """Invalid drafts whose only problems were references that exist now become valid (and the reverse is
    found at the next store, read or deployment)."""
    repository = InventoryRepository(db)
    for draft in await repository.invalid((T.WORKFLOW, T.FILEORDERSOURCE)):
        if invalid_message(draft, names) is None:
            await repository.set_valid(draft.id, True)


async def find(db: AsyncSession, ref: ObjectRef) -> Configuration:
    """The object a request names by id or by path (or name) and type; JOC-404 when there is none."""
    repository = InventoryRepository(db)
    if ref.id is not None:
        found = await repository.read_by_id(ref.id)
        if found is None:
            raise UnknownObject(f"No inventory object has the id {ref.id}")
        return found
    assert ref.path is not None and ref.object_type is not None
    if ref.path.startswith("/"):
        found = await repository.read(ref.object_type, ref.path)
    elif ref.object_type != T.FOLDER:
        found = await repository.read_by_name(ref.object_type, ref.path)
    else:
        found = None
    if found is None:
        raise UnknownObject(f"No {ref.object_type.value} at {ref.path} in the inventory")
    return found


def folder_item(configuration: Configuration) -> dict[str, Any]:
    """JOC's `ResponseFolderItem`."""
    item: dict[str, Any] = {
        "id": configuration.id,
        "path": configuration.path,
        "name": configuration.name,
        "objectType": configuration.object_type.value,
        "valid": configuration.valid,
        "deleted": False,
        "deployed": configuration.deployed,
        "released": configuration.released,
        "modified": iso(configuration.modified),
    }
    if configuration.title:
        item["title"] = configuration.title
    return item


def configuration_object(
    configuration: Configuration, invalid: str | None, *, with_content: bool = True
) -> dict[str, Any]:
    """JOC's `ConfigurationObject` answer."""
    answer: dict[str, Any] = {
        "id": configuration.id,
        "path": configuration.path,
        "name": configuration.name,
        "objectType": configuration.object_type.value,
        "valid": invalid is None,
        "deleted": False,
        "deployed": configuration.deployed,
        "released": configuration.released,
        "configurationDate": iso(configuration.modified),
        "deliveryDate": delivery_date(),
    }
    if invalid is not None:
        answer["invalidMsg"] = invalid
    content = content_of(configuration)
    if with_content and content is not None:
        answer["configuration"] = content
    return answer
