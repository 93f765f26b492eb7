"""Marks set by commands (cancel, suspend, resume) take effect when the order reaches a point that allows it."""

from __future__ import annotations

from stellwerk.engine.instructions.end import leave_blocks_events
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import order as o


def mark_events(step: Step) -> Events | None:
    """The events a mark causes now; None when the order has no mark or the mark must wait."""
    order = step.order
    match order.mark:
        case o.Cancelling():
            return _cancel(step)
        case o.Suspending():
            return _suspend(step)
        case o.Resuming():
            return _resume(step)
    return None


def cancellable_now(order: o.Order) -> bool:
    return not isinstance(order.state, o.Processing | o.Forked | o.Processed) and not order.is_terminated


def _cancel(step: Step) -> Events | None:
    order = step.order
    if isinstance(order.state, o.Processed | o.Processing | o.Forked):
        return None
    if not order.is_detached:
        return [e.OrderDetachable()] if order.is_attached else []
    return cancel_events(step)


def cancel_events(step: Step) -> Events:
    """Leave waiting states and blocks, then OrderCancelled (the order is detached)."""
    order = step.order
    reset: Events = [e.OrderStateReset()] if isinstance(order.state, o.RESETTABLE) else []
    return [*reset, *leave_blocks_events(step, order.position), e.OrderCancelled()]


def _suspend(step: Step) -> Events | None:
    order = step.order
    if not isinstance(order.state, o.Fresh | o.Ready | o.ProcessingKilled):
        return None
    if not order.is_detached:
        return [e.OrderDetachable()] if order.is_attached else []
    return [e.OrderSuspended()]


def _resume(step: Step) -> Events | None:
    order = step.order
    mark = order.mark
    assert isinstance(mark, o.Resuming)
    if not order.is_detached:
        return [e.OrderDetachable()] if order.is_attached else []
    if not (order.is_suspended or isinstance(order.state, o.FAILED_STATES)):
        return None
    return [
        e.OrderResumed(
            position=mark.position,
            history_operations=mark.history_operations,
            as_succeeded=mark.as_succeeded,
            restart_killed_job=mark.restart_killed_job,
        )
    ]
