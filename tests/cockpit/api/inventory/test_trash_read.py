"""`/inventory/trash/read/folder`: the trash's objects and folders as JOC's folder answer, only those in the
caller's folders; the inventory's view permission is needed."""

from __future__ import annotations

from collections.abc import Callable

from tests.cockpit.api.inventory.items import LOCK, workflow
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid

VIEW = "sos:products:joc:inventory:view"


def test_the_trash_of_a_folder_is_read_within_the_callers_folders(
    joc: Joc, account: Callable[..., Joc]
) -> None:
    joc.ok(
        "/joc/api/inventory/store",
        {"path": "/team/hello", "objectType": "WORKFLOW", "configuration": workflow()},
    )
    joc.ok("/joc/api/inventory/store", {"path": "/other/L1", "objectType": "LOCK", "configuration": LOCK})
    joc.ok("/joc/api/inventory/remove", {"objects": [{"path": "/team/hello", "objectType": "WORKFLOW"}]})
    joc.ok("/joc/api/inventory/remove/folder", {"path": "/other"})

    answer = joc.ok("/joc/api/inventory/trash/read/folder", {"path": "/", "recursive": True})
    assert_valid("inventory/common/response-folder-schema.json", answer)
    assert [item["path"] for item in answer["workflows"]] == ["/team/hello"]
    assert [item["path"] for item in answer["locks"]] == ["/other/L1"]
    assert [item["path"] for item in answer["folders"]] == ["/other"]
    assert all(item["deleted"] for item in answer["workflows"])
    shallow = joc.ok("/joc/api/inventory/trash/read/folder", {"path": "/", "objectTypes": ["LOCK"]})
    assert "locks" not in shallow and "workflows" not in shallow

    fenced = account("fenced", permissions=(VIEW,), folders=("/team",))
    assert fenced.post("/joc/api/inventory/trash/read/folder", {"path": "/"}).status == 403
    answer = fenced.ok("/joc/api/inventory/trash/read/folder", {"path": "/team", "recursive": True})
    assert [item["path"] for item in answer["workflows"]] == ["/team/hello"] and "locks" not in answer
    assert fenced.post("/joc/api/inventory/trash/read/folder", {"path": "/other"}).status == 403
    assert account("nobody").post("/joc/api/inventory/trash/read/folder", {"path": "/"}).status == 403
    refused = joc.post("/joc/api/inventory/trash/read/folder", {"path": "no/slash"})
    assert (
        refused.status == 420 and refused.error["code"] == "JOC-400" and "$.path" in refused.error["message"]
    )
