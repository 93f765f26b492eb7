"""`/joc/api/controller/...`: registering a real Controller (checked against what it answers), its status, the
Product Status panel, unregistering; bad input and missing permissions change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from js7.model.public.client.common.controller import Controller as ClientController

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.audit import AuditFilter, AuditRepository
from stellwerk.cockpit.db.repositories.controllers import ControllerRepository, RegisteredNode
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.ctl.conftest import js7_client, root
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid


def _nodes(running: RunningCockpit) -> list[RegisteredNode]:
    async def nodes(cockpit: Cockpit) -> list[RegisteredNode]:
        async with cockpit.database.session() as db:
            return await ControllerRepository(db).all()

    return running.call(nodes)


def _audit_requests(running: RunningCockpit) -> list[str]:
    async def requests(cockpit: Cockpit) -> list[str]:
        async with cockpit.database.session() as db:
            entries = await AuditRepository(db).search(AuditFilter())
            return [entry.request for entry in entries]

    return running.call(requests)


def test_register_status_components_and_unregister(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = root(running)
    unregistered = joc.ok(
        "/joc/api/controller/unregister", {"controllerId": "e2e", "auditLog": {"comment": "x"}}
    )
    assert_valid("common/ok-schema.json", unregistered)
    assert _nodes(running) == []
    assert joc.ok("/joc/api/controllers", {})["controllers"] == []

    wrong = joc.post(
        "/joc/api/controller/register",
        {"controllerId": "other", "controllers": [{"url": controller.url, "role": "STANDALONE"}]},
    )
    assert wrong.status == 420 and "$.controllerId" in wrong.error["message"]
    unknown_field = joc.post(
        "/joc/api/controller/register",
        {"controllers": [{"url": controller.url, "role": "STANDALONE", "x": 1}]},
    )
    assert unknown_field.status == 420 and "$.controllers[0].x" in unknown_field.error["message"]
    two_standalones = [{"url": controller.url, "role": "STANDALONE"}] * 2
    assert joc.post("/joc/api/controller/register", {"controllers": two_standalones}).status == 420
    assert _nodes(running) == []

    # Without an id: the Controller says who it is.
    registered = joc.ok(
        "/joc/api/controller/register", {"controllers": [{"url": controller.url, "role": "STANDALONE"}]}
    )
    assert registered["ok"] is True
    assert [(n.controller_id, n.url) for n in _nodes(running)] == [("e2e", controller.url)]
    assert {"./controller/unregister", "./controller/register"} <= set(_audit_requests(running))

    controllers = joc.ok("/joc/api/controllers", {})
    assert_valid("controller/masters-schema.json", controllers)
    [node] = controllers["controllers"]
    assert node["connectionState"]["_text"] == "established" and node["controllerId"] == "e2e"
    assert_valid("controller/masters-schema.json", joc.ok("/joc/api/controllers/p", {"controllerId": "e2e"}))

    status = joc.ok("/joc/api/controller", {"controllerId": "e2e"})
    assert_valid("controller/jobscheduler200_v-schema.json", status)
    assert status["controller"]["state"]["_text"] == "RUNNING"

    components = joc.ok("/joc/api/controller/components", {"controllerId": "e2e"})
    assert_valid("controller/components-schema.json", components)
    assert components["database"]["connectionState"]["_text"] == "established"
    assert components["jocs"][0]["controllerConnectionStates"][0]["state"]["_text"] == "established"

    ids = joc.ok("/joc/api/controller/ids", {})
    assert_valid("controller/controllerIds-schema.json", ids)
    assert ids["controllerIds"] == ["e2e"] and ids["selected"] == "e2e"

    tested = joc.ok("/joc/api/controller/test", {"url": controller.url, "controllerId": "e2e"})
    assert_valid("controller/jobscheduler200_v-schema.json", tested)
    assert tested["controller"]["connectionState"]["_text"] == "established"
    nobody = joc.ok("/joc/api/controller/test", {"url": "https://127.0.0.1:1"})
    assert nobody["controller"]["connectionState"]["_text"] == "unreachable"

    # The proxy exists again: commands reach the Controller.
    async def overview(cockpit: Cockpit) -> dict[str, Any]:
        return await cockpit.proxies.get("e2e").overview()

    assert running.call(overview)["controllerId"] == "e2e"


def test_the_js7_client_registers_and_reads_the_controller(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    with js7_client(running) as client:
        manage = client.controller.manage
        assert manage.unregister_controller(controller_id="e2e")
        assert manage.register_controller(
            controllers=[ClientController(url=controller.url, role="STANDALONE")]
        )
        assert manage.test_controller_instance(url=controller.url, controller_id="e2e") is True
        # The client parses the components' Controllers with its permissions model (a name clash), so only the
        # database part says something.
        assert manage.get_controller_components(controller_id="e2e")["database"]["dbms"]
        assert manage.get_controller_status(controller_id="e2e")["controller"]["url"] == controller.url


def test_controller_endpoints_need_a_token_and_the_permission(
    cockpit: RunningCockpit, joc: Joc, account: Callable[..., Joc]
) -> None:
    paths = [
        "/joc/api/controller/register",
        "/joc/api/controller/unregister",
        "/joc/api/controllers",
        "/joc/api/controller/components",
        "/joc/api/controller/test",
        "/joc/api/controller",
        "/joc/api/controller/ids",
    ]
    for path in paths:
        assert Joc(cockpit.url).post(path, {}).status == 401, path
    viewer = account("viewer", permissions=("sos:products:joc:administration:controllers:view",))
    body = {"controllers": [{"url": "https://127.0.0.1:1", "role": "STANDALONE"}]}
    assert viewer.post("/joc/api/controller/register", body).status == 403
    assert viewer.post("/joc/api/controller/unregister", {"controllerId": "e2e"}).status == 403
    assert viewer.post("/joc/api/controller", {"controllerId": "e2e"}).status == 403
    assert _nodes(cockpit) == []
    unreachable = joc.post("/joc/api/controller/register", body)
    assert unreachable.status == 420 and unreachable.error["code"] == "JOC-503"
    assert joc.post("/joc/api/controller/unregister", {"controllerId": "nope"}).error["code"] == "JOC-404"
    assert _nodes(cockpit) == []
