"""`/joc/api/controller/...` and `/joc/api/controllers`: registering Controllers (standalone or a cluster's two
nodes), unregistering them, testing a node, the Controllers' status and the Product Status panel's components.

Registering asks the Controller first: a node that does not answer, or answers with another Controller id than
the one given, is refused and nothing is stored. A registered Controller gets its proxy (and, through the proxy's
listeners, its History service)."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import Field

from stellwerk.cockpit.api.models import Audited, JocModel
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory, ControllerRole
from stellwerk.cockpit.db.repositories.controllers import ControllerNode, ControllerRepository, RegisteredNode
from stellwerk.cockpit.db.repositories.event_ids import EventIdRepository
from stellwerk.cockpit.errors import BadRequest, ControllerUnreachable, JocError, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.cluster import lease
from stellwerk.cockpit.services.cluster.components import jocs
from stellwerk.cockpit.services.controllers import (
    cockpit_object,
    controller_object,
    controller_objects,
    database_object,
    probe_all,
    state_object,
)
from stellwerk.cockpit.services.proxy import Connection, ControllerProxy, NodeStatus

VIEW = "sos:products:joc:administration:controllers:view"
MANAGE = "sos:products:joc:administration:controllers:manage"
CONTROLLER_VIEW = "sos:products:controller:view"

ControllerId = Annotated[str, Field(pattern=r"^[^/\\<>?!&:;()\"|*^]*$", max_length=100)]
RequiredControllerId = Annotated[str, Field(pattern=r"^[^/\\<>?!&:;()\"|*^]*$", min_length=1, max_length=100)]
Url = Annotated[str, Field(pattern=r"^[^<>]*$", min_length=1, max_length=255)]

# JOC clients may send their JSON bodies without a Content-Type header.
router = APIRouter(prefix="/joc/api", tags=["controller"], strict_content_type=False)
STARTED = time.time_ns() // 1_000_000


class RegisterNode(JocModel):
    """A node as JOC's RegisterParameter names it."""

    id: int | None = Field(default=None, ge=0)
    title: str | None = Field(default=None, pattern=r"^[^<>]*$", max_length=30)
    url: Url
    cluster_url: str | None = Field(default=None, pattern=r"^[^<>]*$", max_length=255)
    role: Literal["STANDALONE", "PRIMARY", "BACKUP"]


class RegisterParams(Audited):
    controller_id: ControllerId | None = None
    force_failover_confirmation: bool = False
    controllers: list[RegisterNode] = Field(min_length=1, max_length=2)


class UrlParams(Audited):
    controller_id: RequiredControllerId
    url: str | None = Field(default=None, max_length=255)
    with_switchover: bool | None = None


class TestParams(JocModel):
    controller_id: ControllerId | None = None
    url: Url


class OptionalControllerId(JocModel):
    controller_id: ControllerId | None = None


class RequiredControllerIdParams(JocModel):
    controller_id: RequiredControllerId


def _ok() -> dict[str, Any]:
    return {"deliveryDate": delivery_date(), "ok": True}


def _roles_problem(nodes: list[RegisterNode]) -> str | None:
    roles = sorted(node.role for node in nodes)
    if roles == ["STANDALONE"] or roles == ["BACKUP", "PRIMARY"]:
        return None
    return f"$.controllers: one STANDALONE node or a PRIMARY and a BACKUP node, not {roles}"


async def _answering_id(cockpit: Cockpit, urls: tuple[str, ...], wanted: str | None) -> str:
    """The Controller id the nodes answer with (one node answering is enough for a cluster)."""
    proxy = cockpit.proxies.detached(wanted or "?", urls)
    try:
        answers = []
        for url in urls:
            try:
                answers.append((await proxy.probe(url)).get("controllerId"))
            except JocError:
                continue
    finally:
        await proxy.close()
    if not answers:
        raise ControllerUnreachable(f"No node of the Controller answers at {', '.join(urls)}")
    found = {str(answer) for answer in answers}
    if len(found) != 1 or (wanted is not None and wanted not in found):
        raise BadRequest(f"$.controllerId: {wanted} was given, but the Controller answers as {sorted(found)}")
    return found.pop()


@router.post("/controller/register")
async def register(body: RegisterParams, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Stores a Controller's nodes (replacing those registered before under its id) once it answers."""
    caller.require(MANAGE)
    if problem := _roles_problem(body.controllers):
        raise BadRequest(problem)
    urls = tuple(node.url for node in sorted(body.controllers, key=lambda n: n.role != "PRIMARY"))
    controller_id = await _answering_id(cockpit, urls, body.controller_id)
    nodes = [
        ControllerNode(
            controller_id=controller_id,
            role=ControllerRole(node.role),
            url=node.url,
            cluster_url=node.cluster_url,
            title=node.title,
        )
        for node in body.controllers
    ]
    now = cockpit.now()
    async with cockpit.database.session() as db:
        await ControllerRepository(db).register(nodes, now)
        await audit(
            db,
            caller,
            "./controller/register",
            AuditCategory.CONTROLLER,
            body,
            now,
            controller_id=controller_id,
        )
    cockpit.proxies.register(controller_id, urls)
    return _ok()


@router.post("/controller/unregister")
async def unregister(body: UrlParams, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Forgets a Controller with its Agents and the History's EventId (its history rows stay)."""
    caller.require(MANAGE)
    controller_id = body.controller_id
    now = cockpit.now()
    async with cockpit.database.session() as db:
        if not await ControllerRepository(db).unregister(controller_id):
            raise UnknownObject(f"$.controllerId: {controller_id} is not registered")
        await EventIdRepository(db).forget(controller_id)
        await audit(
            db,
            caller,
            "./controller/unregister",
            AuditCategory.CONTROLLER,
            body,
            now,
            controller_id=controller_id,
        )
    cockpit.proxies.forget(controller_id)
    return _ok()


@router.post("/controller/test")
async def test(body: TestParams, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Whether a node answers (and, with a controllerId, whether it is that Controller)."""
    caller.require(VIEW)
    proxy = cockpit.proxies.detached(body.controller_id or "?", (body.url,))
    answered: dict[str, Any] | None = None
    try:
        answered = await proxy.probe(body.url)
    except JocError:
        answered = None
    finally:
        await proxy.close()
    answered_id = str(answered.get("controllerId")) if answered else ""
    if answered is not None and body.controller_id and answered_id != body.controller_id:
        raise BadRequest(
            f"$.controllerId: the Controller at {body.url} is {answered_id}, not {body.controller_id}"
        )
    role = ControllerRole.STANDALONE
    node = RegisteredNode(
        id=0,
        controller_id=body.controller_id or answered_id,
        role=role,
        url=body.url,
        cluster_url=None,
        title=None,
        certificate=None,
        created=0,
        modified=0,
    )
    connection = Connection.ESTABLISHED if answered is not None else Connection.UNREACHABLE
    status = NodeStatus(url=body.url, connection=connection, since=cockpit.now())
    return {"deliveryDate": delivery_date(), "controller": controller_object(node, status, body.url)}


async def _nodes(cockpit: Cockpit, controller_id: str) -> list[RegisteredNode]:
    async with cockpit.database.reading() as db:
        nodes = await ControllerRepository(db).nodes(controller_id)
    if not nodes:
        raise UnknownObject(f"$.controllerId: {controller_id} is not registered")
    return nodes


def _proxy(cockpit: Cockpit, controller_id: str) -> ControllerProxy | None:
    return cockpit.proxies.get(controller_id) if controller_id in cockpit.proxies.ids() else None


async def _status(cockpit: Cockpit, caller: Caller, body: UrlParams, *, survey: bool) -> dict[str, Any]:
    caller.require(CONTROLLER_VIEW, body.controller_id)
    nodes = await _nodes(cockpit, body.controller_id)
    proxy = _proxy(cockpit, body.controller_id)
    if survey and proxy is not None:
        await probe_all(proxy)
    wanted = body.url or (proxy.url if proxy else nodes[0].url)
    node = next((n for n in nodes if n.url == wanted), None)
    if node is None:
        raise UnknownObject(f"$.url: {wanted} is no node of {body.controller_id}")
    status = proxy.status(node.url) if proxy else NodeStatus(url=node.url)
    found = controller_object(node, status, proxy.url if proxy else None)
    found["state"] = state_object(status)
    return {"deliveryDate": delivery_date(), "controller": found}


@router.post("/controller")
async def controller(body: UrlParams, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """The status of a Controller's node (the active one when no url is given), asked now."""
    return await _status(cockpit, caller, body, survey=True)


@router.post("/controller/p")
async def controller_p(body: UrlParams, cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """The registered facts of a node, with the connection state last seen (asks nothing)."""
    return await _status(cockpit, caller, body, survey=False)


async def _controllers(
    cockpit: Cockpit, caller: Caller, body: OptionalControllerId | None, *, survey: bool
) -> dict[str, Any]:
    wanted = body.controller_id if body else None
    async with cockpit.database.session() as db:
        nodes = await ControllerRepository(db).all()
    by_id: dict[str, list[RegisteredNode]] = {}
    for node in nodes:
        if (not wanted or node.controller_id == wanted) and caller.allows(
            CONTROLLER_VIEW, node.controller_id
        ):
            by_id.setdefault(node.controller_id, []).append(node)
    if wanted and wanted not in by_id:
        caller.require(CONTROLLER_VIEW, wanted)
        raise UnknownObject(f"$.controllerId: {wanted} is not registered")
    found = []
    for controller_id, its_nodes in by_id.items():
        proxy = _proxy(cockpit, controller_id)
        if survey and proxy is not None:
            await probe_all(proxy)
        found += controller_objects(its_nodes, proxy)
    return {"deliveryDate": delivery_date(), "controllers": found}


@router.post("/controllers")
async def controllers(
    cockpit: CockpitDep, caller: CallerDep, body: OptionalControllerId | None = None
) -> dict[str, Any]:
    """Every registered Controller node the caller may see (or those of one id), asked now."""
    return await _controllers(cockpit, caller, body, survey=True)


@router.post("/controllers/p")
async def controllers_p(
    cockpit: CockpitDep, caller: CallerDep, body: OptionalControllerId | None = None
) -> dict[str, Any]:
    """The registered Controller nodes with the connection state last seen."""
    return await _controllers(cockpit, caller, body, survey=False)


@router.post("/controller/ids")
async def ids(cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """The registered Controller ids the caller may see; the first is `selected`."""
    async with cockpit.database.reading() as db:
        registered = await ControllerRepository(db).controller_ids()
    visible = [cid for cid in registered if caller.allows(CONTROLLER_VIEW, cid)]
    return {
        "deliveryDate": delivery_date(),
        "controllerIds": visible,
        "selected": visible[0] if visible else "",
    }


@router.post("/controller/components")
async def components(
    body: RequiredControllerIdParams, cockpit: CockpitDep, caller: CallerDep
) -> dict[str, Any]:
    """The Product Status panel: the Cockpits of the Cockpit cluster, the database and the Controller's nodes,
    each asked now."""
    caller.require(CONTROLLER_VIEW, body.controller_id)
    nodes = await _nodes(cockpit, body.controller_id)
    proxy = _proxy(cockpit, body.controller_id)
    if proxy is not None:
        await probe_all(proxy)
    proxies = [cockpit.proxies.get(cid) for cid in cockpit.proxies.ids()]
    members = await lease.members(cockpit.database)
    return {
        "deliveryDate": delivery_date(),
        "jocs": jocs(cockpit_object(proxies, STARTED), cockpit.config.member, *members),
        "database": await database_object(cockpit.database),
        "controllers": controller_objects(nodes, proxy),
    }
