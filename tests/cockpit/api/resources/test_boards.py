"""`/joc/api/notice/boards`, `/notice/board`, `/notices/post` and `/notices/delete` against a real Controller:
an order expecting a notice, the notice posted (the order goes on) and deleted, the audit entries, the
permissions."""

from __future__ import annotations

from collections.abc import Callable

from stellwerk.cockpit.db.repositories.audit import AuditRecord
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import deploy, wait_for_state
from tests.cockpit.api.schema import assert_valid

BOARD = {
    "TYPE": "GlobalBoard",
    "path": "month",
    "postOrderToNoticeKey": "'2026-01'",
    "expectOrderToNoticeKey": "'2026-01'",
}
REPORT = {
    "TYPE": "Workflow",
    "path": "report",
    "instructions": [
        {"TYPE": "ExpectNotices", "boardPaths": "'month'"},
        {"TYPE": "Prompt", "question": "'Report?'"},
    ],
}  # fmt: skip


def board_of(joc: Joc, cid: str) -> dict[str, object]:
    answer = joc.post("/joc/api/notice/board", {"controllerId": cid, "noticeBoardPath": "/month"})
    assert answer.status == 200, answer.body
    assert_valid("board/board-schema.json", answer.body)
    board: dict[str, object] = answer.body["noticeBoard"]
    return board


def test_a_notice_is_expected_then_posted_and_deleted(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
    root: Joc,
    audit_entries: Callable[[], list[AuditRecord]],
) -> None:
    running, controller = controller_cockpit
    cid = controller.controller_id
    deploy(running, controller, BOARD, REPORT)
    added = root.post("/joc/api/orders/add", {"controllerId": cid, "orders": [{"workflowPath": "report"}]})
    [order_id] = added.body["orderIds"]
    wait_for_state(root, cid, order_id, "WAITING")

    [expected] = board_of(root, cid)["notices"]  # type: ignore[misc]
    assert expected["id"] == "2026-01"
    assert expected["state"] == {"severity": 8, "_text": "EXPECTED"}
    assert expected["expectingOrderIds"] == [order_id]
    assert [o["orderId"] for o in expected["expectingOrders"]] == [order_id]

    post = {
        "controllerId": cid,
        "noticeBoardPaths": ["/month"],
        "noticeId": "2026-01",
        "endOfLife": "2030-01-01T00:00:00Z",
    }
    assert root.post("/joc/api/notices/post", post).status == 200
    wait_for_state(root, cid, order_id, "PROMPTING")
    boards = root.post("/joc/api/notice/boards", {"controllerId": cid})
    assert_valid("board/boards-schema.json", boards.body)
    [board] = boards.body["noticeBoards"]
    assert (board["path"], board["boardType"], board["numOfPostedNotices"]) == ("/month", "GLOBAL", 1)
    [posted] = board["notices"]
    assert (posted["state"]["_text"], posted["endOfLife"]) == ("POSTED", "2030-01-01T00:00:00.000Z")

    delete = {"controllerId": cid, "notices": [{"noticeBoardPath": "/month", "noticeIds": ["2026-01"]}]}
    assert root.post("/joc/api/notices/delete", delete).status == 200
    assert board_of(root, cid)["notices"] == []
    again = root.post("/joc/api/notices/delete", delete)
    assert again.status == 420, "a notice that is not there"
    entries = sorted((e for e in audit_entries() if "notices" in e.request), key=lambda e: e.id)
    assert [e.request for e in entries] == ["./notices/post", "./notices/delete"], (
        "the refused one wrote none"
    )


def test_notices_need_their_permissions_and_valid_requests(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
    root: Joc,
    controller_account: Callable[..., Joc],
) -> None:
    running, controller = controller_cockpit
    cid = controller.controller_id
    deploy(running, controller, BOARD)
    viewer = controller_account("viewer", permissions=("sos:products:controller:noticeBoards:view",))
    assert viewer.post("/joc/api/notice/boards", {"controllerId": cid}).status == 200
    post = {"controllerId": cid, "noticeBoardPaths": ["/month"], "noticeId": "k"}
    assert viewer.post("/joc/api/notices/post", post).status == 403
    elsewhere = controller_account(
        "in-b", permissions=("sos:products:controller:noticeBoards",), folders=("/b",)
    )
    assert elsewhere.post("/joc/api/notice/boards", {"controllerId": cid}).body["noticeBoards"] == []
    assert elsewhere.post("/joc/api/notices/post", post).status == 403
    unknown = root.post("/joc/api/notices/post", {**post, "noticeBoardPaths": ["/nothing"]})
    assert unknown.body["error"]["message"].startswith("$.noticeBoardPaths[0]:")
    bad_time = root.post("/joc/api/notices/post", {**post, "endOfLife": "someday"})
    assert bad_time.body["error"]["message"].startswith("$.endOfLife:")
    neither = root.post("/joc/api/notices/post", {"controllerId": cid})
    assert neither.status == 420
    assert board_of(root, cid)["notices"] == [], "no refused request posted anything"
