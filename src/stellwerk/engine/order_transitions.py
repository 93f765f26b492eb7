"""How one event changes one order: `apply_order_event(order, event) -> Order | Problem` (JS7 Order.applyEvent).

Preconditions are checked; an inapplicable event returns a Problem and changes nothing.
Effects on other orders and on locks and boards are in `stellwerk.engine.apply`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msgspec.structs import replace

from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import Caught, HistoricOutcome, Killed, Outcome, Succeeded, is_succeeded
from stellwerk.model.position import Position
from stellwerk.model.problems import Problem

_MOVABLE = (o.Fresh, o.Ready, o.Processed, o.BetweenCycles, o.Sleeping, o.WaitingForAdmission)
_FAILABLE = (o.Fresh, o.Ready, o.Processed, o.ProcessingKilled, o.Broken)
_DETACHABLE = (
    o.Fresh, o.Ready, o.Processed, o.ProcessingKilled, o.DelayingRetry, o.Forked, o.BetweenCycles,
    o.Sleeping, o.Broken, o.Failed, o.FailedInFork, o.Stopped, o.StoppedWhileFresh, o.FailedWhileFresh,
)  # fmt: skip
_RESUMABLE = (o.Failed, o.Stopped, o.StoppedWhileFresh, o.Broken, o.FailedWhileFresh)


def inapplicable(event: e.Event, order: o.Order) -> Problem:
    state = type(order.state).__name__
    return Problem(f"Event {type(event).__name__} is not applicable to order '{order.id}' in state {state}")


def _at(order: o.Order, position: Position, **changes: Any) -> o.Order:
    return replace(order, workflow_position=replace(order.workflow_position, position=position), **changes)


def _with_outcome(order: o.Order, outcome: Outcome, **changes: Any) -> o.Order:
    historic = (*order.historic_outcomes, HistoricOutcome(order.position, outcome))
    return replace(order, historic_outcomes=historic, **changes)


def _need(
    order: o.Order, event: e.Event, states: tuple[type, ...], *, detached: bool | None = None
) -> Problem | None:
    if not isinstance(order.state, states):
        return inapplicable(event, order)
    if detached is True and not order.is_detached:
        return inapplicable(event, order)
    if detached is False and order.is_detached:
        return inapplicable(event, order)
    return None


Transition = Callable[[o.Order, Any], "o.Order | Problem"]


def _started(order: o.Order, event: e.OrderStarted) -> o.Order | Problem:
    return _need(order, event, (o.Fresh,)) or replace(order, state=o.Ready(), scheduled_for=None)


def _moved(order: o.Order, event: e.OrderMoved) -> o.Order | Problem:
    if problem := _need(order, event, _MOVABLE):
        return problem
    state = order.state if isinstance(order.state, o.Fresh) else o.Ready()
    return _at(order, event.to, state=state)


def _processing_started(order: o.Order, event: e.OrderProcessingStarted) -> o.Order | Problem:
    state = o.Processing(
        subagent_id=event.subagent_id,
        subagent_bundle_id=event.subagent_bundle_id,
        end_of_admission_period=event.end_of_admission_period,
    )
    return _need(order, event, (o.Ready,), detached=False) or replace(order, state=state)


def _processed(order: o.Order, event: e.OrderProcessed) -> o.Order | Problem:
    problem = _need(order, event, (o.Processing,))
    return problem or _with_outcome(order, event.outcome, state=o.Processed())


def _processing_killed(order: o.Order, event: e.OrderProcessingKilled) -> o.Order | Problem:
    killed = isinstance(order.last_outcome(), Killed)
    if not isinstance(order.state, o.Processed) or not killed:
        return inapplicable(event, order)
    return replace(order, state=o.ProcessingKilled())


def _output(order: o.Order, event: e.Event) -> o.Order | Problem:
    return _need(order, event, (o.Processing,)) or order


def _outcome_added(order: o.Order, event: e.OrderOutcomeAdded) -> o.Order | Problem:
    return _with_outcome(order, event.outcome)


def _failed(order: o.Order, event: e.OrderFailed) -> o.Order | Problem:
    if problem := _need(order, event, _FAILABLE, detached=True):
        return problem
    state = o.FailedWhileFresh() if isinstance(order.state, o.Fresh) else o.Failed()
    return _at(order, event.moved_to, state=state)


def _failed_in_fork(order: o.Order, event: e.OrderFailedInFork) -> o.Order | Problem:
    problem = _need(order, event, _FAILABLE, detached=True)
    return problem or _at(order, event.moved_to, state=o.FailedInFork())


def _caught(order: o.Order, event: e.OrderCaught) -> o.Order | Problem:
    if problem := _need(order, event, _FAILABLE):
        return problem
    state = order.state if isinstance(order.state, o.Fresh) else o.Ready()
    return _with_outcome(_at(order, event.moved_to, state=state), Caught())


def _retrying(order: o.Order, event: e.OrderRetrying) -> o.Order | Problem:
    if problem := _need(order, event, (o.Ready,)):
        return problem
    if event.delayed_until is not None:
        return replace(order, state=o.DelayingRetry(until=event.delayed_until))
    return _at(order, event.moved_to, state=o.Ready()) if event.moved_to is not None else order


def _awoke(order: o.Order, event: e.OrderAwoke) -> o.Order | Problem:
    return _need(order, event, (o.DelayingRetry,)) or replace(order, state=o.Ready())


def _stopped(order: o.Order, event: e.OrderStopped) -> o.Order | Problem:
    if problem := _need(order, event, _FAILABLE, detached=True):
        return problem
    state = o.StoppedWhileFresh() if isinstance(order.state, o.Fresh) else o.Stopped()
    return replace(order, state=state)


def _finished(order: o.Order, event: e.OrderFinished) -> o.Order | Problem:
    problem = _need(order, event, (o.Ready, o.Fresh), detached=True)
    return problem or replace(order, state=o.Finished(outcome=event.outcome), mark=None)


def _cancelled(order: o.Order, event: e.OrderCancelled) -> o.Order | Problem:
    if order.is_terminated or not order.is_detached or isinstance(order.state, o.Processing | o.Forked):
        return inapplicable(event, order)
    return replace(order, state=o.Cancelled(), mark=None, is_suspended=False)


def _deleted(order: o.Order, event: e.OrderDeleted) -> o.Order | Problem:
    return order if order.is_terminated else inapplicable(event, order)


def _deletion_marked(order: o.Order, event: e.OrderDeletionMarked) -> o.Order | Problem:
    return replace(order, deletion_marked=True)


def _attachable(order: o.Order, event: e.OrderAttachable) -> o.Order | Problem:
    problem = _need(order, event, (o.Fresh, o.Ready, o.Forked), detached=True)
    return problem or replace(order, attached_state=o.Attaching(agent_path=event.agent_path))


def _attached(order: o.Order, event: e.OrderAttached) -> o.Order | Problem:
    if (
        not isinstance(order.attached_state, o.Attaching)
        or order.attached_state.agent_path != event.agent_path
    ):
        return inapplicable(event, order)
    return replace(order, attached_state=o.Attached(agent_path=event.agent_path))


def _detachable(order: o.Order, event: e.OrderDetachable) -> o.Order | Problem:
    if problem := _need(order, event, _DETACHABLE, detached=False):
        return problem
    if not isinstance(order.attached_state, o.Attached):
        return inapplicable(event, order)
    return replace(order, attached_state=o.Detaching(agent_path=order.attached_state.agent_path))


def _detached(order: o.Order, event: e.OrderDetached) -> o.Order | Problem:
    if not isinstance(order.attached_state, o.Detaching):
        return inapplicable(event, order)
    return replace(order, attached_state=None)


def _forked(order: o.Order, event: e.OrderForked) -> o.Order | Problem:
    return _need(order, event, (o.Ready,)) or replace(order, state=o.Forked(children=event.children))


def _joined(order: o.Order, event: e.OrderJoined) -> o.Order | Problem:
    problem = _need(order, event, (o.Forked,), detached=True)
    return problem or _with_outcome(order, event.outcome, state=o.Processed())


def _locks_queued(order: o.Order, event: e.OrderLocksQueued) -> o.Order | Problem:
    return _need(order, event, (o.Ready,), detached=True) or replace(order, state=o.WaitingForLock())


def _locks_acquired(order: o.Order, event: e.OrderLocksAcquired) -> o.Order | Problem:
    if problem := _need(order, event, (o.Ready, o.WaitingForLock), detached=True):
        return problem
    return _at(order, (*order.position, "lock", 0), state=o.Ready())


def _locks_released(order: o.Order, event: e.OrderLocksReleased) -> o.Order | Problem:
    return _leave_block(order, event, "lock")


def _leave_block(order: o.Order, event: e.Event, kind: str) -> o.Order | Problem:
    """Leaving a lock or consumeNotices block: normally to the next instruction; on failure stay put."""
    if not order.is_detached:
        return inapplicable(event, order)
    pos = order.position
    for i in range(len(pos) - 2, 0, -2):
        if pos[i] == kind:
            if _failing(order):
                return order
            n = pos[i - 1]
            assert isinstance(n, int)
            return _at(order, (*pos[: i - 1], n + 1), state=o.Ready())
    return inapplicable(event, order)


def _failing(order: o.Order) -> bool:
    last = order.last_outcome()
    return last is not None and not is_succeeded(last)


def _notices_expected(order: o.Order, event: e.OrderNoticesExpected) -> o.Order | Problem:
    problem = _need(order, event, (o.Ready,), detached=True)
    return problem or replace(order, state=o.ExpectingNotices(notice_ids=event.notice_ids))


def _notices_read(order: o.Order, event: e.OrderNoticesRead) -> o.Order | Problem:
    return _need(order, event, (o.Ready, o.ExpectingNotices), detached=True) or replace(
        order, state=o.Ready()
    )


def _consumption_started(order: o.Order, event: e.OrderNoticesConsumptionStarted) -> o.Order | Problem:
    if problem := _need(order, event, (o.Ready, o.ExpectingNotices), detached=True):
        return problem
    return _at(order, (*order.position, "consumeNotices", 0), state=o.Ready())


def _notices_consumed(order: o.Order, event: e.OrderNoticesConsumed) -> o.Order | Problem:
    return _leave_block(order, event, "consumeNotices")


def _prompted(order: o.Order, event: e.OrderPrompted) -> o.Order | Problem:
    problem = _need(order, event, (o.Ready,), detached=True)
    return problem or replace(order, state=o.Prompting(question=event.question))


def _prompt_answered(order: o.Order, event: e.OrderPromptAnswered) -> o.Order | Problem:
    return _need(order, event, (o.Prompting,)) or replace(order, state=o.Ready())


def _cycling_prepared(order: o.Order, event: e.OrderCyclingPrepared) -> o.Order | Problem:
    problem = _need(order, event, (o.Ready, o.BetweenCycles))
    return problem or replace(order, state=o.BetweenCycles(cycle_state=event.cycle_state))


def _cycle_started(order: o.Order, event: e.OrderCycleStarted) -> o.Order | Problem:
    from stellwerk.calendar.cycle_branch import cycle_branch_id

    if not isinstance(order.state, o.BetweenCycles) or order.state.cycle_state is None:
        return inapplicable(event, order)
    bid = cycle_branch_id(order.state.cycle_state)
    return _at(order, (*order.position, bid, 0), state=o.Ready())


def _cycle_finished(order: o.Order, event: e.OrderCycleFinished) -> o.Order | Problem:
    if problem := _need(order, event, (o.Ready,)):
        return problem
    pos = order.position
    cycle_at = pos[:-2]
    if len(pos) < 3 or not isinstance(pos[-2], str) or not pos[-2].startswith("cycle"):
        return inapplicable(event, order)
    return _at(order, cycle_at, state=o.BetweenCycles(cycle_state=event.cycle_state))


def _sticky_entered(order: o.Order, event: e.OrderStickySubagentEntered) -> o.Order | Problem:
    if problem := _need(order, event, (o.Ready, o.Fresh)):
        return problem
    entry = o.StickySubagentEntry(agent_path=event.agent_path, subagent_bundle_id=event.subagent_bundle_id)
    return _at(
        order, (*order.position, "stickySubagent", 0), sticky_subagents=(entry, *order.sticky_subagents)
    )


def _sticky_leaved(order: o.Order, event: e.OrderStickySubagentLeaved) -> o.Order | Problem:
    if not order.sticky_subagents:
        return inapplicable(event, order)
    return replace(order, sticky_subagents=order.sticky_subagents[1:])


def _sleeping(order: o.Order, event: e.OrderSleeping) -> o.Order | Problem:
    problem = _need(order, event, (o.Ready,))
    return problem or replace(order, state=o.Sleeping(until=event.until, cause=event.cause))


def _waiting_for_admission(order: o.Order, event: e.OrderWaitingForAdmission) -> o.Order | Problem:
    problem = _need(order, event, (o.Ready, o.Fresh), detached=True)
    return problem or replace(order, state=o.WaitingForAdmission(until=event.until))


def _broken(order: o.Order, event: e.OrderBroken) -> o.Order | Problem:
    if order.is_terminated:
        return inapplicable(event, order)
    return replace(order, state=o.Broken(problem=event.problem))


def _cancellation_marked(order: o.Order, event: e.OrderCancellationMarked) -> o.Order | Problem:
    if order.is_terminated:
        return inapplicable(event, order)
    return replace(order, mark=o.Cancelling(mode=event.mode))


def _suspension_marked(order: o.Order, event: e.OrderSuspensionMarked) -> o.Order | Problem:
    if order.is_terminated or isinstance(order.mark, o.Cancelling):
        return inapplicable(event, order)
    return replace(order, mark=o.Suspending(mode=event.mode))


def _state_reset(order: o.Order, event: e.OrderStateReset) -> o.Order | Problem:
    if not isinstance(order.state, o.RESETTABLE):
        return inapplicable(event, order)
    return replace(order, state=o.Ready())


def _suspended(order: o.Order, event: e.OrderSuspended) -> o.Order | Problem:
    if problem := _need(order, event, (o.Fresh, o.Ready, o.ProcessingKilled), detached=True):
        return problem
    state = o.Ready() if isinstance(order.state, o.ProcessingKilled) else order.state
    return replace(order, state=state, is_suspended=True, mark=None, is_resumed=False)


def _resumption_marked(order: o.Order, event: e.OrderResumptionMarked) -> o.Order | Problem:
    mark = o.Resuming(
        position=event.position,
        history_operations=event.history_operations,
        as_succeeded=event.as_succeeded,
        restart_killed_job=event.restart_killed_job,
    )
    return replace(order, mark=mark)


def _resumed(order: o.Order, event: e.OrderResumed) -> o.Order | Problem:
    if not (order.is_suspended or isinstance(order.state, _RESUMABLE)) or not order.is_detached:
        return inapplicable(event, order)
    state: o.OrderState = order.state
    if isinstance(state, o.StoppedWhileFresh | o.FailedWhileFresh):
        state = o.Fresh()
    elif isinstance(state, _RESUMABLE):
        state = o.Ready()
    historic = _history_after(order, event)
    resumed = replace(
        order, state=state, is_suspended=False, is_resumed=True, mark=None, historic_outcomes=historic
    )
    if event.position is not None:
        resumed = _at(resumed, event.position)
    if event.as_succeeded:
        resumed = _with_outcome(resumed, Succeeded())
    return resumed


def _history_after(order: o.Order, event: e.OrderResumed) -> tuple[HistoricOutcome, ...]:
    from stellwerk.engine.history import apply_history_operations

    historic = order.historic_outcomes
    if event.restart_killed_job and historic and isinstance(historic[-1].outcome, Killed):
        historic = historic[:-1]
    return apply_history_operations(historic, event.history_operations)


def _go_marked(order: o.Order, event: e.OrderGoMarked) -> o.Order | Problem:
    return replace(order, mark=o.Go(position=event.position))


def _goes(order: o.Order, event: e.OrderGoes) -> o.Order | Problem:
    waiting = (o.Fresh, o.DelayingRetry, o.Sleeping, o.BetweenCycles, o.WaitingForAdmission)
    if problem := _need(order, event, waiting):
        return problem
    match order.state:
        case o.Fresh():
            return replace(order, scheduled_for=None, mark=None)
        case o.BetweenCycles(cycle_state=o_state) if o_state is not None:
            return replace(order, mark=None)
    return replace(order, state=o.Ready(), mark=None)


def _transferred(order: o.Order, event: e.OrderTransferred) -> o.Order | Problem:
    return replace(order, workflow_position=event.workflow_position)


def _priority_changed(order: o.Order, event: e.OrderPriorityChanged) -> o.Order | Problem:
    return replace(order, priority=event.priority)


def _external_vanished(order: o.Order, event: e.OrderExternalVanished) -> o.Order | Problem:
    if order.external_order is None:
        return inapplicable(event, order)
    return replace(order, external_order=replace(order.external_order, vanished=True))


def _unchanged(order: o.Order, event: e.Event) -> o.Order | Problem:
    return order


_TRANSITIONS: dict[type, Transition] = {
    e.OrderStarted: _started,
    e.OrderMoved: _moved,
    e.OrderProcessingStarted: _processing_started,
    e.OrderProcessed: _processed,
    e.OrderProcessingKilled: _processing_killed,
    e.OrderStdoutWritten: _output,
    e.OrderStderrWritten: _output,
    e.OrderOutcomeAdded: _outcome_added,
    e.OrderFailed: _failed,
    e.OrderFailedInFork: _failed_in_fork,
    e.OrderCaught: _caught,
    e.OrderRetrying: _retrying,
    e.OrderAwoke: _awoke,
    e.OrderStopped: _stopped,
    e.OrderFinished: _finished,
    e.OrderCancelled: _cancelled,
    e.OrderDeleted: _deleted,
    e.OrderDeletionMarked: _deletion_marked,
    e.OrderAttachable: _attachable,
    e.OrderAttached: _attached,
    e.OrderDetachable: _detachable,
    e.OrderDetached: _detached,
    e.OrderForked: _forked,
    e.OrderJoined: _joined,
    e.OrderLocksQueued: _locks_queued,
    e.OrderLocksAcquired: _locks_acquired,
    e.OrderLocksReleased: _locks_released,
    e.OrderNoticeAnnounced: _unchanged,
    e.OrderNoticePosted: _unchanged,
    e.OrderNoticesExpected: _notices_expected,
    e.OrderNoticesRead: _notices_read,
    e.OrderNoticesConsumptionStarted: _consumption_started,
    e.OrderNoticesConsumed: _notices_consumed,
    e.OrderPrompted: _prompted,
    e.OrderPromptAnswered: _prompt_answered,
    e.OrderCyclingPrepared: _cycling_prepared,
    e.OrderCycleStarted: _cycle_started,
    e.OrderCycleFinished: _cycle_finished,
    e.OrderStickySubagentEntered: _sticky_entered,
    e.OrderStickySubagentLeaved: _sticky_leaved,
    e.OrderSleeping: _sleeping,
    e.OrderWaitingForAdmission: _waiting_for_admission,
    e.OrderBroken: _broken,
    e.OrderCancellationMarked: _cancellation_marked,
    e.OrderCancellationMarkedOnAgent: _unchanged,
    e.OrderSuspensionMarked: _suspension_marked,
    e.OrderSuspensionMarkedOnAgent: _unchanged,
    e.OrderStateReset: _state_reset,
    e.OrderSuspended: _suspended,
    e.OrderResumptionMarked: _resumption_marked,
    e.OrderResumed: _resumed,
    e.OrderGoMarked: _go_marked,
    e.OrderGoes: _goes,
    e.OrderTransferred: _transferred,
    e.OrderPriorityChanged: _priority_changed,
    e.OrderExternalVanished: _external_vanished,
    e.OrderOrderAdded: _unchanged,
}


def apply_order_event(order: o.Order, event: e.Event) -> o.Order | Problem:
    """The order after `event`, or a Problem if the event does not apply to the order as it is."""
    if order.is_terminated and not isinstance(event, e.OrderDeleted | e.OrderDeletionMarked):
        return inapplicable(event, order)
    transition = _TRANSITIONS.get(type(event))
    if transition is None:
        return inapplicable(event, order)
    return transition(order, event)
