"""Every order event: applicable from the right state (the new state asserted), inapplicable from a wrong one
(a Problem, and the order in the engine state unchanged)."""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import pytest

from stellwerk.engine.apply import apply_event
from stellwerk.engine.order_transitions import apply_order_event
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.admission import CycleState
from stellwerk.model.instructions import LockDemand
from stellwerk.model.outcome import Caught, HistoricOutcome, Killed, Succeeded
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import WorkflowId
from tests.engine.harness import failed_rc, workflow

W = WorkflowId(path="W", version_id="v1")
CYCLE = CycleState(end=2000, index=1, next=1000)
OK = Succeeded()
ATTACHED = o.Attached(agent_path="agentA")


def order(state: o.OrderState | None = None, position: tuple[Any, ...] = (0,), **fields: Any) -> o.Order:
    return o.Order(
        id="A",
        workflow_position=o.WorkflowPosition(workflow_id=W, position=position),
        state=state or o.Ready(),
        **fields,
    )


READY, FRESH, FINISHED = order(), order(o.Fresh()), order(o.Finished())
ATTACHED_READY = order(attached_state=ATTACHED)
PROCESSING = order(o.Processing(), attached_state=ATTACHED)
KILLED = order(o.Processed(), historic_outcomes=(HistoricOutcome((0,), Killed(outcome=failed_rc(143))),))
SUCCEEDED = order(o.Processed(), historic_outcomes=(HistoricOutcome((0,), OK),))
SUSPENDED = order(is_suspended=True)
SLEEPING = order(o.Sleeping(until=5))
IN_LOCK = order(position=(0, "lock", 0))
IN_CONSUME = order(position=(0, "consumeNotices", 0))
STICKY = order(sticky_subagents=(o.StickySubagentEntry(agent_path="agentA"),))
EXTERNAL = order(external_order=o.ExternalOrder(order_watch_path="fw", name="a"))
NOTICE = ("B", "k")
LOCK = (LockDemand(lock_path="L"),)
MOVED = o.WorkflowPosition(workflow_id=WorkflowId(path="W", version_id="v2"), position=(0,))

Check = Callable[[o.Order], bool]

# (event, an order it applies to, what the result satisfies, an order it does not apply to or None: applies always)
CASES: list[tuple[e.Event, o.Order, Check, o.Order | None]] = [
    (e.OrderStarted(), FRESH, lambda r: isinstance(r.state, o.Ready), READY),
    (e.OrderFinished(), READY, lambda r: isinstance(r.state, o.Finished), PROCESSING),
    (e.OrderDeletionMarked(), FINISHED, lambda r: r.deletion_marked, None),
    (e.OrderDeleted(), FINISHED, lambda r: isinstance(r.state, o.Finished), READY),
    (e.OrderExternalVanished(), EXTERNAL, lambda r: r.external_order is not None and r.external_order.vanished, READY),
    (e.OrderTransferred(workflow_position=MOVED), READY, lambda r: r.workflow_position == MOVED, FINISHED),
    (e.OrderPriorityChanged(priority=3), READY, lambda r: r.priority == 3, FINISHED),
    (e.OrderBroken(problem="x"), READY, lambda r: r.state == o.Broken(problem="x"), FINISHED),
    (e.OrderAttachable(agent_path="agentA"), READY, lambda r: isinstance(r.attached_state, o.Attaching), ATTACHED_READY),
    (e.OrderAttached(agent_path="agentA"), order(attached_state=o.Attaching(agent_path="agentA")), lambda r: r.is_attached, READY),
    (e.OrderDetachable(), ATTACHED_READY, lambda r: isinstance(r.attached_state, o.Detaching), READY),
    (e.OrderDetached(), order(attached_state=o.Detaching(agent_path="agentA")), lambda r: r.is_detached, PROCESSING),
    # An Agent's reset takes its orders back without their asking (js7-reference §6.1 step 8).
    (e.OrderDetached(), ATTACHED_READY, lambda r: r.is_detached, READY),
    (e.OrderProcessingStarted(subagent_id="s"), ATTACHED_READY, lambda r: isinstance(r.state, o.Processing), READY),
    (e.OrderStdoutWritten(chunk="x"), PROCESSING, lambda r: r == PROCESSING, READY),
    (e.OrderStderrWritten(chunk="x"), PROCESSING, lambda r: r == PROCESSING, READY),
    (e.OrderProcessed(outcome=OK), PROCESSING, lambda r: isinstance(r.state, o.Processed) and r.last_outcome() == OK, READY),
    (e.OrderProcessingKilled(), KILLED, lambda r: isinstance(r.state, o.ProcessingKilled), SUCCEEDED),
    (e.OrderMoved(to=(1,)), SUCCEEDED, lambda r: r.position == (1,) and isinstance(r.state, o.Ready), PROCESSING),
    (e.OrderOutcomeAdded(outcome=OK), READY, lambda r: r.last_outcome() == OK, FINISHED),
    (e.OrderFailed(moved_to=(0,)), READY, lambda r: isinstance(r.state, o.Failed), ATTACHED_READY),
    (e.OrderFailedInFork(moved_to=(0,)), READY, lambda r: isinstance(r.state, o.FailedInFork), PROCESSING),
    (e.OrderCaught(moved_to=(0, "catch+0", 0)), READY, lambda r: r.last_outcome() == Caught() and r.position == (0, "catch+0", 0), PROCESSING),
    (e.OrderRetrying(delayed_until=9), READY, lambda r: r.state == o.DelayingRetry(until=9), PROCESSING),
    (e.OrderAwoke(), order(o.DelayingRetry(until=9)), lambda r: isinstance(r.state, o.Ready), READY),
    (e.OrderStopped(), READY, lambda r: isinstance(r.state, o.Stopped), PROCESSING),
    (e.OrderSleeping(until=9), READY, lambda r: r.state == o.Sleeping(until=9), PROCESSING),
    (e.OrderWaitingForAdmission(until=9), READY, lambda r: r.state == o.WaitingForAdmission(until=9), ATTACHED_READY),
    (e.OrderForked(children=()), READY, lambda r: isinstance(r.state, o.Forked), PROCESSING),
    (e.OrderJoined(outcome=OK), order(o.Forked(children=())), lambda r: isinstance(r.state, o.Processed), READY),
    (e.OrderLocksQueued(demands=LOCK), READY, lambda r: isinstance(r.state, o.WaitingForLock), ATTACHED_READY),
    (e.OrderLocksAcquired(demands=LOCK), READY, lambda r: r.position == (0, "lock", 0), PROCESSING),
    (e.OrderLocksReleased(lock_paths=("L",)), IN_LOCK, lambda r: r.position == (1,), READY),
    (e.OrderNoticeAnnounced(notice_id=NOTICE), READY, lambda r: r == READY, FINISHED),
    (e.OrderNoticePosted(notice_id=NOTICE), READY, lambda r: r == READY, FINISHED),
    (e.OrderNoticesExpected(notice_ids=(NOTICE,)), READY, lambda r: isinstance(r.state, o.ExpectingNotices), PROCESSING),
    (e.OrderNoticesRead(), order(o.ExpectingNotices(notice_ids=(NOTICE,))), lambda r: isinstance(r.state, o.Ready), PROCESSING),
    (e.OrderNoticesConsumptionStarted(notice_ids=(NOTICE,)), READY, lambda r: r.position == (0, "consumeNotices", 0), PROCESSING),
    (e.OrderNoticesConsumed(), IN_CONSUME, lambda r: r.position == (1,), READY),
    (e.OrderPrompted(question="q"), READY, lambda r: r.state == o.Prompting(question="q"), PROCESSING),
    (e.OrderPromptAnswered(), order(o.Prompting(question="q")), lambda r: isinstance(r.state, o.Ready), READY),
    (e.OrderCyclingPrepared(cycle_state=CYCLE), READY, lambda r: r.state == o.BetweenCycles(cycle_state=CYCLE), PROCESSING),
    (e.OrderCycleStarted(), order(o.BetweenCycles(cycle_state=CYCLE)), lambda r: len(r.position) == 3, order(o.BetweenCycles())),
    (e.OrderCycleFinished(cycle_state=None), order(position=(0, "cycle+end=2000", 1)), lambda r: r.position == (0,) and isinstance(r.state, o.BetweenCycles), READY),
    (e.OrderStickySubagentEntered(agent_path="agentA"), READY, lambda r: r.position == (0, "stickySubagent", 0) and len(r.sticky_subagents) == 1, PROCESSING),
    (e.OrderStickySubagentLeaved(), STICKY, lambda r: r.sticky_subagents == (), READY),
    (e.OrderCancellationMarked(mode=o.FreshOrStarted()), READY, lambda r: isinstance(r.mark, o.Cancelling), FINISHED),
    (e.OrderCancellationMarkedOnAgent(), READY, lambda r: r == READY, FINISHED),
    (e.OrderStateReset(), order(o.Prompting(question="q")), lambda r: isinstance(r.state, o.Ready), READY),
    (e.OrderCancelled(), READY, lambda r: isinstance(r.state, o.Cancelled), PROCESSING),
    (e.OrderSuspensionMarked(mode=o.SuspensionMode()), PROCESSING, lambda r: isinstance(r.mark, o.Suspending), order(o.Failed())),
    (e.OrderSuspensionMarkedOnAgent(), READY, lambda r: r == READY, FINISHED),
    (e.OrderSuspended(), READY, lambda r: r.is_suspended, ATTACHED_READY),
    (e.OrderResumptionMarked(as_succeeded=True), SUSPENDED, lambda r: r.mark == o.Resuming(as_succeeded=True), READY),
    (e.OrderResumed(), order(o.Failed()), lambda r: isinstance(r.state, o.Ready) and r.is_resumed, READY),
    (e.OrderGoMarked(position=(0,)), SLEEPING, lambda r: r.mark == o.Go(position=(0,)), READY),
    (e.OrderGoes(), SLEEPING, lambda r: r.state == SLEEPING.state and r.mark is None, READY),
]  # fmt: skip


def _ids(case: tuple[e.Event, o.Order, Check, o.Order | None]) -> str:
    return type(case[0]).__name__


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_applicable_from_the_right_state(case: tuple[e.Event, o.Order, Check, o.Order | None]) -> None:
    event, before, check, _ = case
    after = apply_order_event(before, event)
    assert not isinstance(after, Problem), after
    assert check(after)


def _engine_state_with(order: o.Order) -> EngineState:
    state = EngineState()
    state.add_workflow(workflow("W", {"instructions": []}))
    state.orders[order.id] = order
    return state


@pytest.mark.parametrize("case", [c for c in CASES if c[3] is not None], ids=_ids)
def test_inapplicable_from_a_wrong_state(case: tuple[e.Event, o.Order, Check, o.Order | None]) -> None:
    event, _, _, wrong = case
    assert wrong is not None
    state = _engine_state_with(wrong)
    problem = apply_event(state, e.KeyedEvent(wrong.id, event))
    assert isinstance(problem, Problem)
    assert f"Event {type(event).__name__} is not applicable to order 'A'" in problem.message
    assert state.orders["A"] is wrong


def test_order_added_and_order_order_added_apply_to_the_engine_state() -> None:
    state = _engine_state_with(READY)
    assert apply_event(state, e.KeyedEvent("B", e.OrderAdded(workflow_id=W))) is None
    assert isinstance(state.orders["B"].state, o.Fresh)
    assert apply_event(state, e.KeyedEvent("B", e.OrderAdded(workflow_id=W))) == Problem(
        "Duplicate order 'B'"
    )
    added = e.OrderOrderAdded(order_id="C", workflow_id=W)
    assert apply_event(state, e.KeyedEvent("A", added)) is None
    assert "C" in state.orders
    assert apply_event(state, e.KeyedEvent("A", added)) == Problem("Duplicate order 'C'")


def test_every_order_event_has_a_transition_case() -> None:
    covered = {type(case[0]) for case in CASES} | {e.OrderAdded, e.OrderOrderAdded, e.OrderAttachedToAgent}
    assert set(typing.get_args(e.OrderEvent)) == covered


def test_a_terminated_order_takes_no_event_but_deletion() -> None:
    for event in (e.OrderMoved(to=(1,)), e.OrderCancelled(), e.OrderSuspended()):
        assert isinstance(apply_order_event(FINISHED, event), Problem)
    assert apply_order_event(FINISHED, e.OrderDeleted()) == FINISHED
