"""Applying a keyed event to the engine state: the order's own transition plus effects on other orders,
locks and notice boards. The only place that changes `EngineState`."""

from __future__ import annotations

from msgspec.structs import replace

from stellwerk.engine.apply_items import apply_non_order_event, external_order_problem
from stellwerk.engine.order_transitions import apply_order_event, inapplicable
from stellwerk.engine.state import EngineState, Notice, board_of
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from stellwerk.model.problems import Problem


def apply_event(state: EngineState, keyed: e.KeyedEvent) -> Problem | None:
    """Apply one event; a Problem means nothing was changed."""
    event = keyed.event
    if isinstance(event, e.OrderAdded):
        return _add_order(state, keyed.key, event)
    if isinstance(event, e.OrderAttachedToAgent):
        return _attach_to_agent(state, keyed.key, event)
    if isinstance(event, e.NoticePosted | e.NoticeDeleted):
        return _apply_board_event(state, event)
    if isinstance(event, ie.ItemEvent | ie.AgentEvent | ie.ExternalOrderEvent):
        return apply_non_order_event(state, keyed.key, event)
    order = state.orders.get(keyed.key)
    if order is None:
        return Problem(f"Unknown order '{keyed.key}' for event {type(event).__name__}")
    updated = apply_order_event(order, event)
    if isinstance(updated, Problem):
        return updated
    problem = _check_side_effects(state, order, event)
    if problem:
        return problem
    state.orders[order.id] = updated
    _side_effects(state, order, updated, event)
    return None


def event_problem(state: EngineState, keyed: e.KeyedEvent) -> Problem | None:
    """Whether `apply_event` would refuse an event that comes from outside (a job's result, a file watch),
    without changing anything: an order event is checked against its order (and the effects on others it
    needs), a file event against its file's record; other events are not checked."""
    event = keyed.event
    if isinstance(event, ie.ExternalOrderAppeared | ie.ExternalOrderVanished):
        return external_order_problem(state, keyed.key, event)
    if isinstance(event, e.OrderAdded | e.OrderAttachedToAgent | e.BoardEvent) or not isinstance(
        event, e.OrderEvent
    ):
        return None
    order = state.orders.get(keyed.key)
    if order is None:
        return Problem(f"Unknown order '{keyed.key}' for event {type(event).__name__}")
    updated = apply_order_event(order, event)
    return updated if isinstance(updated, Problem) else _check_side_effects(state, order, event)


def apply_events(state: EngineState, keyed_events: list[e.KeyedEvent]) -> Problem | None:
    for keyed in keyed_events:
        if problem := apply_event(state, keyed):
            return problem
    return None


def _add_order(state: EngineState, order_id: str, event: e.OrderAdded) -> Problem | None:
    if order_id in state.orders:
        return Problem(f"Duplicate order '{order_id}'")
    if event.workflow_id not in state.workflows:
        return Problem(f"Unknown workflow '{event.workflow_id}'")
    state.orders[order_id] = new_order(order_id, event)
    return None


def _attach_to_agent(state: EngineState, order_id: str, event: e.OrderAttachedToAgent) -> Problem | None:
    order = event.order
    if state.role != "agent" or order.id != order_id or not isinstance(order.attached_state, o.Attached):
        return Problem(f"OrderAttachedToAgent for '{order_id}' does not apply here")
    if order_id in state.orders:
        return Problem(f"Duplicate order '{order_id}'")
    if order.workflow_id not in state.workflows:
        return Problem(f"Unknown workflow '{order.workflow_id}'")
    state.orders[order_id] = order
    return None


def new_order(order_id: str, event: e.OrderAdded) -> o.Order:
    """The Fresh order that OrderAdded creates."""
    return o.Order(
        id=order_id,
        workflow_position=o.WorkflowPosition(
            workflow_id=event.workflow_id, position=event.start_position or (0,)
        ),
        state=o.Fresh(),
        arguments=event.arguments,
        scheduled_for=event.scheduled_for,
        external_order=event.external_order,
        plan_id=event.plan_id,
        priority=event.priority,
        delete_when_terminated=event.delete_when_terminated,
        force_admission=event.force_admission,
        inner_block=event.inner_block,
        stop_positions=event.stop_positions,
    )


def added_by_order(event: e.OrderOrderAdded) -> e.OrderAdded:
    """The OrderAdded of the order that an AddOrder instruction adds."""
    return e.OrderAdded(
        workflow_id=event.workflow_id,
        arguments=event.arguments,
        plan_id=event.plan_id,
        delete_when_terminated=event.delete_when_terminated,
        force_admission=event.force_admission,
        inner_block=event.inner_block,
        start_position=event.start_position,
        stop_positions=event.stop_positions,
    )


def _check_side_effects(state: EngineState, order: o.Order, event: e.Event) -> Problem | None:
    match event:
        case e.OrderOrderAdded():
            if event.order_id in state.orders:
                return Problem(f"Duplicate order '{event.order_id}'")
            if event.workflow_id not in state.workflows:
                return Problem(f"Unknown workflow '{event.workflow_id}'")
        case e.OrderForked():
            if any(c.order_id in state.orders for c in event.children):
                return Problem(f"Forked child order exists already: {order.id}")
        case e.OrderLocksAcquired():
            if not state.demands_available(event.demands, order.id):
                return inapplicable(event, order)
        case e.OrderLocksReleased():
            if any(order.id not in state.lock_state(p).holders for p in event.lock_paths):
                return inapplicable(event, order)
    return None


def _side_effects(state: EngineState, before: o.Order, after: o.Order, event: e.Event) -> None:
    match event:
        case e.OrderOrderAdded():
            _add_order(state, event.order_id, added_by_order(event))
        case e.OrderForked():
            for child in event.children:
                state.orders[child.order_id] = forked_child(before, child)
        case e.OrderJoined():
            for child in before.state.children if isinstance(before.state, o.Forked) else ():
                state.orders.pop(child.order_id, None)
        case e.OrderDeleted():
            del state.orders[after.id]
        case e.OrderDetached() if state.role == "agent":
            del state.orders[after.id]  # back at the Controller: the Agent forgets it
        case e.OrderLocksQueued():
            for demand in event.demands:
                queue = state.lock_state(demand.lock_path).queue
                if after.id not in queue:
                    queue.append(after.id)
        case e.OrderLocksAcquired():
            for demand in event.demands:
                lock_state = state.lock_state(demand.lock_path)
                lock_state.holders[after.id] = demand.count
                if after.id in lock_state.queue:
                    lock_state.queue.remove(after.id)
        case e.OrderLocksReleased():
            for path in event.lock_paths:
                state.lock_state(path).holders.pop(after.id, None)
        case e.OrderStateReset() | e.OrderCancelled():
            _forget_waiting(state, before)
        case e.OrderProcessingStarted():
            state.processing_of(after).add(after.id)
            state.agent_processing_of(after).add(after.id)
            if event.subagent_id is not None:
                state.subagent_processing.setdefault(event.subagent_id, set()).add(after.id)
                state.subagent_cursor[event.subagent_bundle_id or ""] = event.subagent_id
        case e.OrderProcessed():
            state.processing_of(after).discard(after.id)
            state.agent_processing_of(after).discard(after.id)
            if isinstance(before.state, o.Processing) and before.state.subagent_id is not None:
                state.subagent_processing.get(before.state.subagent_id, set()).discard(after.id)
        case _:
            _notice_side_effects(state, before, after, event)


def _notice_side_effects(state: EngineState, before: o.Order, after: o.Order, event: e.Event) -> None:
    match event:
        case e.OrderNoticePosted():
            state.notices[event.notice_id] = Notice(id=event.notice_id, end_of_life=event.end_of_life)
            state.announced.discard(event.notice_id)
        case e.OrderNoticeAnnounced():
            state.announced.add(event.notice_id)
        case e.OrderNoticesExpected():
            for notice_id in event.notice_ids:
                state.expecting.setdefault(notice_id, set()).add(after.id)
        case e.OrderNoticesRead():
            _forget_waiting(state, before)
        case e.OrderNoticesConsumptionStarted():
            _forget_waiting(state, before)
            state.consumptions.setdefault(after.id, []).append(event.notice_ids)
        case e.OrderNoticesConsumed():
            stack = state.consumptions.get(after.id) or [()]
            consumed = stack.pop()
            if not stack:
                state.consumptions.pop(after.id, None)
            if not event.failed:
                for notice_id in consumed:
                    state.notices.pop(notice_id, None)


def _forget_waiting(state: EngineState, order: o.Order) -> None:
    if isinstance(order.state, o.ExpectingNotices):
        for notice_id in order.state.notice_ids:
            waiting = state.expecting.get(notice_id)
            if waiting is not None:
                waiting.discard(order.id)
                if not waiting:
                    del state.expecting[notice_id]
    if isinstance(order.state, o.WaitingForLock):
        for lock_state in state.lock_states.values():
            if order.id in lock_state.queue:
                lock_state.queue.remove(order.id)


def forked_child(parent: o.Order, child: o.ForkedChild) -> o.Order:
    """The child order that OrderForked creates."""
    bid = f"fork+{child.branch_id}" if child.branch_id is not None else "fork"
    position = (*parent.position, bid, 0)
    return replace(
        parent,
        id=child.order_id,
        workflow_position=replace(parent.workflow_position, position=position),
        state=o.Ready(),
        arguments={**parent.arguments, **child.arguments},
        parent=parent.id,
        mark=None,
        is_suspended=False,
        is_resumed=False,
        delete_when_terminated=False,
        deletion_marked=False,
        external_order=None,
        inner_block=(),
        stop_positions=(),
    )


def _apply_board_event(state: EngineState, event: e.NoticePosted | e.NoticeDeleted) -> Problem | None:
    if board_of(event.notice_id) not in state.boards:
        return Problem(f"Unknown notice board in {list(event.notice_id)}")
    if isinstance(event, e.NoticePosted):
        state.notices[event.notice_id] = Notice(id=event.notice_id, end_of_life=event.end_of_life)
        state.announced.discard(event.notice_id)
    elif state.notices.pop(event.notice_id, None) is None:
        return Problem(f"Unknown notice {list(event.notice_id)}")
    return None
