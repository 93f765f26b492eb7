"""Run the pure engine until nothing more happens at `now`: derive events, apply them, re-check the orders
they touch. Deterministic; used by `stellwerk run`, the benchmark and the exploration tests."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from stellwerk.engine.apply import apply_event
from stellwerk.engine.instructions.boards import expired_notices
from stellwerk.engine.source import next_events
from stellwerk.engine.state import EngineState, job_of_order
from stellwerk.engine.workflow_controls import orders_controlled
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from stellwerk.model.items import WorkflowControl, WorkflowPathControl
from stellwerk.model.problems import Problem

# A runaway loop of events for one order is a bug in a workflow or in the engine; stop it there.
MAX_EVENTS_PER_ORDER_TURN = 1000

# Applies events to the state as one transaction (a service: `JournaledState.commit`); raises if one does not
# apply, which is a bug in the engine.
Commit = Callable[[list[e.KeyedEvent]], object]


def derive(state: EngineState, order_ids: Iterable[str], now: int) -> list[e.KeyedEvent]:
    """Apply every event that follows from the state for the given orders (and the orders they touch)."""
    queue = deque(dict.fromkeys(order_ids))
    queued = set(queue)
    emitted = _delete_expired_notices(state, now)
    while queue:
        order_id = queue.popleft()
        queued.discard(order_id)
        for _ in range(MAX_EVENTS_PER_ORDER_TURN):
            keyed_events = next_events(state, order_id, now)
            if not keyed_events:
                break
            touched_orders = _apply_all(state, keyed_events, emitted)
            touched_orders.extend(_fulfil_expecting_now(state, keyed_events, emitted, now))
            for touched in touched_orders:
                if touched not in queued:
                    queued.add(touched)
                    queue.append(touched)
    return emitted


def derive_with(state: EngineState, order_ids: Iterable[str], now: int, commit: Commit) -> None:
    """`derive` for a service: the same events in the same order, but each order's next events are handed to
    `commit` as one transaction instead of being applied here. Nothing is copied: next_events reads the state
    as `commit` leaves it."""
    queue = deque(dict.fromkeys(order_ids))
    queued = set(queue)
    if expired := expired_notices(state, now):
        commit(expired)
    while queue:
        order_id = queue.popleft()
        queued.discard(order_id)
        for _ in range(MAX_EVENTS_PER_ORDER_TURN):
            keyed_events = next_events(state, order_id, now)
            if not keyed_events:
                break
            touched_orders = _commit_touching(state, keyed_events, commit)
            for expecting in _expecting(state, keyed_events):
                touched_orders.extend(_commit_touching(state, next_events(state, expecting, now), commit))
                touched_orders.append(expecting)
            for touched in touched_orders:
                if touched not in queued:
                    queued.add(touched)
                    queue.append(touched)


def _commit_touching(state: EngineState, keyed_events: list[e.KeyedEvent], commit: Commit) -> list[str]:
    """Commits the events; returns the orders they touch (`touched_by`, each event seen after the transaction,
    with its order as it was before: the engine derives no event whose effect on others depends on that)."""
    if not keyed_events:
        return []
    before = {keyed.key: state.orders.get(keyed.key) for keyed in keyed_events}
    commit(keyed_events)
    touched: list[str] = []
    for keyed in keyed_events:
        touched.extend(touched_by(state, before[keyed.key], keyed))
    return touched


def _expecting(state: EngineState, keyed_events: list[e.KeyedEvent]) -> list[str]:
    posted = [
        k.event.notice_id for k in keyed_events if isinstance(k.event, e.OrderNoticePosted | e.NoticePosted)
    ]
    return sorted({order_id for notice_id in posted for order_id in state.expecting.get(notice_id, ())})


def _apply_all(
    state: EngineState, keyed_events: list[e.KeyedEvent], emitted: list[e.KeyedEvent]
) -> list[str]:
    touched: list[str] = []
    for keyed in keyed_events:
        before = state.orders.get(keyed.key)
        problem = apply_event(state, keyed)
        if problem is not None:
            broken = e.KeyedEvent(keyed.key, e.OrderBroken(problem=_describe(problem, keyed)))
            if apply_event(state, broken) is None:
                emitted.append(broken)
            return touched
        emitted.append(keyed)
        touched.extend(touched_by(state, before, keyed))
    return touched


def _delete_expired_notices(state: EngineState, now: int) -> list[e.KeyedEvent]:
    """Notices whose endOfLife has come are deleted first (NoticeDeleted keyed by the board), so a wake-up for an
    endOfLife (`wakeup.next_wakeup_of_state`) always leads to progress."""
    return [keyed for keyed in expired_notices(state, now) if apply_event(state, keyed) is None]


def _fulfil_expecting_now(
    state: EngineState, keyed_events: list[e.KeyedEvent], emitted: list[e.KeyedEvent], now: int
) -> list[str]:
    """Orders expecting a just posted notice take their next step in the same turn, before the poster goes on
    (JS7 emits their OrderNoticesRead/OrderNoticesConsumptionStarted in the posting transaction)."""
    touched: list[str] = []
    for order_id in _expecting(state, keyed_events):
        touched.extend(_apply_all(state, next_events(state, order_id, now), emitted))
        touched.append(order_id)
    return touched


def _describe(problem: Problem, keyed: e.KeyedEvent) -> str:
    return f"{problem.message} (proposed {type(keyed.event).__name__})"


def touched_by(state: EngineState, before: o.Order | None, keyed: e.KeyedEvent) -> list[str]:
    """Other orders that may move because of this event."""
    event = keyed.event
    touched: list[str] = []
    order = state.orders.get(keyed.key)
    known = order or before
    if known is not None and known.parent is not None:
        touched.append(known.parent)
    match event:
        case e.OrderForked():
            touched.extend(c.order_id for c in event.children)
        case e.OrderOrderAdded():
            touched.append(event.order_id)
        case e.OrderLocksReleased():
            touched.extend(_lock_queue(state, event.lock_paths))
        case e.OrderNoticePosted() | e.NoticePosted():
            touched.extend(sorted(state.expecting.get(event.notice_id, ())))
        case e.OrderProcessed():
            if order is not None:
                touched.extend(_waiting_for_a_slot(state, order))
        case ie.ItemAdded() | ie.ItemChanged() | ie.ItemAttachedToMe() if isinstance(
            event.item, WorkflowPathControl | WorkflowControl
        ):
            touched.extend(orders_controlled(state, event.item))
    return touched


def _lock_queue(state: EngineState, lock_paths: tuple[str, ...]) -> list[str]:
    """Orders queued for the released locks: higher priority first, then in queue order (JS7's order queue)."""
    queued = dict.fromkeys(order_id for path in lock_paths for order_id in state.lock_state(path).queue)
    return sorted(queued, key=lambda order_id: -_priority(state, order_id))


def _priority(state: EngineState, order_id: str) -> int:
    order = state.orders.get(order_id)
    return order.priority if order is not None else 0


def _waiting_for_a_slot(state: EngineState, order: o.Order) -> list[str]:
    """A freed process slot lets other Ready orders start: of the same job, or of any job of the same Agent if
    the Agent has a process limit. At most as many as there are free slots, the oldest first, so the scan of
    the orders stops early while orders wait. (A Controller starts no process: nothing to scan there.)
    Limitation: an order that waits for its job's admission period may take such a place without starting."""
    job = job_of_order(state, order)
    if job is None or state.role == "controller":
        return []
    agent_limit = state.agent_process_limit(job.agent_path)
    if agent_limit is None:
        wanted = job.process_limit - len(state.processing_of(order))
    else:
        wanted = agent_limit - len(state.agent_processing_of(order))
    found: list[str] = []
    for other in state.orders.values():
        if len(found) >= wanted:
            break
        if other.id != order.id and _may_take_slot(
            state, other, order, job.agent_path, agent_limit is not None
        ):
            found.append(other.id)
    return found


def _may_take_slot(
    state: EngineState, other: o.Order, freed: o.Order, agent_path: str, any_job_of_agent: bool
) -> bool:
    if not isinstance(other.state, o.Ready) or other.is_suspended:
        return False
    if state.role == "agent" and not isinstance(other.attached_state, o.Attached):
        return False
    if other.workflow_position == freed.workflow_position:
        return True
    if not any_job_of_agent:
        return False
    job = job_of_order(state, other)
    return (
        job is not None
        and job.agent_path == agent_path
        and len(state.processing_of(other)) < job.process_limit
    )
