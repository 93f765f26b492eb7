"""The Inventory editor (first step): one deployable object's configuration as JSON or YAML text, validated as it
is typed (against the published schema and the inventory's other objects), stored as a draft and deployed to a
Controller, all through the API's handlers and permissions."""

from __future__ import annotations

import json
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import deployment as deployment_api
from stellwerk.cockpit.api import inventory as inventory_api
from stellwerk.cockpit.api.inventory_common import MANAGE, VIEW, checked_path, known
from stellwerk.cockpit.api.inventory_models import DeployRequest, ReadRequest, StoreRequest
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import ConfigurationType
from stellwerk.cockpit.db.repositories.folders import name_of
from stellwerk.cockpit.errors import JocError
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.services.inventory import validation
from stellwerk.cockpit.ui.pages import controller_ids
from stellwerk.cockpit.ui.web import PostingCaller, Refused, UiCaller, UiRoute, body_of, done, page

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

EDITABLE = (
    ConfigurationType.WORKFLOW,
    ConfigurationType.JOBRESOURCE,
    ConfigurationType.LOCK,
    ConfigurationType.NOTICEBOARD,
)
NEW_WORKFLOW: dict[str, Any] = {"instructions": [], "jobs": {}}


def parsed(text: str) -> dict[str, Any]:
    """The configuration in the editor: JSON when it starts with `{`, YAML otherwise; Refused naming the problem."""
    try:
        value = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise Refused(400, f"The text is neither JSON nor YAML: {error}") from None
    if not isinstance(value, dict):
        raise Refused(400, "A configuration is an object (JSON {…} or YAML key: value lines)")
    return value


def _kind(text: str) -> ConfigurationType:
    try:
        kind = ConfigurationType(text)
    except ValueError:
        kind = None
    if kind not in EDITABLE:
        raise Refused(400, f"objectType: {text} cannot be edited here")
    return kind


async def _stored(
    cockpit: Cockpit, caller: Caller, path: str, kind: ConfigurationType
) -> dict[str, Any] | None:
    try:
        wanted = body_of(ReadRequest, {"path": path, "objectType": kind.value})
        return await inventory_api.read_configuration(cockpit, caller, wanted)
    except JocError:
        return None  # not stored yet: a new object


@router.get("/inventory", response_class=HTMLResponse)
async def editor(
    request: Request, caller: UiCaller, cockpit: CockpitDep, path: str = "", type: str = "WORKFLOW"
) -> Response:
    caller.require(VIEW)
    kind = _kind(type)
    stored = await _stored(cockpit, caller, checked_path(path), kind) if path else None
    configuration = (stored or {}).get("configuration") or (
        NEW_WORKFLOW if kind is ConfigurationType.WORKFLOW else {}
    )
    return page(
        request, "inventory.html", path=path, kind=kind.value, kinds=[k.value for k in EDITABLE],
        text=json.dumps(configuration, indent=2), stored=stored, controllers=await controller_ids(cockpit, caller),
        can_manage=caller.allows(MANAGE), message=None,
    )  # fmt: skip


def _verdict(request: Request, message: str, valid: bool) -> Response:
    return page(request, "_validation.html", valid=valid, message=message)


@router.post("/inventory/validate", response_class=HTMLResponse)
async def validate(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    text: Annotated[str, Form()],
    object_type: Annotated[str, Form(alias="objectType")] = "WORKFLOW",
    path: Annotated[str, Form()] = "",
) -> Response:
    """The inline check of the editor's text, as `/inventory/{type}/validate` checks it."""
    caller.require(VIEW)
    try:
        configuration = parsed(text)
    except Refused as error:
        return _verdict(request, error.message, False)
    async with cockpit.database.reading() as db:
        invalid = validation(
            _kind(object_type), name_of(path) if path else "draft", configuration, await known(db)
        )
    return _verdict(request, invalid or "Valid", invalid is None)


@router.post("/inventory/save", response_class=HTMLResponse)
async def save(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    text: Annotated[str, Form()],
    path: Annotated[str, Form()],
    object_type: Annotated[str, Form(alias="objectType")] = "WORKFLOW",
    controller: Annotated[str, Form()] = "",
    deploy: Annotated[str, Form()] = "",
) -> Response:
    """Stores the draft; with `deploy`, deploys it to the Controller too. The answer is the notice."""
    kind = _kind(object_type)
    body = {"path": path, "objectType": kind.value, "configuration": parsed(text)}
    stored = await inventory_api.store(cockpit, caller, body_of(StoreRequest, body))
    if not stored.get("valid"):
        raise Refused(400, f"Stored {path}, but it is not valid: {stored.get('invalidMsg')}")
    message = f"Stored {path}"
    if deploy:
        wanted = {"configuration": {"path": path, "objectType": kind.value}}
        request_body = {"controllerIds": [controller], "store": {"draftConfigurations": [wanted]}}
        await deployment_api.deploy(cockpit, caller, body_of(DeployRequest, request_body))
        message = f"Deployed {path} to {controller}"
    return done(request, message)
