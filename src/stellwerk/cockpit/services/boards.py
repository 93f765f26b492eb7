"""JOC's `NoticeBoard` of a Controller board: the board in inventory terms with its notices (posted, announced
or expected) and the orders expecting each; JOC's notice ids of a board and back to engine notice ids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from stellwerk.cockpit.errors import delivery_date
from stellwerk.cockpit.services.orders import order_view
from stellwerk.engine.state import board_of
from stellwerk.model import order as o

# JOC's severities of notice states (POSTED green, EXPECTED yellow, ANNOUNCED blue).
NOTICE_SEVERITY = {"POSTED": 6, "EXPECTED": 8, "ANNOUNCED": 4}
_ENGINE_TO_INVENTORY = {
    "postOrderToNoticeKey": "postOrderToNoticeId",
    "expectOrderToNoticeKey": "expectOrderToNoticeId",
    "endOfLife": "endOfLife",
}


def joc_notice_id(notice_id: list[str]) -> str:
    """The id JOC shows: the key of a global notice; `PLANKEY` or `PLANKEY/KEY` of a planned one."""
    if len(notice_id) <= 2:
        return notice_id[-1] if len(notice_id) == 2 else ""
    return "/".join(notice_id[1:2] + notice_id[3:])


def _notice_view(
    notice: Mapping[str, Any], orders: Mapping[str, o.Order], paths: Mapping[str, str], compact: bool
) -> dict[str, Any]:
    notice_id: list[str] = notice["noticeId"]
    state = str(notice["state"])
    view: dict[str, Any] = {
        "id": joc_notice_id(notice_id),
        "key": notice_id[-1] if len(notice_id) != 3 else notice_id[1],
        "state": {"severity": NOTICE_SEVERITY[state], "_text": state},
        "expectingOrderIds": list(notice["expecting"]),
    }
    if "endOfLife" in notice:
        view["endOfLife"] = delivery_date_of(int(notice["endOfLife"]))
    if not compact:
        view["expectingOrders"] = [order_view(orders[i], paths) for i in notice["expecting"] if i in orders]
    return view


def delivery_date_of(epoch_ms: int) -> str:
    return delivery_date(datetime.fromtimestamp(epoch_ms / 1000, UTC))


def board_view(
    item: Mapping[str, Any],
    board_path: str,
    notices: Iterable[Mapping[str, Any]],
    orders: Mapping[str, o.Order],
    paths: Mapping[str, str],
    *,
    compact: bool,
    limit: int = -1,
) -> dict[str, Any]:
    """`item`: the Controller's board (engine JSON); `notices`: the Controller's notices of this board;
    `paths`: the inventory paths of workflows by name; `limit`: how many notices at most (-1: all)."""
    mine = [n for n in notices if board_of(tuple(n["noticeId"])) == item["path"]]
    view: dict[str, Any] = {
        "TYPE": "Board",
        "path": board_path,
        "boardType": "PLANNABLE" if item["TYPE"] == "PlannableBoard" else "GLOBAL",
        **{joc: str(item[engine]) for engine, joc in _ENGINE_TO_INVENTORY.items() if engine in item},
        "numOfNotices": len(mine),
        "numOfPostedNotices": sum(n["state"] == "POSTED" for n in mine),
        "numOfAnnouncements": sum(n["state"] == "ANNOUNCED" for n in mine),
        "numOfExpectedNotices": sum(n["state"] == "EXPECTED" for n in mine),
        "numOfExpectingOrders": sum(len(n["expecting"]) for n in mine),
    }
    shown = mine if limit < 0 else mine[:limit]
    view["notices"] = [_notice_view(n, orders, paths, compact) for n in shown]
    return view
