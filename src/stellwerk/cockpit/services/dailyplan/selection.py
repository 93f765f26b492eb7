"""Which planned orders a Daily Plan request means (pure): plan dates, Controllers, ids, schedules and workflows by
path or folder, states, submissions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import msgspec

from stellwerk.cockpit.db.repositories.folders import FolderFilter


class PlanSelection(msgspec.Struct, frozen=True, kw_only=True):
    """Empty tuples select everything; dates bound the plan date (both inclusive)."""

    date_from: date | None = None
    date_to: date | None = None
    controller_ids: tuple[str, ...] = ()
    order_ids: tuple[str, ...] = ()
    schedule_paths: tuple[str, ...] = ()
    workflow_paths: tuple[str, ...] = ()
    schedule_folders: tuple[FolderFilter, ...] = ()
    workflow_folders: tuple[FolderFilter, ...] = ()
    states: tuple[str, ...] = ()
    submission_ids: tuple[int, ...] = ()


class OrderFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What a selection looks at in a planned order."""

    controller_id: str
    plan_date: date
    order_id: str
    schedule_path: str
    workflow_path: str
    state: str
    submission_id: int | None


def chosen(selection: PlanSelection, order: OrderFacts) -> bool:
    """Whether the selection means the order."""
    return (
        _in_range(order.plan_date, selection.date_from, selection.date_to)
        and _among(order.controller_id, selection.controller_ids)
        and _among(order.order_id, selection.order_ids)
        and _among(order.state, selection.states)
        and _among(order.submission_id, selection.submission_ids)
        and _path_or_folder(order.schedule_path, selection.schedule_paths, selection.schedule_folders)
        and _path_or_folder(order.workflow_path, selection.workflow_paths, selection.workflow_folders)
    )


def in_any_folder(path: str, folders: Iterable[FolderFilter]) -> bool:
    """Whether the object at `path` lies in one of the folders (directly, or below when recursive)."""
    parent = path.rsplit("/", 1)[0] or "/"
    for folder in folders:
        base = folder.folder.rstrip("/")
        if parent == (base or "/") or (folder.recursive and (base == "" or parent.startswith(base + "/"))):
            return True
    return False


def _in_range(day: date, first: date | None, last: date | None) -> bool:
    return (first is None or first <= day) and (last is None or day <= last)


def _among(value: object, wanted: tuple[object, ...]) -> bool:
    return not wanted or value in wanted


def _path_or_folder(path: str, paths: tuple[str, ...], folders: tuple[FolderFilter, ...]) -> bool:
    if not paths and not folders:
        return True
    return path in paths or in_any_folder(path, folders)
