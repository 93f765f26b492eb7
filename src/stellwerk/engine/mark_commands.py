"""CancelOrders, SuspendOrders, ResumeOrder(s) and GoOrder for one order: the events now, a mark for later,
or a Problem (JS7 OrderEventSource.cancel/suspend/resume/go)."""

from __future__ import annotations

from typing import Any

from msgspec import structs

from stellwerk.engine.marks import (
    cancel_events,
    cancellable_now,
    go_events,
    restarts_killed_job,
    resumed,
    suspend_events,
)
from stellwerk.engine.order_mark_transitions import RESUMABLE
from stellwerk.engine.state import EngineState
from stellwerk.engine.step import Events, Step
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.position import Position, is_valid_shape, movable_between
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import instruction_at, job_of

NOT_RESUMABLE = "Order is not in a resumable state"
NOT_SUSPENDIBLE = "Order is not in a suspendible state"


def step_of(state: EngineState, order: o.Order, now: int) -> Step:
    return Step(state, order, state.workflow_of(order), now)


def is_started(order: o.Order) -> bool:
    return not isinstance(order.state, o.Fresh | o.FailedWhileFresh | o.StoppedWhileFresh)


def cancel_order(step: Step, mode: o.CancellationMode) -> Events | Problem:
    """Cancelled now (detached, in a cancellable state), else marked; FreshOnly refuses a started order."""
    order = step.order
    if isinstance(mode, o.FreshOnly) and is_started(order):
        return Problem(f"Order:{order.id} has started and cannot be cancelled")
    if order.is_detached and cancellable_now(step):
        return cancel_events(step)
    if (
        order.is_terminated
        or isinstance(order.state, o.ProcessingKilled)
        or order.mark == o.Cancelling(mode=mode)
    ):
        return []
    return [e.OrderCancellationMarked(mode=mode)]


def suspend_order(step: Step, mode: o.SuspensionMode) -> Events | Problem:
    """Suspended now (detached Fresh or Ready, or a waiting state with resetState), else marked."""
    order = step.order
    failed = isinstance(order.state, o.FAILED_STATES)
    if order.is_terminated or failed or isinstance(order.mark, o.Cancelling):
        return Problem(NOT_SUSPENDIBLE)
    if order.is_suspended and not isinstance(order.mark, o.Resuming):
        return []
    if (now := suspend_events(order, mode)) is not None:
        return now
    if order.mark == o.Suspending(mode=mode):
        return []
    return [e.OrderSuspensionMarked(mode=mode)]


def resume_order(step: Step, command: c.ResumeOrder) -> Events | Problem:
    """OrderResumed for a detached suspended, Failed, Stopped or Broken order; else a resumption mark."""
    order = step.order
    if problem := _check_resume_positions(step, command):
        return problem
    mark = order.mark
    wanted = _resuming(step, command)
    if isinstance(mark, o.Cancelling | o.Go) or (isinstance(mark, o.Resuming) and mark != wanted):
        return Problem(NOT_RESUMABLE)
    changes = command.position is not None or bool(command.history_operations)
    if isinstance(mark, o.Suspending) and changes:
        return Problem(NOT_RESUMABLE)
    halted = isinstance(order.state, RESUMABLE)
    if not (order.is_suspended or isinstance(mark, o.Suspending | o.Resuming) or halted):
        return Problem(NOT_RESUMABLE)
    if order.is_detached and (order.is_suspended or isinstance(order.state, RESUMABLE)):
        return [resumed(wanted)]
    if isinstance(mark, o.Resuming):
        return []
    return [_resumption_marked(wanted)]


def _resuming(step: Step, command: c.ResumeOrder) -> o.Resuming:
    restart = command.restart_killed_job
    if restart is None:
        restart = restarts_killed_job(step.order, _job_restartable(step))
    return o.Resuming(
        position=command.position,
        history_operations=command.history_operations,
        as_succeeded=command.as_succeeded,
        restart_killed_job=restart,
    )


def _resumption_marked(mark: o.Resuming) -> e.OrderResumptionMarked:
    return e.OrderResumptionMarked(**structs.asdict(mark))


def _job_restartable(step: Step) -> bool:
    instruction = step.instruction
    if not isinstance(instruction, i.ExecuteNamed | i.ExecuteAnonymous):
        return False
    job = job_of(step.workflow, instruction)
    return job is not None and not job.is_not_restartable


def _check_resume_positions(step: Step, command: c.ResumeOrder) -> Problem | None:
    if command.position is not None:
        target = command.position
        exists = is_valid_shape(target) and instruction_at(step.workflow, target) is not None
        if not exists or not movable_between(step.order.position, target):
            return Problem("Unreachable order position")
    for operation in command.history_operations:
        position = _operation_position(operation)
        if position is not None and instruction_at(step.workflow, position) is None:
            return Problem(f"Unknown position {list(position)} in a history operation")
    return None


def _operation_position(operation: Any) -> Position | None:
    raw = operation.get("position") if isinstance(operation, dict) else None
    return tuple(raw) if isinstance(raw, list | tuple) and is_valid_shape(tuple(raw)) else None


def go_order(step: Step, position: Position) -> Events | Problem:
    """End a time-based wait at `position` now; an order on a remote Agent gets a Go mark instead."""
    order = step.order
    events = go_events(step) if order.position == position else None
    if events is None:
        return Problem(f"GoOrder({order.id}) is not applicable at this position or in this state")
    if order.is_detached or step.local_agents:
        return events
    return [e.OrderGoMarked(position=position)]
