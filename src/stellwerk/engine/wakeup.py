"""When a waiting order may move next: the timers of the engine, for `stellwerk run --skip-time` and the shell.

`next_wakeup` is the earliest instant at which deriving events for the order may yield something new because time
has passed: a Fresh order's `scheduledFor`, the end of a retry delay or a Sleep, the next cycle of a Cycle, the
start of the admission period an AdmissionTime block waits for, and — given `now` — the next admission period of
a job a Ready order waits for. Orders waiting for something else (a lock, a notice, a prompt, a job process) have
none. `next_wakeup_of_state` adds the notices' endOfLife (see `boards.expired_notices`).
The instant may lie in the past (then the order is due now).
"""

from __future__ import annotations

from stellwerk.engine.admission import admission_decision, next_admission
from stellwerk.engine.state import EngineState
from stellwerk.engine.step import Step
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.workflow import instruction_at, job_of


def next_wakeup(state: EngineState, order_id: str, now: int | None = None) -> int | None:
    """The earliest time at which the order may move without any other event; None if no timer applies."""
    order = state.orders.get(order_id)
    if order is None or order.is_terminated or order.is_suspended:
        return None
    match order.state:
        case o.Fresh() if order.scheduled_for is not None:
            return order.scheduled_for
        case o.DelayingRetry(until=until) | o.Sleeping(until=until) | o.WaitingForAdmission(until=until):
            return until
        case o.BetweenCycles(cycle_state=cycle_state) if cycle_state is not None:
            return cycle_state.next
        case o.Ready() if now is not None:
            return _job_admission(state, order, now)
    return None


def next_wakeup_of_state(state: EngineState, now: int | None = None) -> int | None:
    """The earliest wake-up of all orders and the earliest endOfLife of a notice; None if nothing waits for time."""
    times = [t for order_id in state.orders if (t := next_wakeup(state, order_id, now)) is not None]
    times.extend(n.end_of_life for n in state.notices.values() if n.end_of_life is not None)
    return min(times, default=None)


def _job_admission(state: EngineState, order: o.Order, now: int) -> int | None:
    workflow = state.workflow_of(order)
    instruction = instruction_at(workflow, order.position)
    if not isinstance(instruction, i.ExecuteNamed | i.ExecuteAnonymous):
        return None
    job = job_of(workflow, instruction)
    if job is None or job.admission_time_scheme is None:
        return None
    step = Step(state, order, workflow, now)
    decision = admission_decision(
        step, job.admission_time_scheme, job.skip_if_no_admission_start_for_order_day
    )
    if decision != "wait":
        return None
    return next_admission(step, job.admission_time_scheme)
