"""AdmissionTime (JS7 2.8+, AdmissionTimeExecutor): enter the block only inside an admission period.

For a Fresh, Ready or WaitingForAdmission order, in this order:
- `forceAdmission` → OrderMoved into `[n,"admissionTime",0]` (a Fresh order enters without OrderStarted, as in JS7);
- `skipIfNoAdmissionStartForOrderDay` and no period starts on the order's day → OrderMoved(n+1, NoAdmissionPeriodStart);
- no period within the search horizon → the order fails with Disrupted "No more admission time" (even when
  Fresh: FailedWhileFresh);
- a Fresh order waits for its `scheduledFor`;
- inside a period → OrderMoved into the block (on the Agent too);
- else at the Controller (detach first; OrderStarted if Fresh): OrderWaitingForAdmission{until: period start}.
The end of the block continues after the instruction (a transparent block, `moves.TRANSPARENT_BLOCKS`).
"""

from __future__ import annotations

from stellwerk.calendar.admission import current_or_next_period
from stellwerk.engine.admission import admission_decision, workflow_zone
from stellwerk.engine.failure import plan_failure
from stellwerk.engine.instructions.common import move_on
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import disrupted

NO_MORE_ADMISSION_TIME = "No more admission time"


def next_events(step: Step, instruction: i.AdmissionTime) -> Events:
    order = step.order
    if not isinstance(order.state, o.Fresh | o.Ready | o.WaitingForAdmission):
        return []
    into_block = (*order.position, "admissionTime", 0)
    if order.force_admission:
        return move_on(step, into_block)
    decision = admission_decision(
        step, instruction.admission_time_scheme, instruction.skip_if_no_admission_start_for_order_day
    )
    if decision == "skip":
        return _skip_or_fail(step, instruction)
    if isinstance(order.state, o.Fresh) and (order.scheduled_for or 0) > step.now:
        return []
    if decision != "wait":
        return move_on(step, into_block)
    return _wait(step, instruction)


def _skip_or_fail(step: Step, instruction: i.AdmissionTime) -> Events:
    # admission_decision says "skip" both for a day without period start and when no period is left at all.
    zone = workflow_zone(step)
    if current_or_next_period(instruction.admission_time_scheme, zone, step.now) is not None:
        return move_on(step, reason=e.NoAdmissionPeriodStart())
    if not step.order.is_detached:
        return [e.OrderDetachable()]
    added = e.OrderOutcomeAdded(outcome=disrupted(NO_MORE_ADMISSION_TIME))
    if isinstance(step.order.state, o.Fresh):
        return [added, *plan_failure(step)]
    # Ready or WaitingForAdmission: failure propagation follows from the Disrupted outcome.
    return [added] if isinstance(step.order.state, o.Ready) else [e.OrderStateReset(), added]


def _wait(step: Step, instruction: i.AdmissionTime) -> Events:
    order = step.order
    if not order.is_detached:
        return [e.OrderDetachable()]
    if isinstance(order.state, o.Fresh):
        return [e.OrderStarted()]
    if isinstance(order.state, o.WaitingForAdmission):
        return []  # `stellwerk.engine.wakeup` knows when the period starts
    period = current_or_next_period(instruction.admission_time_scheme, workflow_zone(step), step.now)
    assert period is not None  # admission_decision said "wait"
    return [e.OrderWaitingForAdmission(until=period[0])]
