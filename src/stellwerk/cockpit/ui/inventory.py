"""The Inventory editor: one object of any kind the inventory stores, edited in a structured form or as JSON or
YAML text (two tabs on the same object, converted by the server), validated as it is typed (against the
published schema and the inventory's other objects) with each problem shown at its line and at its input, a
workflow drawn from the draft as it changes, stored as a draft and then deployed to a Controller or released,
all through the API's handlers and permissions."""

from __future__ import annotations

import json
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import deployment as deployment_api
from stellwerk.cockpit.api import inventory as inventory_api
from stellwerk.cockpit.api.inventory_common import MANAGE, RELEASE, VIEW, checked_path, known
from stellwerk.cockpit.api.inventory_models import DeployRequest, ReadRequest, ReleaseRequest, StoreRequest
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import ConfigurationType
from stellwerk.cockpit.db.repositories.folders import name_of
from stellwerk.cockpit.errors import JocError
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.services.inventory import validation
from stellwerk.cockpit.services.workflows import with_positions
from stellwerk.cockpit.ui.graph import elements
from stellwerk.cockpit.ui.inventory_form import applied, form_of, inputs_of
from stellwerk.cockpit.ui.inventory_kinds import EDITABLE, TITLES, follow_up, new_object
from stellwerk.cockpit.ui.inventory_problems import Problem, field_of, problems_of
from stellwerk.cockpit.ui.pages import controller_ids
from stellwerk.cockpit.ui.web import PostingCaller, Refused, UiCaller, UiRoute, body_of, done, page

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

Text = Annotated[str, Form()]
ObjectType = Annotated[str, Form(alias="objectType")]


def parsed(text: str) -> dict[str, Any]:
    """The configuration in the editor: JSON when it starts with `{`, YAML otherwise; Refused naming the problem."""
    try:
        value = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise Refused(400, f"The text is neither JSON nor YAML: {error}") from None
    if not isinstance(value, dict):
        raise Refused(400, "A configuration is an object (JSON {…} or YAML key: value lines)")
    return value


def dumped(configuration: dict[str, Any], like: str = "") -> str:
    """The configuration as text: YAML when the text it replaces was YAML, JSON otherwise."""
    if like.strip() and not like.lstrip().startswith("{"):
        return yaml.safe_dump(configuration, sort_keys=False, allow_unicode=True)
    return json.dumps(configuration, indent=2, ensure_ascii=False)


def _kind(text: str) -> ConfigurationType:
    try:
        kind = ConfigurationType(text)
    except ValueError:
        kind = None
    if kind not in EDITABLE:
        raise Refused(400, f"objectType: {text} cannot be edited here")
    return kind


async def _form(request: Request) -> dict[str, str]:
    """The posted form, one value a name (the last: a checkbox after its hidden empty value), with the line
    breaks the page showed (browsers send a text area's as CR LF)."""
    posted = (await request.form()).multi_items()
    return {name: value.replace("\r\n", "\n") for name, value in posted if isinstance(value, str)}


def _draft(kind: ConfigurationType, form: dict[str, str]) -> dict[str, Any]:
    """The object being edited: the text, with what was changed in the form when the form is shown."""
    base = parsed(form.get("text", ""))
    return applied(kind, base, form) if form.get("mode") == "form" else base


async def _stored(
    cockpit: Cockpit, caller: Caller, path: str, kind: ConfigurationType
) -> dict[str, Any] | None:
    try:
        wanted = body_of(ReadRequest, {"path": path, "objectType": kind.value})
        return await inventory_api.read_configuration(cockpit, caller, wanted)
    except JocError:
        return None  # not stored yet: a new object


async def _checked(
    cockpit: Cockpit, kind: ConfigurationType, form: dict[str, str]
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The editor's object (None if its text does not parse) and its problems, placed on the lines of the text
    when the text is what was checked (in the form's tab it is not)."""
    try:
        configuration = _draft(kind, form)
    except Refused as error:
        return None, [Problem(error.message)]
    path = form.get("path", "")
    async with cockpit.database.reading() as db:
        invalid = validation(kind, name_of(path) if path else "draft", configuration, await known(db))
    return configuration, problems_of(invalid, "" if form.get("mode") == "form" else form.get("text", ""))


def _graph(configuration: dict[str, Any]) -> list[dict[str, Any]]:
    instructions = configuration.get("instructions")
    return elements(with_positions(instructions if isinstance(instructions, list) else []))


def _panels(
    kind: ConfigurationType, mode: str, text: str, configuration: dict[str, Any], add_row: str = ""
) -> dict[str, Any]:
    """What the tabs' template needs: the mode, the text, the form's inputs."""
    return {"kind": kind.value, "mode": mode, "text": text, "form": form_of(kind, configuration, add_row)}


@router.get("/inventory", response_class=HTMLResponse)
async def editor(
    request: Request, caller: UiCaller, cockpit: CockpitDep, path: str = "", type: str = "WORKFLOW"
) -> Response:
    caller.require(VIEW)
    kind = _kind(type)
    stored = await _stored(cockpit, caller, checked_path(path), kind) if path else None
    configuration = (stored or {}).get("configuration")
    if configuration is None:
        async with cockpit.database.reading() as db:
            configuration = new_object(kind, await known(db))
    text = dumped(configuration)
    return page(
        request, "inventory.html", path=path, kind_title=TITLES[kind],
        kinds=[(k.value, TITLES[k]) for k in EDITABLE], stored=stored, follow_up=follow_up(kind),
        controllers=await controller_ids(cockpit, caller), can_manage=caller.allows(MANAGE),
        can_release=caller.allows(RELEASE),
        graph=_graph(configuration) if kind is ConfigurationType.WORKFLOW else None,
        **_panels(kind, "text", text, configuration),
    )  # fmt: skip


@router.post("/inventory/validate", response_class=HTMLResponse)
async def validate(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    text: Text,
    object_type: ObjectType = "WORKFLOW",
) -> Response:
    """The inline check of the editor's object, as `/inventory/{type}/validate` checks it: its problems, each
    with its JSON path and line, and (when the form is shown) each under its input."""
    caller.require(VIEW)
    kind = _kind(object_type)
    form = await _form(request)
    inputs = inputs_of(kind, form) if form.get("mode") == "form" else []
    _, found = await _checked(cockpit, kind, form)
    at_input: dict[str, list[str]] = {}
    for problem in found:
        placed = field_of(problem.path, inputs) if problem.path else None
        if placed is not None:
            at_input.setdefault(placed, []).append(problem.message)
    return page(
        request, "_validation.html", valid=not found, problems=found,
        inputs=[(dom_id, " ".join(at_input.get(dom_id, []))) for dom_id, _ in inputs],
    )  # fmt: skip


@router.post("/inventory/convert", response_class=HTMLResponse)
async def convert(
    request: Request, caller: PostingCaller, text: Text, object_type: ObjectType = "WORKFLOW"
) -> Response:
    """Switches the editor's tab: the object as changed in the shown tab, drawn in the tab `to` (form or text);
    `addRow` adds an empty row to one of the form's tables."""
    caller.require(VIEW)
    kind = _kind(object_type)
    form = await _form(request)
    configuration = _draft(kind, form)
    mode = "form" if form.get("to", form.get("mode")) == "form" else "text"
    panels = _panels(kind, mode, dumped(configuration, like=text), configuration, form.get("addRow", ""))
    return page(request, "_inventory_panels.html", **panels)


@router.post("/inventory/preview", response_class=HTMLResponse)
async def preview(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    text: Text,
) -> Response:
    """The draft workflow's graph (nothing is stored); for an invalid draft, its problems (the page keeps the
    graph of the last valid one)."""
    caller.require(VIEW)
    configuration, found = await _checked(cockpit, ConfigurationType.WORKFLOW, await _form(request))
    graph = _graph(configuration) if configuration is not None and not found else None
    return page(request, "_inventory_preview.html", problems=found, graph=graph)


async def _deploy(
    cockpit: Cockpit, caller: Caller, path: str, kind: ConfigurationType, controller: str
) -> str:
    wanted = {"configuration": {"path": path, "objectType": kind.value}}
    request_body = {"controllerIds": [controller], "store": {"draftConfigurations": [wanted]}}
    await deployment_api.deploy(cockpit, caller, body_of(DeployRequest, request_body))
    return f"Deployed {path} to {controller}"


async def _release(cockpit: Cockpit, caller: Caller, path: str, kind: ConfigurationType) -> str:
    wanted = {"update": [{"path": path, "objectType": kind.value}]}
    await inventory_api.release(cockpit, caller, body_of(ReleaseRequest, wanted))
    return f"Released {path}"


@router.post("/inventory/save", response_class=HTMLResponse)
async def save(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    path: Annotated[str, Form()],
    object_type: ObjectType = "WORKFLOW",
    controller: Annotated[str, Form()] = "",
    deploy: Annotated[str, Form()] = "",
    release: Annotated[str, Form()] = "",
) -> Response:
    """Stores the draft; with `deploy`, deploys it to the Controller too, with `release`, releases it. The answer
    is the notice."""
    kind = _kind(object_type)
    if (deploy and follow_up(kind) != "deploy") or (release and follow_up(kind) != "release"):
        raise Refused(
            400, f"A {TITLES[kind]} is not {'deployed' if deploy else 'released'}; nothing was stored"
        )
    body = {"path": path, "objectType": kind.value, "configuration": _draft(kind, await _form(request))}
    stored = await inventory_api.store(cockpit, caller, body_of(StoreRequest, body))
    if not stored.get("valid"):
        raise Refused(400, f"Stored {path}, but it is not valid: {stored.get('invalidMsg')}")
    message = f"Stored {path}"
    if deploy:
        message = await _deploy(cockpit, caller, path, kind, controller)
    elif release:
        message = await _release(cockpit, caller, path, kind)
    return done(request, message)
