"""Inventory changes: store a change, add and remove objects, list with and without details and filters, delete;
bad requests name the field, permissions and folders are checked before anything changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.cockpit.api.conftest import RunningCockpit
from tests.cockpit.api.inventory.items import CALENDAR, LOCK, workflow
from tests.cockpit.api.inventory.test_inventory import MANAGE, VIEW, store
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid

SHOW = "/joc/api/inventory/changes"


def shown(joc: Joc, **filters: Any) -> list[dict[str, Any]]:
    answer = joc.ok(SHOW, filters)
    assert_valid("inventory/changes/showChanges-response-schema.json", answer)
    found: list[dict[str, Any]] = answer["changes"]
    return found


def test_a_change_groups_objects_until_it_is_deleted(joc: Joc) -> None:
    store(joc, "/team/L1", "LOCK", LOCK)
    store(joc, "/team/hello", "WORKFLOW", workflow(lock="L1"))
    store(joc, "/cal/weekdays", "WORKINGDAYSCALENDAR", CALENDAR)
    stored = joc.ok("/joc/api/inventory/changes/store", {"store": {"name": "first", "title": "my first"}})
    assert_valid("common/ok-schema.json", stored)

    add = {"change": {"name": "first"}, "add": [{"name": "hello", "objectType": "WORKFLOW"}, {"name": "L1", "objectType": "LOCK"}, {"name": "weekdays", "path": "/cal/weekdays", "objectType": "WORKINGDAYSCALENDAR"}]}  # fmt: skip
    joc.ok("/joc/api/inventory/change/add", add)
    joc.ok("/joc/api/inventory/change/add", add)  # in the change already: nothing doubles
    [change] = shown(joc, names=["first"], details=True)
    assert (change["name"], change["title"], change["state"], change["owner"]) == ("first", "my first", "OPEN", "root")  # fmt: skip
    assert [(c["path"], c["objectType"], c["valid"]) for c in change["configurations"]] == [
        ("/cal/weekdays", "WORKINGDAYSCALENDAR", True),
        ("/team/L1", "LOCK", True),
        ("/team/hello", "WORKFLOW", True),
    ]
    assert "configurations" not in shown(joc)[0]

    remove = {"change": {"name": "first"}, "remove": [{"name": "L1", "objectType": "LOCK"}, {"name": "not_available", "objectType": "WORKFLOW"}]}  # fmt: skip
    joc.ok("/joc/api/inventory/change/remove", remove)
    assert [c["name"] for c in shown(joc, details=True)[0]["configurations"]] == ["weekdays", "hello"]

    joc.ok("/joc/api/inventory/remove", {"objects": [{"path": "/team/hello", "objectType": "WORKFLOW"}]})
    joc.ok("/joc/api/inventory/trash/delete", {"objects": [{"path": "/team/hello", "objectType": "WORKFLOW"}]})  # fmt: skip
    assert [c["name"] for c in shown(joc, details=True)[0]["configurations"]] == ["weekdays"]

    joc.ok("/joc/api/inventory/changes/store", {"store": {"name": "second"}})
    joc.ok("/joc/api/inventory/changes/store", {"store": {"name": "first", "state": "CLOSED"}})
    closed = shown(joc, states=["CLOSED"])
    assert [(c["name"], c["state"], "closed" in c) for c in closed] == [("first", "CLOSED", True)]
    assert [c["name"] for c in shown(joc, closed={"from": "2000-01-01 00:00", "to": "now"})] == ["first"]
    assert [c["name"] for c in shown(joc, created={"from": "now + 01:00"})] == []
    assert [c["name"] for c in shown(joc, owner="root")] == ["first", "second"]
    joc.ok("/joc/api/inventory/changes/store", {"store": {"name": "second", "state": "PUBLISHED"}})
    published = shown(joc, lastPublishedBy="root")
    assert [(c["name"], c["state"], c["lastPublishedBy"]) for c in published] == [
        ("second", "PUBLISHED", "root")
    ]
    refused = joc.post("/joc/api/inventory/change/add", add)
    assert refused.error["code"] == "JOC-409" and "CLOSED" in refused.error["message"]

    joc.ok("/joc/api/inventory/changes/delete", {"changes": [{"name": "first"}, {"name": "second"}]})
    assert shown(joc) == []
    assert joc.ok("/joc/api/inventory/read/configuration", {"path": "/cal/weekdays", "objectType": "WORKINGDAYSCALENDAR"})["valid"]  # fmt: skip


def test_bad_change_requests_name_the_field_and_change_nothing(joc: Joc) -> None:
    store(joc, "/team/L1", "LOCK", LOCK)
    joc.ok("/joc/api/inventory/changes/store", {"store": {"name": "first"}})
    unknown = joc.post("/joc/api/inventory/change/add", {"change": {"name": "first"}, "add": [{"name": "L1", "objectType": "LOCK"}, {"name": "nope", "objectType": "LOCK"}]})  # fmt: skip
    assert (
        unknown.status == 420
        and unknown.error["code"] == "JOC-404"
        and "$.add[1]" in unknown.error["message"]
    )
    assert shown(joc, details=True)[0]["configurations"] == []
    no_change = joc.post("/joc/api/inventory/change/add", {"change": {"name": "other"}, "add": [{"name": "L1", "objectType": "LOCK"}]})  # fmt: skip
    assert no_change.status == 420 and "$.change.name" in no_change.error["message"]
    folder = joc.post("/joc/api/inventory/change/add", {"change": {"name": "first"}, "add": [{"name": "team", "objectType": "FOLDER"}]})  # fmt: skip
    assert folder.status == 420 and "$.add[0].objectType" in folder.error["message"]
    empty = joc.post("/joc/api/inventory/change/add", {"change": {"name": "first"}, "add": []})
    assert empty.status == 420 and "$.add" in empty.error["message"]
    bad_state = joc.post("/joc/api/inventory/changes/store", {"store": {"name": "first", "state": "DONE"}})
    assert bad_state.status == 420 and "$.store.state" in bad_state.error["message"]
    long_name = joc.post("/joc/api/inventory/changes/store", {"store": {"name": "x" * 101}})
    assert long_name.status == 420 and "$.store.name" in long_name.error["message"]
    bad_time = joc.post(SHOW, {"created": {"from": "yesterday"}})
    assert bad_time.status == 420 and "$.created" in bad_time.error["message"]
    unknown_delete = joc.post("/joc/api/inventory/changes/delete", {"changes": [{"name": "first"}, {"name": "nope"}]})  # fmt: skip
    assert unknown_delete.status == 420 and "$.changes[1].name" in unknown_delete.error["message"]
    assert [c["name"] for c in shown(joc)] == ["first"]


def test_change_permissions_and_folders_are_checked_before_anything_changes(
    joc: Joc, account: Callable[..., Joc], cockpit: RunningCockpit
) -> None:
    store(joc, "/mine/L1", "LOCK", LOCK)
    store(joc, "/theirs/L2", "LOCK", LOCK)
    joc.ok("/joc/api/inventory/changes/store", {"store": {"name": "shared"}})
    joc.ok("/joc/api/inventory/change/add", {"change": {"name": "shared"}, "add": [{"name": "L2", "objectType": "LOCK"}]})  # fmt: skip
    add_mine = {"change": {"name": "shared"}, "add": [{"name": "L1", "objectType": "LOCK"}]}
    calls: list[tuple[str, dict[str, Any]]] = [
        ("/joc/api/inventory/changes/store", {"store": {"name": "new"}}),
        ("/joc/api/inventory/change/add", add_mine),
        (
            "/joc/api/inventory/change/remove",
            {"change": {"name": "shared"}, "remove": [{"name": "L2", "objectType": "LOCK"}]},
        ),  # fmt: skip
        ("/joc/api/inventory/changes/delete", {"changes": [{"name": "shared"}]}),
        (SHOW, {}),
    ]
    anonymous = Joc(cockpit.url)
    for path, body in calls:
        assert anonymous.post(path, body).status == 401, path
    nobody = account("nobody")
    viewer = account("viewer", permissions=(VIEW,))
    fenced = account("fenced", permissions=(VIEW, MANAGE), folders=("/mine",))
    for path, body in calls[:-1]:
        assert viewer.post(path, body).status == 403, path
    assert nobody.post(SHOW, {}).status == 403
    for path, body in calls[2:-1]:
        assert fenced.post(path, body).status == 403, path
    fenced_add = {"change": {"name": "shared"}, "add": [{"name": "L2", "objectType": "LOCK"}, {"name": "L1", "objectType": "LOCK"}]}  # fmt: skip
    assert fenced.post("/joc/api/inventory/change/add", fenced_add).status == 403
    assert [c["name"] for c in shown(joc)] == ["shared"]
    assert [c["path"] for c in shown(joc, details=True)[0]["configurations"]] == ["/theirs/L2"]

    fenced.ok("/joc/api/inventory/change/add", add_mine)
    assert [c["path"] for c in shown(fenced, details=True)[0]["configurations"]] == ["/mine/L1"]
    assert [c["path"] for c in shown(viewer, details=True)[0]["configurations"]] == ["/mine/L1", "/theirs/L2"]
