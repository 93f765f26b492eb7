"""The inventory endpoints: store, read, validate, rename, trash and restore, release, tree; permissions and
folders; the audit log."""

from __future__ import annotations

from collections.abc import Callable

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.audit import AuditFilter, AuditRepository
from tests.cockpit.api.conftest import RunningCockpit
from tests.cockpit.api.inventory.items import CALENDAR, LOCK, workflow
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid

MANAGE = "sos:products:joc:inventory:manage"
VIEW = "sos:products:joc:inventory:view"


def store(joc: Joc, path: str, object_type: str, configuration: object) -> dict[str, object]:
    body = {"path": path, "objectType": object_type, "configuration": configuration}
    answer: dict[str, object] = joc.ok("/joc/api/inventory/store", body)
    return answer


def test_a_stored_draft_reads_back_valid_once_its_references_exist(joc: Joc) -> None:
    stored = store(joc, "/team/jobs/hello", "WORKFLOW", workflow(lock="L1"))
    assert_valid("inventory/configurationObject-schema.json", stored)
    assert stored["valid"] is False
    assert "unknown lock 'L1'" in str(stored["invalidMsg"])

    store(joc, "/team/L1", "LOCK", LOCK)
    read = joc.ok(
        "/joc/api/inventory/read/configuration", {"path": "/team/jobs/hello", "objectType": "WORKFLOW"}
    )
    assert_valid("inventory/configurationObject-schema.json", read)
    assert read["valid"] is True and read["configuration"]["jobs"]["hello"]["agentName"] == "agentA"
    assert joc.ok("/joc/api/inventory/read/configuration", {"id": read["id"]})["path"] == "/team/jobs/hello"

    folder = joc.ok("/joc/api/inventory/read/folder", {"path": "/team", "recursive": True})
    assert_valid("inventory/common/response-folder-schema.json", folder)
    assert [w["path"] for w in folder["workflows"]] == ["/team/jobs/hello"]
    assert folder["workflows"][0]["valid"] is True
    assert [lock["name"] for lock in folder["locks"]] == ["L1"]

    tree = joc.ok("/joc/api/tree", {"forInventory": True, "types": ["INVENTORY"]})
    assert_valid("tree/treeView-schema.json", tree)
    assert tree["folders"][0]["folders"][0]["path"] == "/team"
    assert tree["folders"][0]["folders"][0]["folders"][0]["path"] == "/team/jobs"


def test_a_bad_workflow_is_stored_invalid_with_the_json_path_and_validate_says_why(joc: Joc) -> None:
    bad = workflow()
    bad["jobs"]["hello"]["agentName"] = 7
    stored = store(joc, "/bad", "WORKFLOW", bad)
    assert stored["valid"] is False
    assert stored["invalidMsg"] == "$.jobs.hello.agentName: Expected str, got int"

    answer = joc.ok("/joc/api/inventory/WORKFLOW/validate", bad)
    assert_valid("inventory/validate-schema.json", answer)
    assert answer == {
        "deliveryDate": answer["deliveryDate"],
        "valid": False,
        "invalidMsg": stored["invalidMsg"],
    }
    assert joc.ok("/joc/api/inventory/workflow/validate", workflow())["valid"] is True


def test_bad_requests_name_the_field_and_change_nothing(joc: Joc) -> None:
    unknown_field = joc.post("/joc/api/inventory/store", {"path": "/a", "objectType": "LOCK", "configuration": LOCK, "colour": 1})  # fmt: skip
    assert unknown_field.status == 420 and unknown_field.error["message"] == "$.colour: unknown field"
    bad_type = joc.post(
        "/joc/api/inventory/store", {"path": "/a", "objectType": "CAKE", "configuration": LOCK}
    )
    assert bad_type.status == 420 and "$.objectType" in bad_type.error["message"]
    relative = joc.post(
        "/joc/api/inventory/store", {"path": "a/b", "objectType": "LOCK", "configuration": LOCK}
    )
    assert relative.status == 420 and relative.error["message"].startswith("$.path:")
    for hostile in ("/x/../L0", "/./L0", "/x/.."):
        climbing = joc.post("/joc/api/inventory/store", {"path": hostile, "objectType": "LOCK", "configuration": LOCK})  # fmt: skip
        assert climbing.status == 420 and "has a . or .. folder" in climbing.error["message"], hostile
    store(joc, "/x/L1", "LOCK", LOCK)
    twice = joc.post(
        "/joc/api/inventory/store", {"path": "/y/L1", "objectType": "LOCK", "configuration": LOCK}
    )
    assert twice.status == 420 and twice.error["code"] == "JOC-409"
    folder = joc.ok("/joc/api/inventory/read/folder", {"path": "/", "recursive": True})
    assert [lock["path"] for lock in folder["locks"]] == ["/x/L1"]


def test_rename_remove_restore_and_empty_the_trash(joc: Joc) -> None:
    store(joc, "/a/L1", "LOCK", LOCK)
    renamed = joc.ok("/joc/api/inventory/rename", {"path": "/a/L1", "objectType": "LOCK", "newPath": "L2"})
    assert_valid("inventory/common/response-newPath-schema.json", renamed)
    assert renamed["path"] == "/a/L2"
    moved = joc.ok("/joc/api/inventory/rename", {"path": "/a", "objectType": "FOLDER", "newPath": "/b/c"})
    assert moved["path"] == "/b/c"
    assert (
        joc.ok("/joc/api/inventory/read/configuration", {"path": "/b/c/L2", "objectType": "LOCK"})["name"]
        == "L2"
    )

    joc.ok("/joc/api/inventory/remove", {"objects": [{"path": "/b/c/L2", "objectType": "LOCK"}]})
    gone = joc.post("/joc/api/inventory/read/configuration", {"path": "/b/c/L2", "objectType": "LOCK"})
    assert gone.status == 420 and gone.error["code"] == "JOC-404"
    trash_tree = joc.ok("/joc/api/tree", {"forInventoryTrash": True})
    assert trash_tree["folders"][0]["folders"][0]["path"] == "/b"

    restored = joc.ok(
        "/joc/api/inventory/trash/restore", {"path": "/b/c/L2", "objectType": "LOCK", "suffix": "copy"}
    )
    assert restored["path"] == "/b/c/L2-copy"
    joc.ok("/joc/api/inventory/remove/folder", {"path": "/b"})
    assert "locks" not in joc.ok("/joc/api/inventory/read/folder", {"path": "/", "recursive": True})
    joc.ok("/joc/api/inventory/trash/delete/folder", {"path": "/b"})
    empty = joc.post("/joc/api/inventory/trash/restore", {"path": "/b", "objectType": "FOLDER"})
    assert empty.status == 420 and empty.error["code"] == "JOC-404"


def test_release_and_recall_a_calendar(joc: Joc, cockpit: RunningCockpit) -> None:
    store(joc, "/cal/workdays", "WORKINGDAYSCALENDAR", CALENDAR)
    joc.ok("/joc/api/inventory/release", {"update": [{"path": "/cal/workdays", "objectType": "WORKINGDAYSCALENDAR"}]})  # fmt: skip
    read = joc.ok("/joc/api/inventory/read/configuration", {"path": "/cal/workdays", "objectType": "WORKINGDAYSCALENDAR"})  # fmt: skip
    assert read["released"] is True
    joc.ok("/joc/api/inventory/releasables/recall", {"releasables": [{"path": "/cal/workdays", "objectType": "WORKINGDAYSCALENDAR"}]})  # fmt: skip
    read = joc.ok("/joc/api/inventory/read/configuration", {"id": read["id"]})
    assert read["released"] is False
    wrong = joc.post(
        "/joc/api/inventory/release", {"update": [{"path": "/nowhere", "objectType": "SCHEDULE"}]}
    )
    assert wrong.status == 420 and wrong.error["code"] == "JOC-404"

    async def requests(c: Cockpit) -> list[str]:
        async with c.database.session() as db:
            return [entry.request for entry in await AuditRepository(db).search(AuditFilter())]

    logged = cockpit.call(requests)
    assert {"./inventory/store", "./inventory/release", "./inventory/releasables/recall"} <= set(logged)


def test_permissions_and_folders_are_checked_before_anything_changes(
    joc: Joc, account: Callable[..., Joc], cockpit: RunningCockpit
) -> None:
    store(joc, "/mine/L1", "LOCK", LOCK)
    store(joc, "/theirs/L2", "LOCK", LOCK)
    anonymous = Joc(cockpit.url).post("/joc/api/inventory/read/folder", {"path": "/"})
    assert anonymous.status == 401
    viewer = account("viewer", permissions=(VIEW,))
    refused = viewer.post(
        "/joc/api/inventory/store", {"path": "/mine/L3", "objectType": "LOCK", "configuration": LOCK}
    )
    assert refused.status == 403
    limited = account("limited", permissions=(VIEW, MANAGE), folders=("/mine",))
    outside = limited.post(
        "/joc/api/inventory/remove", {"objects": [{"path": "/theirs/L2", "objectType": "LOCK"}]}
    )
    assert outside.status == 403
    hidden = limited.post(
        "/joc/api/inventory/read/configuration", {"path": "/theirs/L2", "objectType": "LOCK"}
    )
    assert hidden.status == 403
    limited.ok("/joc/api/inventory/remove", {"objects": [{"path": "/mine/L1", "objectType": "LOCK"}]})
    folder = joc.ok("/joc/api/inventory/read/folder", {"path": "/", "recursive": True})
    assert [lock["path"] for lock in folder["locks"]] == ["/theirs/L2"]
    tree = limited.ok("/joc/api/tree", {})
    assert [f["path"] for f in tree["folders"][0]["folders"]] == ["/mine"]
