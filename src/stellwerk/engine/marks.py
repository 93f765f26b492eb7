"""Marks set by commands (cancel, suspend, resume, go) take effect when the order reaches a point that allows it.

Cancelling a Forked parent only marks it (as JS7 does): its children go on, and the parent is cancelled after
they have joined. A started order waiting at the end of a block (e.g. a fork child waiting for its join, or an
order at the workflow's end) is not cancelled there; it moves on, or finishes, first.
"""

from __future__ import annotations

from msgspec import structs

from stellwerk.engine.instructions.end import leave_blocks_events
from stellwerk.engine.instructions.retry import awake_events
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import Killed
from stellwerk.model.position import next_position

# States that a cancellation ends at once (JS7 Order.isCancelable, plus Sleeping and StoppedWhileFresh).
CANCELLABLE = (
    o.Fresh, o.Ready, o.ProcessingKilled, o.WaitingForLock, o.Prompting, o.ExpectingNotices, o.BetweenCycles,
    o.DelayingRetry, o.Sleeping, o.WaitingForAdmission, o.Failed, o.FailedWhileFresh, o.Stopped,
    o.StoppedWhileFresh, o.Broken,
)  # fmt: skip


def mark_events(step: Step) -> Events | None:
    """The events a mark causes now; None when the order has no mark or the mark must wait."""
    match step.order.mark:
        case o.Cancelling():
            return _cancel(step)
        case o.Suspending():
            return _suspend(step)
        case o.Resuming():
            return _resume(step)
        case o.Go():
            return _go(step)
    return None


def cancellable_now(step: Step) -> bool:
    """True if a cancellation can end the order now (after detaching). JS7 isOrderCancelable."""
    order = step.order
    if not isinstance(order.state, CANCELLABLE):
        return False
    started = not isinstance(order.state, o.Fresh | o.FailedWhileFresh | o.StoppedWhileFresh)
    at_end = isinstance(step.instruction, i.ImplicitEnd)
    halted = order.is_suspended or isinstance(order.state, o.Stopped | o.Failed | o.Broken)
    return not started or not at_end or halted


def _cancel(step: Step) -> Events | None:
    if not cancellable_now(step):
        return None
    if not step.order.is_detached:
        return _detach_first(step.order)
    return cancel_events(step)


def _detach_first(order: o.Order) -> Events:
    # Attaching or Detaching: the hand-over completes first (see source._attachment_handshake).
    return [e.OrderDetachable()] if order.is_attached else []


def cancel_events(step: Step) -> Events:
    """Leave waiting states and blocks, then OrderCancelled (the order is detached)."""
    order = step.order
    reset: Events = [e.OrderStateReset()] if isinstance(order.state, o.RESETTABLE) else []
    return [*reset, *leave_blocks_events(step, order.position), e.OrderCancelled()]


def suspendible_now(order: o.Order) -> bool:
    """Fresh or Ready, or killed by a suspension with kill (JS7 isSuspendibleNow)."""
    if isinstance(order.state, o.Fresh | o.Ready):
        return True
    mark = order.mark
    with_kill = isinstance(mark, o.Suspending) and mark.mode.kill is not None
    return isinstance(order.state, o.ProcessingKilled) and with_kill


def suspend_events(order: o.Order, mode: o.SuspensionMode) -> Events | None:
    """[OrderStateReset?, OrderSuspended] for a detached order that can be suspended now, else None."""
    reset = mode.reset_state and isinstance(order.state, o.RESETTABLE)
    if not order.is_detached or not (reset or suspendible_now(order)):
        return None
    return [e.OrderStateReset(), e.OrderSuspended()] if reset else [e.OrderSuspended()]


def _suspend(step: Step) -> Events | None:
    order = step.order
    assert isinstance(order.mark, o.Suspending)
    reset = order.mark.mode.reset_state and isinstance(order.state, o.RESETTABLE)
    if not (reset or suspendible_now(order)):
        return None
    if not order.is_detached:
        return _detach_first(order)
    return suspend_events(order, order.mark.mode)


def _resume(step: Step) -> Events | None:
    order = step.order
    mark = order.mark
    assert isinstance(mark, o.Resuming)
    if not (order.is_suspended or isinstance(order.state, o.FAILED_STATES)):
        return None
    if not order.is_detached:
        return _detach_first(order)
    return [resumed(mark)]


def resumed(mark: o.Resuming) -> e.OrderResumed:
    """The event that carries out a resumption mark (same fields)."""
    return e.OrderResumed(**structs.asdict(mark))


def _go(step: Step) -> Events | None:
    mark = step.order.mark
    assert isinstance(mark, o.Go)
    return go_events(step) if step.order.position == mark.position else None


def go_events(step: Step) -> Events | None:
    """OrderGoes and what follows at once, for an order in a time-based wait; None if it does not wait so."""
    order = step.order
    match order.state:
        case o.Fresh() if order.scheduled_for is not None:
            return [e.OrderGoes(), e.OrderStarted()]
        case o.DelayingRetry():
            return [e.OrderGoes(), *awake_events(step)]
        case o.Sleeping():
            return [e.OrderGoes(), e.OrderAwoke(), e.OrderMoved(to=next_position(order.position))]
        case o.WaitingForAdmission():
            return [e.OrderGoes(), e.OrderMoved(to=(*order.position, "admissionTime", 0))]
        case o.BetweenCycles(cycle_state=cycle_state) if cycle_state is not None:
            return [e.OrderGoes(), e.OrderCycleStarted()]
    return None


def restarts_killed_job(order: o.Order, job_restartable: bool) -> bool:
    """JS7's default for ResumeOrder without restartKilledJob: restart a killed job if it may be restarted."""
    return isinstance(order.last_outcome(), Killed) and job_restartable
