"""JOC's `LockEntry` of a Controller lock: the lock, how much of it is acquired, and (unless compact) the
orders holding it and those queued for it, grouped by their workflow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from stellwerk.cockpit.services.orders import joc_path, order_view
from stellwerk.model import order as o

_Row = tuple[o.Order, dict[str, Any]]


def acquired(holders: Mapping[str, int | None], limit: int) -> int:
    """An exclusive holder takes the whole limit."""
    return sum(limit if count is None else count for count in holders.values())


def _held(name: str, count: int | None) -> dict[str, Any]:
    if count is None:
        return {"id": name, "type": "EXCLUSIVE"}
    return {"id": name, "type": "SHARED", "count": count}


def _by_workflow(
    rows: Iterable[tuple[o.Order, dict[str, Any]]], key: str, paths: Mapping[str, str], into: dict[Any, Any]
) -> None:
    for order, lock in rows:
        path = joc_path(order.workflow_id.path, paths)
        version_id = order.workflow_id.version_id or ""
        entry = into.setdefault(
            (path, version_id),
            {"path": path, "versionId": version_id, "ordersHoldingLocks": [], "ordersWaitingForLocks": []},
        )
        entry[key].append({"lock": lock, "order": order_view(order, paths)})


def _first(rows: list[_Row], limit: int) -> list[_Row]:
    return rows if limit < 0 else rows[:limit]


def lock_entry(
    lock: Mapping[str, Any],
    lock_path: str,
    orders: Mapping[str, o.Order],
    paths: Mapping[str, str],
    *,
    compact: bool,
    limit: int = -1,
) -> dict[str, Any]:
    """`lock`: the Controller's answer for one lock; `paths`: the inventory paths of workflows by name;
    `limit`: how many holding and how many waiting orders at most (-1: all)."""
    name, limit = str(lock["path"]), int(lock["limit"])
    holders: dict[str, int | None] = lock["holders"]
    queue: list[str] = lock["queue"]
    entry: dict[str, Any] = {
        "lock": {"TYPE": "Lock", "path": lock_path, "limit": limit},
        "acquiredLockCount": acquired(holders, limit),
        "ordersHoldingLocksCount": len(holders),
        "ordersWaitingForLocksCount": len(queue),
    }
    if not compact:
        workflows: dict[tuple[str, str], dict[str, Any]] = {}
        holding = [(orders[i], _held(name, count)) for i, count in holders.items() if i in orders]
        waiting = [(orders[i], {"id": name, "type": "UNKNOWN"}) for i in queue if i in orders]
        _by_workflow(_first(holding, limit), "ordersHoldingLocks", paths, workflows)
        _by_workflow(_first(waiting, limit), "ordersWaitingForLocks", paths, workflows)
        entry["workflows"] = list(workflows.values())
    return entry
