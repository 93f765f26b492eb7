"""What the Resources view shows of a Controller's state: its locks with their holders and queue, its notice
boards with their notices, and its file order sources (FileWatch items)."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState, LockState
from stellwerk.model.order import NoticeId


def resources(state: EngineState) -> dict[str, Any]:
    return {"locks": _locks(state), "boards": _boards(state), "fileOrderSources": _file_order_sources(state)}


def _locks(state: EngineState) -> list[dict[str, Any]]:
    found = []
    for path, lock in sorted(state.locks.items()):
        held = state.lock_states.get(path, LockState())
        holders = [{"orderId": order_id, "count": count} for order_id, count in sorted(held.holders.items())]
        found.append({"path": path, "limit": lock.limit, "holders": holders, "queue": list(held.queue)})
    return found


def _boards(state: EngineState) -> list[dict[str, Any]]:
    by_board: dict[str, list[dict[str, Any]]] = {path: [] for path in state.boards}
    for notice_id, notice in sorted(state.notices.items()):
        board, key, plan = _parts(notice_id)
        if board in by_board:
            by_board[board].append({"noticeKey": key, "plan": plan, "endOfLife": notice.end_of_life})
    return [{"path": path, "notices": notices} for path, notices in sorted(by_board.items())]


def _parts(notice_id: NoticeId) -> tuple[str, str, str]:
    """(board, notice key, plan): a global notice id is [board, key], a planned one [schema, plan key, board, key]."""
    if len(notice_id) >= 3:
        plan = "/".join(notice_id[:2])
        return notice_id[2], notice_id[3] if len(notice_id) > 3 else "", plan
    return notice_id[0], notice_id[1] if len(notice_id) > 1 else "", ""


def _file_order_sources(state: EngineState) -> list[dict[str, Any]]:
    return [
        {
            "path": path,
            "agentPath": watch.agent_path,
            "workflowPath": watch.workflow_path,
            "directory": str(watch.directory_expr),
            "pattern": watch.pattern,
        }
        for path, watch in sorted(state.file_watches.items())
    ]
