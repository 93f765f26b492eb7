"""Event derivation (JS7 OrderEventSource): `next_events(state, order_id, now)` computes what happens next
to one order from the state alone. Pure and deterministic: `now` is a parameter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stellwerk.engine import workflow_controls
from stellwerk.engine.failure import failure_events
from stellwerk.engine.instructions import (
    add_order,
    admission_time,
    break_,
    cycle,
    empty,
    end,
    execute,
    fail,
    finish,
    fork,
    fork_list,
    if_,
    join,
    lock,
    notices,
    options,
    prompt,
    retry,
    sleep,
    sticky,
    stop,
    try_,
)
from stellwerk.engine.instructions.common import move_on
from stellwerk.engine.marks import mark_events
from stellwerk.engine.state import EngineState
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import Disrupted, Killed, ProcessLost, is_succeeded

Executor = Callable[[Step, Any], Events]

EXECUTORS: dict[type, Executor] = {
    i.ExecuteNamed: execute.next_events,
    i.ExecuteAnonymous: execute.next_events,
    i.If: if_.next_events,
    i.Try: try_.next_events,
    i.Retry: retry.next_events,
    i.Fail: fail.next_events,
    i.Finish: finish.next_events,
    i.Options: options.next_events,
    i.ImplicitEnd: end.next_events,
    i.PostNotices: notices.post_notices,
    i.ExpectNotices: notices.expect_or_consume_notices,
    i.ConsumeNotices: notices.expect_or_consume_notices,
    i.Prompt: prompt.next_events,
    i.Cycle: cycle.next_events,
    i.Break: break_.next_events,
    i.Sleep: sleep.next_events,
    i.AddOrder: add_order.next_events,
    i.AdmissionTime: admission_time.next_events,
    i.Stop: stop.stop_events,
    i.BreakOrder: stop.break_order_events,
    i.Empty: empty.next_events,
    i.Fork: fork.next_events,
    i.ForkList: fork_list.next_events,
    i.Lock: lock.next_events,
    i.StickySubagent: sticky.next_events,
}


def next_events(state: EngineState, order_id: str, now: int) -> list[e.KeyedEvent]:
    order = state.orders.get(order_id)
    if order is None:
        return []
    step = Step(state, order, state.workflow_of(order), now)
    return [e.KeyedEvent(order_id, event) for event in order_events(step)]


def order_events(step: Step) -> Events:
    order = step.order
    if order.is_terminated:
        return _after_termination(order)
    if (owned_elsewhere := _ownership(step)) is not None:
        return owned_elsewhere
    if (marked := mark_events(step)) is not None:
        return marked
    if order.is_suspended or isinstance(order.state, o.FAILED_STATES):
        return []
    if isinstance(order.state, o.Forked):  # Fork/ForkList join (engine/instructions/join.py)
        return join.join_events(step)
    if isinstance(order.state, o.Processed):
        return _after_processed(step)
    if (held_by_control := workflow_controls.held(step)) is not None:
        return held_by_control
    if isinstance(order.state, o.Fresh | o.Ready | o.ProcessingKilled) and _last_failed(order):
        return failure_events(step)
    if order.position in order.stop_positions and isinstance(order.state, o.Ready):
        return [e.OrderDetachable()] if order.is_attached else [e.OrderFinished()]
    if isinstance(order.state, o.DelayingRetry):
        return retry.awake_events(step) if order.state.until <= step.now else []
    if (skipped := workflow_controls.skipped(step)) is not None:
        return skipped
    # Sleeping, BetweenCycles, WaitingForAdmission (and ExpectingNotices, Prompting): the executor of the instruction
    # the order waits at decides (sleep.py, cycle.py, admission_time.py, notices.py, prompt.py); wakeup.py says when.
    return _instruction_events(step)


def _instruction_events(step: Step) -> Events:
    instruction = step.instruction
    if instruction is None:
        return [e.OrderBroken(problem=f"No instruction at position {list(step.order.position)}")]
    executor = EXECUTORS.get(type(instruction))
    if executor is None:
        return [e.OrderBroken(problem=f"Instruction {type(instruction).__name__} is not supported")]
    return executor(step, instruction)


def _after_termination(order: o.Order) -> Events:
    deletable = order.delete_when_terminated or order.deletion_marked
    vanished = order.external_order is None or order.external_order.vanished
    if deletable and order.parent is None and vanished:
        return [e.OrderDeleted()]
    return []


def _ownership(step: Step) -> Events | None:
    """The attach/detach hand-over (js7-reference §11: one owner per order at a time). None: this engine owns
    the order now and derives its events; otherwise the events the hand-over needs here (often none)."""
    attached = step.order.attached_state
    role = step.state.role
    if role == "controller":
        return None if attached is None else []
    if role == "agent":
        # It derives only what is attached to it; a detaching order waits for the Controller's DetachOrder.
        return None if isinstance(attached, o.Attached) else []
    if isinstance(attached, o.Attaching):
        return [e.OrderAttached(agent_path=attached.agent_path)]
    if isinstance(attached, o.Detaching):
        return [e.OrderDetached()]
    return None


def _last_failed(order: o.Order) -> bool:
    """JS7 Order.isFailed: a lost process is not a failure, the job runs again (after OrderMoved to itself)."""
    last = order.last_outcome()
    if last is None or is_succeeded(last):
        return False
    return not (isinstance(last, Disrupted) and isinstance(last.reason, ProcessLost))


def _after_processed(step: Step) -> Events:
    outcome = step.order.last_outcome()
    if outcome is None or is_succeeded(outcome):
        return move_on(step)
    if isinstance(outcome, Disrupted) and isinstance(outcome.reason, ProcessLost):
        return [e.OrderMoved(to=step.order.position)]
    if isinstance(outcome, Killed):
        return [e.OrderProcessingKilled()]
    return failure_events(step)
