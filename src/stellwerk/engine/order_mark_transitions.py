"""Per-order transitions of the events that commands cause: cancel, suspend, resume, go (JS7 Order.applyEvent)."""

from __future__ import annotations

from msgspec.structs import replace

from stellwerk.engine.history import apply_history_operations
from stellwerk.engine.order_transition_rules import Transition, inapplicable, moved_to, need, with_outcome
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import HistoricOutcome, Killed, Succeeded
from stellwerk.model.problems import Problem

# States a resume brings back (with the suspended flag); FailedWhileFresh and FailedInFork are not resumable.
RESUMABLE = (o.Failed, o.Stopped, o.StoppedWhileFresh, o.Broken)
# Time-based waits that GoOrder ends (a Fresh order only when it is scheduled).
GO_COMMANDABLE = (o.Fresh, o.DelayingRetry, o.Sleeping, o.BetweenCycles, o.WaitingForAdmission)


def _cancellation_marked(order: o.Order, event: e.OrderCancellationMarked) -> o.Order | Problem:
    return replace(order, mark=o.Cancelling(mode=event.mode))


def _cancelled(order: o.Order, event: e.OrderCancelled) -> o.Order | Problem:
    if not order.is_detached or isinstance(order.state, o.Processing | o.Forked):
        return inapplicable(event, order)
    return replace(order, state=o.Cancelled(), mark=None, is_suspended=False)


def _suspension_marked(order: o.Order, event: e.OrderSuspensionMarked) -> o.Order | Problem:
    if isinstance(order.mark, o.Cancelling) or isinstance(order.state, o.FAILED_STATES):
        return inapplicable(event, order)
    return replace(order, mark=o.Suspending(mode=event.mode))


def _state_reset(order: o.Order, event: e.OrderStateReset) -> o.Order | Problem:
    if not isinstance(order.state, o.RESETTABLE):
        return inapplicable(event, order)
    return replace(order, state=o.Ready())


def _suspended(order: o.Order, event: e.OrderSuspended) -> o.Order | Problem:
    if problem := need(order, event, (o.Fresh, o.Ready, o.ProcessingKilled), detached=True):
        return problem
    state = o.Ready() if isinstance(order.state, o.ProcessingKilled) else order.state
    return replace(order, state=state, is_suspended=True, mark=None, is_resumed=False)


def _resumption_marked(order: o.Order, event: e.OrderResumptionMarked) -> o.Order | Problem:
    """On a suspended or failed order the resumption waits; on an order still suspending it undoes that mark."""
    if order.is_suspended or isinstance(order.state, RESUMABLE):
        mark = o.Resuming(
            position=event.position,
            history_operations=event.history_operations,
            as_succeeded=event.as_succeeded,
            restart_killed_job=event.restart_killed_job,
        )
        return replace(order, mark=mark)
    if isinstance(order.mark, o.Suspending):
        return replace(order, mark=None)
    return inapplicable(event, order)


def _resumed(order: o.Order, event: e.OrderResumed) -> o.Order | Problem:
    if not (order.is_suspended or isinstance(order.state, RESUMABLE)) or not order.is_detached:
        return inapplicable(event, order)
    state: o.OrderState = order.state
    if isinstance(state, o.StoppedWhileFresh):
        state = o.Fresh()
    elif isinstance(state, RESUMABLE):
        state = o.Ready()
    historic = _history_after(order, event)
    resumed = replace(
        order, state=state, is_suspended=False, is_resumed=True, mark=None, historic_outcomes=historic
    )
    if event.position is not None:
        resumed = moved_to(resumed, event.position)
    if event.as_succeeded:
        resumed = with_outcome(resumed, Succeeded())
    return resumed


def _history_after(order: o.Order, event: e.OrderResumed) -> tuple[HistoricOutcome, ...]:
    historic = order.historic_outcomes
    if event.restart_killed_job and historic and isinstance(historic[-1].outcome, Killed):
        historic = historic[:-1]
    return apply_history_operations(historic, event.history_operations)


def _go_marked(order: o.Order, event: e.OrderGoMarked) -> o.Order | Problem:
    return need(order, event, GO_COMMANDABLE) or replace(order, mark=o.Go(position=event.position))


def _goes(order: o.Order, event: e.OrderGoes) -> o.Order | Problem:
    """The wait ends; the events that follow (OrderStarted, OrderAwoke, OrderMoved, OrderCycleStarted) move on."""
    if problem := need(order, event, GO_COMMANDABLE):
        return problem
    if isinstance(order.state, o.Fresh):
        return replace(order, scheduled_for=None, mark=None)
    return replace(order, mark=None)


def _unchanged(order: o.Order, event: e.Event) -> o.Order | Problem:
    return order


MARK_TRANSITIONS: dict[type, Transition] = {
    e.OrderCancellationMarked: _cancellation_marked,
    e.OrderCancellationMarkedOnAgent: _unchanged,
    e.OrderCancelled: _cancelled,
    e.OrderSuspensionMarked: _suspension_marked,
    e.OrderSuspensionMarkedOnAgent: _unchanged,
    e.OrderStateReset: _state_reset,
    e.OrderSuspended: _suspended,
    e.OrderResumptionMarked: _resumption_marked,
    e.OrderResumed: _resumed,
    e.OrderGoMarked: _go_marked,
    e.OrderGoes: _goes,
}
