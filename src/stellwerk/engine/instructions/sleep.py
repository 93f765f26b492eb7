"""Sleep: wait `duration` seconds (an expression; missing = 0) in state Sleeping, on the Agent or the Controller."""

from __future__ import annotations

from decimal import Decimal

from stellwerk.engine.instructions.common import move_on, start_if_fresh
from stellwerk.engine.scope import evaluate_number
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import disrupted
from stellwerk.model.problems import Problem

SLEEP_CAUSE = "SleepInstruction"


def next_events(step: Step, instruction: i.Sleep) -> Events:
    """Fresh/Ready: OrderSleeping{until} (or OrderMoved at once for ≤ 0); Sleeping: OrderMoved when due."""
    state = step.order.state
    if isinstance(state, o.Sleeping):
        return move_on(step) if state.until <= step.now else []
    if (started := start_if_fresh(step)) is not None:
        return started
    if not isinstance(state, o.Ready):
        return []
    seconds = evaluate_number(step, instruction.duration)
    if isinstance(seconds, Problem):
        return [e.OrderOutcomeAdded(outcome=disrupted(seconds.message))]
    millis = duration_millis(seconds)
    if millis <= 0:
        return move_on(step)
    return [e.OrderSleeping(until=step.now + millis, cause=SLEEP_CAUSE)]


def duration_millis(seconds: int | Decimal) -> int:
    """Seconds (fractions allowed) as whole milliseconds, truncated; negative counts as 0."""
    return max(0, int(Decimal(seconds) * 1000))
