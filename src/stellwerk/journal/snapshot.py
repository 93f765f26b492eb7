"""The engine state as snapshot elements (one JSON object per line of a segment's snapshot section) and back.

Elements, each with a "TYPE": `EngineMeta` (controllerId, role); the items as in engine JSON (`Calendar`,
`JobResource`, `Lock`, `GlobalBoard`/`PlannableBoard`, `FileWatch`, `AgentRef`, `SubagentItem`,
`SubagentBundle`, `PlanSchema`, `Workflow` with every version kept, the latest version of a path last);
`Order` (the order's engine JSON); `LockState`, `Notice`, `NoticeAnnounced`, `NoticeConsumptions`, `Agent`,
`AttachedItems`, `JournalReleased`, `ExternalOrder`. The indexes that follow from the orders (`processing`,
`agent_processing`, `subagent_processing`, `expecting`) are not written; they are rebuilt on load. `agent_env`
comes from the node's environment, `subagent_view` from the Director; `subagent_cursor` starts again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import msgspec

from stellwerk.engine.item_state import AgentRecord, ExternalOrderRecord
from stellwerk.engine.state import EngineState, LockState, Notice, Role
from stellwerk.model import order as o
from stellwerk.model.codec import encode
from stellwerk.model.items import (
    AgentRef,
    Calendar,
    FileWatch,
    GlobalBoard,
    JobResource,
    LockItem,
    PlannableBoard,
    PlanSchema,
    SimpleItem,
    SubagentBundle,
    SubagentItem,
    WorkflowControl,
    WorkflowPathControl,
)
from stellwerk.model.order import NoticeId
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow


class _Element(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", omit_defaults=True):
    pass


class EngineMeta(_Element, frozen=True, kw_only=True, tag="EngineMeta"):
    controller_id: str = msgspec.field(name="controllerId")
    role: Role = "local"


class LockStateElement(_Element, frozen=True, kw_only=True, tag="LockState"):
    lock_path: str = msgspec.field(name="lockPath")
    # Order id to count; null = exclusive.
    holders: dict[str, int | None] = {}
    queue: tuple[str, ...] = ()


class NoticeElement(_Element, frozen=True, kw_only=True, tag="Notice"):
    id: NoticeId
    end_of_life: int | None = msgspec.field(default=None, name="endOfLife")


class NoticeAnnouncedElement(_Element, frozen=True, kw_only=True, tag="NoticeAnnounced"):
    id: NoticeId


class NoticeConsumptionsElement(_Element, frozen=True, kw_only=True, tag="NoticeConsumptions"):
    order_id: str = msgspec.field(name="orderId")
    stack: tuple[tuple[NoticeId, ...], ...]


class AgentElement(_Element, frozen=True, kw_only=True, tag="Agent"):
    agent_path: str = msgspec.field(name="agentPath")
    record: AgentRecord


class AttachedItemsElement(_Element, frozen=True, kw_only=True, tag="AttachedItems"):
    agent_path: str = msgspec.field(name="agentPath")
    item_keys: tuple[str, ...] = msgspec.field(name="itemKeys")


class JournalReleasedElement(_Element, frozen=True, kw_only=True, tag="JournalReleased"):
    user_id: str = msgspec.field(name="userId")
    until_event_id: int = msgspec.field(name="untilEventId")


class ExternalOrderElement(_Element, frozen=True, kw_only=True, tag="ExternalOrder"):
    file_watch_path: str = msgspec.field(name="fileWatchPath")
    name: str
    record: ExternalOrderRecord


Element = (
    EngineMeta
    | SimpleItem
    | Workflow
    | LockStateElement
    | NoticeElement
    | NoticeAnnouncedElement
    | NoticeConsumptionsElement
    | AgentElement
    | AttachedItemsElement
    | JournalReleasedElement
    | ExternalOrderElement
)

# The fields of EngineState and how a snapshot keeps them (checked by a test, so that a new field is noticed).
SNAPSHOT_FIELDS = frozenset(
    {"controller_id", "role", "workflows", "latest_workflow", "locks", "boards", "job_resources", "calendars"}
    | {"file_watches", "agent_refs", "subagent_items", "subagent_bundles", "plan_schemas", "orders"}
    | {"lock_states", "notices", "announced", "consumptions", "attached_items", "agents", "released"}
    | {"external_orders", "workflow_path_controls", "workflow_controls"}
)
REBUILT_FIELDS = frozenset({"expecting", "processing", "agent_processing", "subagent_processing"})
NOT_JOURNALED_FIELDS = frozenset({"agent_env", "subagent_cursor", "subagent_view"})

# Order has no TYPE of its own; the element is the order's JSON with "TYPE":"Order" put first.
_ORDER_PREFIX = b'{"TYPE":"Order",'
_element_decoder = msgspec.json.Decoder(Element, float_hook=Decimal)
_order_decoder = msgspec.json.Decoder(o.Order, float_hook=Decimal)


def snapshot_objects(state: EngineState) -> list[bytes]:
    """The state as snapshot elements, in an order that `load_snapshot` can apply one after the other."""
    return [*(encode(element) for element in _elements_before_orders(state)), *_orders(state), *_after(state)]


def _elements_before_orders(state: EngineState) -> Iterator[Element]:
    yield EngineMeta(controller_id=state.controller_id, role=state.role)
    for registry in _simple_items(state):
        yield from registry.values()
    latest = set(state.latest_workflow.values())
    # add_workflow makes the last added version the latest: older versions first.
    yield from (w for w in state.workflows.values() if w.id not in latest)
    yield from (w for w in state.workflows.values() if w.id in latest)


def _orders(state: EngineState) -> Iterator[bytes]:
    for order in state.orders.values():
        yield _ORDER_PREFIX + encode(order)[1:]


def _after(state: EngineState) -> Iterator[bytes]:
    for path, lock_state in state.lock_states.items():
        if lock_state.holders or lock_state.queue:
            yield encode(
                LockStateElement(lock_path=path, holders=lock_state.holders, queue=tuple(lock_state.queue))
            )
    for notice in state.notices.values():
        yield encode(NoticeElement(id=notice.id, end_of_life=notice.end_of_life))
    for notice_id in sorted(state.announced):
        yield encode(NoticeAnnouncedElement(id=notice_id))
    for order_id, stack in state.consumptions.items():
        yield encode(NoticeConsumptionsElement(order_id=order_id, stack=tuple(stack)))
    yield from (encode(AgentElement(agent_path=p, record=r)) for p, r in state.agents.items())
    for agent_path, keys in state.attached_items.items():
        yield encode(AttachedItemsElement(agent_path=agent_path, item_keys=tuple(sorted(keys))))
    yield from (
        encode(JournalReleasedElement(user_id=u, until_event_id=i)) for u, i in state.released.items()
    )
    for (watch, name), record in state.external_orders.items():
        yield encode(ExternalOrderElement(file_watch_path=watch, name=name, record=record))


def _simple_items(state: EngineState) -> tuple[Mapping[str, SimpleItem], ...]:
    return (
        state.calendars,
        state.job_resources,
        state.locks,
        state.boards,
        state.file_watches,
        state.agent_refs,
        state.subagent_items,
        state.subagent_bundles,
        state.plan_schemas,
        state.workflow_path_controls,
        state.workflow_controls,
    )


def load_snapshot(objects: Sequence[bytes]) -> EngineState | Problem:
    """The state the elements describe, with the derived indexes rebuilt."""
    state = EngineState()
    for number, data in enumerate(objects, start=1):
        try:
            if data.startswith(_ORDER_PREFIX):
                order = _order_decoder.decode(data)
                state.orders[order.id] = order
            else:
                _load_element(state, _element_decoder.decode(data))
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            return Problem(f"Snapshot element {number}: {error}")
    return _rebuild_indexes(state)


def _load_element(state: EngineState, element: Element) -> None:
    match element:
        case EngineMeta():
            state.controller_id, state.role = element.controller_id, element.role
        case Workflow():
            state.add_workflow(element)
        case (
            Calendar()
            | JobResource()
            | LockItem()
            | GlobalBoard()
            | PlannableBoard()
            | FileWatch()
            | AgentRef()
        ):
            _registry_of(state, element)[element.path] = element
        case SubagentItem() | SubagentBundle() | PlanSchema():
            _registry_of(state, element)[element.id] = element
        case WorkflowPathControl():
            state.workflow_path_controls[element.path] = element
        case WorkflowControl():
            state.workflow_controls[str(element.id)] = element
        case _:
            _load_state_element(state, element)


def _registry_of(state: EngineState, item: SimpleItem) -> dict[str, Any]:
    match item:
        case Calendar():
            return state.calendars
        case JobResource():
            return state.job_resources
        case LockItem():
            return state.locks
        case GlobalBoard() | PlannableBoard():
            return state.boards
        case FileWatch():
            return state.file_watches
        case AgentRef():
            return state.agent_refs
        case SubagentItem():
            return state.subagent_items
        case SubagentBundle():
            return state.subagent_bundles
    return state.plan_schemas


def _load_state_element(state: EngineState, element: Element) -> None:
    match element:
        case LockStateElement():
            state.lock_states[element.lock_path] = LockState(
                holders=dict(element.holders), queue=list(element.queue)
            )
        case NoticeElement():
            state.notices[element.id] = Notice(id=element.id, end_of_life=element.end_of_life)
        case NoticeAnnouncedElement():
            state.announced.add(element.id)
        case NoticeConsumptionsElement():
            state.consumptions[element.order_id] = list(element.stack)
        case AgentElement():
            state.agents[element.agent_path] = element.record
        case AttachedItemsElement():
            state.attached_items[element.agent_path] = set(element.item_keys)
        case JournalReleasedElement():
            state.released[element.user_id] = element.until_event_id
        case ExternalOrderElement():
            state.external_orders[(element.file_watch_path, element.name)] = element.record


def _rebuild_indexes(state: EngineState) -> EngineState | Problem:
    for order in state.orders.values():
        if order.workflow_id not in state.workflows:
            return Problem(f"Snapshot: order '{order.id}' refers to unknown workflow '{order.workflow_id}'")
        if isinstance(order.state, o.Processing):
            state.processing_of(order).add(order.id)
            state.agent_processing_of(order).add(order.id)
            if order.state.subagent_id is not None:
                state.subagent_processing.setdefault(order.state.subagent_id, set()).add(order.id)
        elif isinstance(order.state, o.ExpectingNotices):
            for notice_id in order.state.notice_ids:
                state.expecting.setdefault(notice_id, set()).add(order.id)
    return state
