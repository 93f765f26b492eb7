"""Orders between JOC and the engine, pure: JOC's ad-hoc order ids, the engine's FreshOrder of an `/orders/add`
entry, positions given as arrays, printed positions or labels, JOC's `OrderV` view of an engine order, and the
selection `/orders` and the modifying endpoints make (order ids, workflows, folders, state groups, dates)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import msgspec

from stellwerk.cockpit.db.enums import OrderStateText
from stellwerk.cockpit.db.repositories.folders import FolderFilter, folder_of
from stellwerk.cockpit.services.joc_time import local_date
from stellwerk.cockpit.services.order_states import joc_state
from stellwerk.model import codec
from stellwerk.model import order as o
from stellwerk.model.position import Position, from_string, to_string

# A position as JOC accepts it: an array ([1, "then", 0]), or a string (a label, or a printed "1/then:0").
JocPosition = list[int | str] | str
_PRINTED = re.compile(r"^\d+(?:/[^:/]+:\d+)*$")
_MARKS = {o.Cancelling: "CANCELLING", o.Suspending: "SUSPENDING", o.Resuming: "RESUMING"}
_MARK_SEVERITY = 8
ORDER_NAME_MAX = 30


def joc_order_id(name: str, now: int, sequence: int, time_zone: str | None = None) -> str:
    """JOC's id of an ad-hoc order: `#<date>#T<11 digits>-<name>`; the digits are the epoch milliseconds'
    last 9 and a 2-digit sequence number, so orders added in one millisecond differ."""
    return f"#{local_date(now, time_zone)}#T{now % 1_000_000_000:09d}{sequence % 100:02d}-{name}"


def engine_position(value: JocPosition) -> Position | str:
    """An engine position (or a label, for start and end positions) of JOC's position value."""
    if isinstance(value, str):
        return from_string(value) if _PRINTED.match(value) else value
    return tuple(value)


def fresh_order(
    order_id: str,
    workflow_name: str,
    *,
    arguments: Mapping[str, Any],
    scheduled_for: int | None,
    priority: int,
    force_admission: bool,
    start_position: JocPosition | None,
    end_positions: Sequence[JocPosition],
    block_position: JocPosition | None,
) -> dict[str, Any]:
    """The engine's FreshOrder (JSON) for AddOrders. As in JOC, the Controller deletes the order once it has
    finished or was cancelled (its run stays in the history); a failed order stays until it is resumed or
    cancelled."""
    fresh: dict[str, Any] = {
        "id": order_id,
        "workflowPath": workflow_name,
        "arguments": dict(arguments),
        "deleteWhenTerminated": True,
    }
    if scheduled_for is not None:
        fresh["scheduledFor"] = scheduled_for
    if priority:
        fresh["priority"] = priority
    if force_admission:
        fresh["forceAdmission"] = True
    if start_position is not None:
        fresh["startPosition"] = _json_position(engine_position(start_position))
    if end_positions:
        fresh["stopPositions"] = [_json_position(engine_position(p)) for p in end_positions]
    if block_position is not None:
        block = engine_position(block_position)
        fresh["innerBlock"] = _json_position(block)
    return fresh


def _json_position(position: Position | str) -> list[int | str] | str:
    return position if isinstance(position, str) else list(position)


def decode_orders(raw: Iterable[Any]) -> list[o.Order]:
    """The engine's orders from the Controller's JSON."""
    return [msgspec.convert(order, o.Order) for order in raw]


def joc_path(workflow_name: str, paths: Mapping[str, str]) -> str:
    """The inventory path of a deployed workflow (by its name on the Controller)."""
    return paths.get(workflow_name, f"/{workflow_name}")


def order_view(order: o.Order, paths: Mapping[str, str], *, with_children: bool = False) -> dict[str, Any]:
    """JOC's `OrderV` of an engine order. Without `lastOutcome` and `historicOutcome`: the published client
    demands a nested `outcome` in each outcome, which the published schema allows only as an object."""
    state = joc_state(order)
    view: dict[str, Any] = {
        "orderId": order.id,
        "workflowId": {
            "path": joc_path(order.workflow_id.path, paths),
            "versionId": order.workflow_id.version_id,
        },
        "state": state.to_json(),
        "arguments": codec.to_builtins(order.arguments),
        "position": list(order.position),
        "positionString": to_string(order.position),
        "priority": order.priority,
        "isSuspendible": not order.is_suspended and not order.is_terminated,
        "isResumable": order.is_suspended or isinstance(order.state, o.FAILED_STATES),
        "isContinuable": isinstance(order.state, (o.Fresh, o.Sleeping, o.DelayingRetry, o.BetweenCycles)),
        "hasChildOrders": with_children,
    }
    if order.scheduled_for is not None:
        view["scheduledFor"] = order.scheduled_for
    if order.attached_state is not None:
        view["agentId"] = order.attached_state.agent_path
    if isinstance(order.state, o.Processing) and order.state.subagent_id:
        view["subagentId"] = order.state.subagent_id
    if isinstance(order.state, o.Prompting):
        question = order.state.question
        view["question"] = question if isinstance(question, str) else str(codec.to_builtins(question))
    mark = _MARKS.get(type(order.mark)) if order.mark is not None else None
    if mark is not None:
        view["marked"] = {"severity": _MARK_SEVERITY, "_text": mark}
    if order.stop_positions:
        view["endPositions"] = [list(p) for p in order.stop_positions]
    return view


class WorkflowRef(msgspec.Struct, frozen=True, kw_only=True):
    """A workflow a request names: its path (its name is what the Controller knows) and maybe a version."""

    path: str
    version_id: str | None = None


class OrderSelection(msgspec.Struct, frozen=True, kw_only=True):
    """Which orders a request means. Empty criteria select everything; `order_ids` alone decide when given."""

    order_ids: tuple[str, ...] = ()
    workflows: tuple[WorkflowRef, ...] = ()
    folders: tuple[FolderFilter, ...] = ()
    states: tuple[OrderStateText, ...] = ()
    scheduled_before: int | None = None
    regex: str | None = None


def in_folder(path: str, wanted: FolderFilter) -> bool:
    """Whether the object at `path` is in the folder (or below it, when recursive)."""
    folder = folder_of(path)
    if folder == wanted.folder.rstrip("/") or (wanted.folder == "/" and folder == "/"):
        return True
    if not wanted.recursive:
        return False
    prefix = wanted.folder.rstrip("/") + "/"
    return (folder + "/").startswith(prefix)


def _workflow_matches(order: o.Order, path: str, refs: tuple[WorkflowRef, ...]) -> bool:
    return any(
        (ref.path == path or ref.path == order.workflow_id.path)
        and (ref.version_id is None or ref.version_id == order.workflow_id.version_id)
        for ref in refs
    )


def selects(selection: OrderSelection, order: o.Order, path: str) -> bool:
    """Whether the selection takes the order (whose workflow has the inventory path `path`)."""
    if selection.order_ids and order.id not in selection.order_ids:
        return False
    if selection.workflows and not _workflow_matches(order, path, selection.workflows):
        return False
    if selection.folders and not any(in_folder(path, f) for f in selection.folders):
        return False
    if selection.states and joc_state(order).text not in selection.states:
        return False
    if selection.scheduled_before is not None and isinstance(order.state, o.Fresh):
        if order.scheduled_for is not None and order.scheduled_for >= selection.scheduled_before:
            return False
    return selection.regex is None or re.search(selection.regex, order.id) is not None


def selected(
    orders: Iterable[o.Order],
    selection: OrderSelection,
    paths: Mapping[str, str],
    visible: Callable[[str], bool],
    limit: int | None = None,
) -> list[o.Order]:
    """The orders the selection takes among those whose workflow folder the account may see (the first
    `limit` of them)."""
    return selected_with_paths(orders, selection, paths, visible, limit)[0]


def selected_with_paths(
    orders: Iterable[o.Order],
    selection: OrderSelection,
    paths: Mapping[str, str],
    visible: Callable[[str], bool],
    limit: int | None = None,
) -> tuple[list[o.Order], list[str]]:
    """`selected`, and beside it each order's workflow path (two lists rather than a tuple per order: ten
    thousand new tuples per listing made the garbage collector's full passes come every dozen listings)."""
    found: list[o.Order] = []
    found_paths: list[str] = []
    if limit is not None and limit <= 0:
        return found, found_paths
    sees: dict[str, bool] = {}  # many orders share a workflow: one folder check per path
    for order in orders:
        path = joc_path(order.workflow_id.path, paths)
        seen = sees.get(path)
        if seen is None:
            seen = sees[path] = visible(path)
        if seen and selects(selection, order, path):
            found.append(order)
            found_paths.append(path)
            if len(found) == limit:
                break
    return found, found_paths
