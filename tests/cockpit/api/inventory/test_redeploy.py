"""Redeploy and synchronize against a real Controller: items the Controller lost come back in the deployed
version (synchronize sends only those, redeploy all of them), each sending recorded in the history; permissions
and folders are checked first and nothing is sent without them."""

from __future__ import annotations

from typing import Any

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.deployments import DeploymentRepository
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.inventory.conftest import login_as
from tests.cockpit.api.inventory.items import LOCK, workflow
from tests.cockpit.api.inventory.test_deployment import DEPLOY, draft, item_keys
from tests.cockpit.api.joc import Joc


def _history(running: RunningCockpit) -> list[tuple[str, str]]:
    async def rows(cockpit: Cockpit) -> list[tuple[str, str]]:
        async with cockpit.database.session() as db:
            found = await DeploymentRepository(db).history(controller_id="e2e")
        return [(row.name, row.commit_id) for row in found]

    return running.call(rows)


def _lose(running: RunningCockpit, *keys: str) -> None:
    async def delete(cockpit: Cockpit) -> Any:
        operations = [{"TYPE": "Delete", "key": key} for key in keys]
        return await cockpit.proxies.get("e2e").update_items(
            {"TYPE": "UpdateItems", "operations": operations}
        )

    running.call(delete)


def test_synchronize_and_redeploy_send_the_deployed_versions_again(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    joc = Joc(running.url)
    joc.login("root", "admin-secret")
    joc.ok("/joc/api/inventory/store", {"path": "/team/L1", "objectType": "LOCK", "configuration": LOCK})
    joc.ok("/joc/api/inventory/store", {"path": "/team/hello", "objectType": "WORKFLOW", "configuration": workflow(lock="L1")})  # fmt: skip
    joc.ok("/joc/api/inventory/store", {"path": "/other/bye", "objectType": "WORKFLOW", "configuration": workflow()})  # fmt: skip
    body = {"controllerIds": ["e2e"], "store": {"draftConfigurations": [draft("/team", "FOLDER"), draft("/other", "FOLDER")]}}  # fmt: skip
    joc.ok("/joc/api/inventory/deployment/deploy", body)
    deployed = item_keys(running, controller)
    [hello] = [key for key in deployed if key.startswith("Workflow:hello~")]
    # a draft changed after deployment is not what redeploy sends: the deployed version is
    joc.ok("/joc/api/inventory/store", {"path": "/team/hello", "objectType": "WORKFLOW", "configuration": workflow(lock="L1", script="echo changed")})  # fmt: skip

    _lose(running, "Workflow:hello", "Workflow:bye")
    assert hello not in item_keys(running, controller)
    before = len(_history(running))

    outsider = login_as(running, "outsider", ("sos:products:joc:inventory:view",))
    fenced = login_as(running, "fenced", (DEPLOY,), ("/other",))
    sync = {"controllerId": "e2e", "folder": "/team", "recursive": True}
    assert Joc(running.url).post("/joc/api/inventory/deployment/synchronize", sync).status == 401
    assert (
        Joc(running.url).post("/joc/api/inventory/deployment/redeploy", {"controllerId": "e2e"}).status == 401
    )
    assert outsider.post("/joc/api/inventory/deployment/synchronize", sync).status == 403
    assert outsider.post("/joc/api/inventory/deployment/redeploy", {"controllerId": "e2e"}).status == 403
    assert fenced.post("/joc/api/inventory/deployment/synchronize", sync).status == 403
    assert fenced.post("/joc/api/inventory/deployment/redeploy", {"controllerId": "e2e"}).status == 403
    bad = joc.post("/joc/api/inventory/deployment/synchronize", {"controllerId": "e2e", "folder": "team"})
    assert bad.status == 420 and "$.folder" in bad.error["message"]
    unknown = joc.post("/joc/api/inventory/deployment/redeploy", {"controllerId": "nope"})
    assert unknown.status == 420
    assert len(_history(running)) == before and hello not in item_keys(running, controller)

    joc.ok("/joc/api/inventory/deployment/synchronize", sync)
    keys = item_keys(running, controller)
    assert hello in keys and "Lock:L1" in keys and not any(k.startswith("Workflow:bye~") for k in keys)
    history = _history(running)
    assert [name for name, _ in history[: len(history) - before]] == ["hello"], (
        "only the missing item is sent"
    )

    fenced.ok("/joc/api/inventory/deployment/synchronize", {"controllerId": "e2e", "folder": "/other"})
    assert item_keys(running, controller) == deployed

    joc.ok("/joc/api/inventory/deployment/redeploy", {"controllerId": "e2e"})
    assert item_keys(running, controller) == deployed
    newest = _history(running)[:3]
    assert sorted(name for name, _ in newest) == ["L1", "bye", "hello"] and len({c for _, c in newest}) == 1
