"""How one event changes one order: `apply_order_event(order, event) -> Order | Problem` (JS7 Order.applyEvent).

Preconditions are checked; an inapplicable event returns a Problem and changes nothing.
Effects on other orders and on locks and boards are in `stellwerk.engine.apply`.
"""

from __future__ import annotations

from msgspec.structs import replace

from stellwerk.calendar.cycle_branch import cycle_branch_id
from stellwerk.engine.order_mark_transitions import MARK_TRANSITIONS
from stellwerk.engine.order_transition_rules import Transition, inapplicable, moved_to, need, with_outcome
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import Caught, Killed
from stellwerk.model.problems import Problem

__all__ = ["apply_order_event", "inapplicable"]

_MOVABLE = (o.Fresh, o.Ready, o.Processed, o.BetweenCycles, o.Sleeping, o.WaitingForAdmission)
_FAILABLE = (o.Fresh, o.Ready, o.Processed, o.ProcessingKilled, o.Broken)
_DETACHABLE = (
    o.Fresh, o.Ready, o.Processed, o.ProcessingKilled, o.DelayingRetry, o.Forked, o.BetweenCycles,
    o.Sleeping, o.Broken, o.Failed, o.FailedInFork, o.Stopped, o.StoppedWhileFresh, o.FailedWhileFresh,
)  # fmt: skip


def _started(order: o.Order, event: e.OrderStarted) -> o.Order | Problem:
    return need(order, event, (o.Fresh,)) or replace(order, state=o.Ready())


def _moved(order: o.Order, event: e.OrderMoved) -> o.Order | Problem:
    if problem := need(order, event, _MOVABLE):
        return problem
    state = order.state if isinstance(order.state, o.Fresh) else o.Ready()
    # A resumed order passes its breakpoint once (workflow_controls.py); the next one holds it again.
    return moved_to(order, event.to, state=state, is_resumed=False)


def _processing_started(order: o.Order, event: e.OrderProcessingStarted) -> o.Order | Problem:
    state = o.Processing(
        subagent_id=event.subagent_id,
        subagent_bundle_id=event.subagent_bundle_id,
        end_of_admission_period=event.end_of_admission_period,
    )
    problem = need(order, event, (o.Ready,), detached=False)
    if problem is not None:
        return problem
    if event.stick and order.sticky_subagents:
        # The first process inside a StickySubagent block: its Subagent runs the block's later jobs too.
        stuck = replace(order.sticky_subagents[0], stuck_subagent_id=event.subagent_id)
        return replace(order, state=state, sticky_subagents=(stuck, *order.sticky_subagents[1:]))
    return replace(order, state=state)


def _processed(order: o.Order, event: e.OrderProcessed) -> o.Order | Problem:
    problem = need(order, event, (o.Processing,))
    return problem or with_outcome(order, event.outcome, state=o.Processed())


def _processing_killed(order: o.Order, event: e.OrderProcessingKilled) -> o.Order | Problem:
    killed = isinstance(order.last_outcome(), Killed)
    if not isinstance(order.state, o.Processed) or not killed:
        return inapplicable(event, order)
    return replace(order, state=o.ProcessingKilled())


def _output(order: o.Order, event: e.Event) -> o.Order | Problem:
    return need(order, event, (o.Processing,)) or order


def _outcome_added(order: o.Order, event: e.OrderOutcomeAdded) -> o.Order | Problem:
    return with_outcome(order, event.outcome)


def _failed(order: o.Order, event: e.OrderFailed) -> o.Order | Problem:
    if problem := need(order, event, _FAILABLE, detached=True):
        return problem
    state = o.FailedWhileFresh() if isinstance(order.state, o.Fresh) else o.Failed()
    return moved_to(order, event.moved_to, state=state)


def _failed_in_fork(order: o.Order, event: e.OrderFailedInFork) -> o.Order | Problem:
    problem = need(order, event, _FAILABLE, detached=True)
    return problem or moved_to(order, event.moved_to, state=o.FailedInFork())


def _caught(order: o.Order, event: e.OrderCaught) -> o.Order | Problem:
    if problem := need(order, event, _FAILABLE):
        return problem
    state = order.state if isinstance(order.state, o.Fresh) else o.Ready()
    return with_outcome(moved_to(order, event.moved_to, state=state), Caught())


def _retrying(order: o.Order, event: e.OrderRetrying) -> o.Order | Problem:
    if problem := need(order, event, (o.Ready,)):
        return problem
    if event.delayed_until is not None:
        return replace(order, state=o.DelayingRetry(until=event.delayed_until))
    return moved_to(order, event.moved_to, state=o.Ready()) if event.moved_to is not None else order


def _awoke(order: o.Order, event: e.OrderAwoke) -> o.Order | Problem:
    return need(order, event, (o.DelayingRetry, o.Sleeping)) or replace(order, state=o.Ready())


def _stopped(order: o.Order, event: e.OrderStopped) -> o.Order | Problem:
    if problem := need(order, event, _FAILABLE, detached=True):
        return problem
    state = o.StoppedWhileFresh() if isinstance(order.state, o.Fresh) else o.Stopped()
    return replace(order, state=state)


def _finished(order: o.Order, event: e.OrderFinished) -> o.Order | Problem:
    problem = need(order, event, (o.Ready, o.Fresh), detached=True)
    return problem or replace(order, state=o.Finished(outcome=event.outcome), mark=None)


def _deleted(order: o.Order, event: e.OrderDeleted) -> o.Order | Problem:
    return order if order.is_terminated else inapplicable(event, order)


def _deletion_marked(order: o.Order, event: e.OrderDeletionMarked) -> o.Order | Problem:
    return replace(order, deletion_marked=True)


def _attachable(order: o.Order, event: e.OrderAttachable) -> o.Order | Problem:
    problem = need(order, event, (o.Fresh, o.Ready, o.Forked), detached=True)
    return problem or replace(order, attached_state=o.Attaching(agent_path=event.agent_path))


def _attached(order: o.Order, event: e.OrderAttached) -> o.Order | Problem:
    if (
        not isinstance(order.attached_state, o.Attaching)
        or order.attached_state.agent_path != event.agent_path
    ):
        return inapplicable(event, order)
    return replace(order, attached_state=o.Attached(agent_path=event.agent_path))


def _detachable(order: o.Order, event: e.OrderDetachable) -> o.Order | Problem:
    if problem := need(order, event, _DETACHABLE, detached=False):
        return problem
    if not isinstance(order.attached_state, o.Attached):
        return inapplicable(event, order)
    return replace(order, attached_state=o.Detaching(agent_path=order.attached_state.agent_path))


def _detached(order: o.Order, event: e.OrderDetached) -> o.Order | Problem:
    """From Detaching; or, when the Controller takes an order back from an Agent it resets, from any attached
    state in which the order can leave (not while a job runs)."""
    if isinstance(order.attached_state, o.Detaching):
        return replace(order, attached_state=None)
    if problem := need(order, event, _DETACHABLE, detached=False):
        return problem
    return replace(order, attached_state=None)


def _forked(order: o.Order, event: e.OrderForked) -> o.Order | Problem:
    return need(order, event, (o.Ready,)) or replace(order, state=o.Forked(children=event.children))


def _joined(order: o.Order, event: e.OrderJoined) -> o.Order | Problem:
    problem = need(order, event, (o.Forked,), detached=True)
    return problem or with_outcome(order, event.outcome, state=o.Processed())


def _locks_queued(order: o.Order, event: e.OrderLocksQueued) -> o.Order | Problem:
    return need(order, event, (o.Ready,), detached=True) or replace(order, state=o.WaitingForLock())


def _locks_acquired(order: o.Order, event: e.OrderLocksAcquired) -> o.Order | Problem:
    if problem := need(order, event, (o.Ready, o.WaitingForLock), detached=True):
        return problem
    return moved_to(order, (*order.position, "lock", 0), state=o.Ready())


def _locks_released(order: o.Order, event: e.OrderLocksReleased) -> o.Order | Problem:
    return _leave_block(order, event, "lock")


def _leave_block(order: o.Order, event: e.Event, kind: str) -> o.Order | Problem:
    """Leaving a lock or consumeNotices block, normally or by failure, continues after its instruction (JS7)."""
    if not order.is_detached:
        return inapplicable(event, order)
    pos = order.position
    for i in range(len(pos) - 2, 0, -2):
        if pos[i] == kind:
            n = pos[i - 1]
            assert isinstance(n, int)
            return moved_to(order, (*pos[: i - 1], n + 1), state=o.Ready())
    return inapplicable(event, order)


def _notices_expected(order: o.Order, event: e.OrderNoticesExpected) -> o.Order | Problem:
    problem = need(order, event, (o.Ready,), detached=True)
    return problem or replace(order, state=o.ExpectingNotices(notice_ids=event.notice_ids))


def _notices_read(order: o.Order, event: e.OrderNoticesRead) -> o.Order | Problem:
    return need(order, event, (o.Ready, o.ExpectingNotices), detached=True) or replace(order, state=o.Ready())


def _consumption_started(order: o.Order, event: e.OrderNoticesConsumptionStarted) -> o.Order | Problem:
    if problem := need(order, event, (o.Ready, o.ExpectingNotices), detached=True):
        return problem
    return moved_to(order, (*order.position, "consumeNotices", 0), state=o.Ready())


def _notices_consumed(order: o.Order, event: e.OrderNoticesConsumed) -> o.Order | Problem:
    return _leave_block(order, event, "consumeNotices")


def _prompted(order: o.Order, event: e.OrderPrompted) -> o.Order | Problem:
    problem = need(order, event, (o.Ready,), detached=True)
    return problem or replace(order, state=o.Prompting(question=event.question))


def _prompt_answered(order: o.Order, event: e.OrderPromptAnswered) -> o.Order | Problem:
    return need(order, event, (o.Prompting,)) or replace(order, state=o.Ready())


def _cycling_prepared(order: o.Order, event: e.OrderCyclingPrepared) -> o.Order | Problem:
    problem = need(order, event, (o.Ready, o.BetweenCycles))
    return problem or replace(order, state=o.BetweenCycles(cycle_state=event.cycle_state))


def _cycle_started(order: o.Order, event: e.OrderCycleStarted) -> o.Order | Problem:
    if not isinstance(order.state, o.BetweenCycles) or order.state.cycle_state is None:
        return inapplicable(event, order)
    # JS7 writes the cycle's planned time plus the skipped (Ticking) time into the branch id; skipped in seconds.
    started = order.state.cycle_state
    if event.skipped:
        started = replace(started, next=started.next + event.skipped * 1000)
    bid = cycle_branch_id(started)
    return moved_to(order, (*order.position, bid, 0), state=o.Ready())


def _cycle_finished(order: o.Order, event: e.OrderCycleFinished) -> o.Order | Problem:
    if problem := need(order, event, (o.Ready,)):
        return problem
    pos = order.position
    cycle_at = pos[:-2]
    if len(pos) < 3 or not isinstance(pos[-2], str) or not pos[-2].startswith("cycle"):
        return inapplicable(event, order)
    return moved_to(order, cycle_at, state=o.BetweenCycles(cycle_state=event.cycle_state))


def _sticky_entered(order: o.Order, event: e.OrderStickySubagentEntered) -> o.Order | Problem:
    if problem := need(order, event, (o.Ready, o.Fresh)):
        return problem
    entry = o.StickySubagentEntry(agent_path=event.agent_path, subagent_bundle_id=event.subagent_bundle_id)
    return moved_to(
        order, (*order.position, "stickySubagent", 0), sticky_subagents=(entry, *order.sticky_subagents)
    )


def _sticky_leaved(order: o.Order, event: e.OrderStickySubagentLeaved) -> o.Order | Problem:
    if not order.sticky_subagents:
        return inapplicable(event, order)
    return replace(order, sticky_subagents=order.sticky_subagents[1:])


def _sleeping(order: o.Order, event: e.OrderSleeping) -> o.Order | Problem:
    problem = need(order, event, (o.Ready,))
    return problem or replace(order, state=o.Sleeping(until=event.until, cause=event.cause))


def _waiting_for_admission(order: o.Order, event: e.OrderWaitingForAdmission) -> o.Order | Problem:
    problem = need(order, event, (o.Ready, o.Fresh), detached=True)
    return problem or replace(order, state=o.WaitingForAdmission(until=event.until))


def _broken(order: o.Order, event: e.OrderBroken) -> o.Order | Problem:
    if order.is_terminated:
        return inapplicable(event, order)
    return replace(order, state=o.Broken(problem=event.problem))


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
    e.OrderTransferred: _transferred,
    e.OrderPriorityChanged: _priority_changed,
    e.OrderExternalVanished: _external_vanished,
    e.OrderOrderAdded: _unchanged,
    **MARK_TRANSITIONS,
}


def apply_order_event(order: o.Order, event: e.Event) -> o.Order | Problem:
    """The order after `event`, or a Problem if the event does not apply to the order as it is."""
    if order.is_terminated and not isinstance(event, e.OrderDeleted | e.OrderDeletionMarked):
        return inapplicable(event, order)
    transition = _TRANSITIONS.get(type(event))
    if transition is None:
        return inapplicable(event, order)
    return transition(order, event)
