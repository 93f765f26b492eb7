"""Retry (only in a catch block): try again after the configured delay, or fail when maxTries is reached."""

from __future__ import annotations

import math
from decimal import Decimal

from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model.outcome import Failed
from stellwerk.model.position import Position, branch_kind, index_suffix
from stellwerk.model.workflow import instruction_at


def next_events(step: Step, instruction: i.Retry) -> Events:
    found = enclosing_try(step)
    if found is None:
        return [e.OrderOutcomeAdded(outcome=Failed(message="Retry outside of a catch block"))]
    try_at, try_instruction, index = found
    tries = index + 1
    if try_instruction.max_tries is not None and tries >= try_instruction.max_tries:
        message = f"Retry stopped because maxTries={try_instruction.max_tries} has been reached"
        return [e.OrderOutcomeAdded(outcome=Failed(message=message))]
    next_try: Position = (*try_at, f"try+{index + 1}", 0)
    delay = retry_delay(try_instruction.retry_delays or (), index)
    if delay <= 0:
        return [e.OrderRetrying(moved_to=next_try)]
    return [e.OrderRetrying(delayed_until=delayed_until(step.now, delay))]


def enclosing_try(step: Step) -> tuple[Position, i.Try, int] | None:
    """The innermost Try whose catch block holds the order, with the catch index."""
    position = step.order.position
    for depth in range(len(position) - 2, 0, -2):
        bid = position[depth]
        if isinstance(bid, str) and branch_kind(bid) == "catch":
            at = position[:depth]
            found = instruction_at(step.workflow, at)
            return (at, found, index_suffix(bid)) if isinstance(found, i.Try) else None
        if isinstance(bid, str) and branch_kind(bid) not in {"then", "else"}:
            return None
    return None


def retry_delay(delays: tuple[int, ...], index: int) -> int | Decimal:
    """The delay before try `index + 1`: delays[index], the last one repeating, none meaning 0."""
    if not delays:
        return 0
    return delays[min(index, len(delays) - 1)]


def delayed_until(now: int, delay: int | Decimal) -> int:
    until = now + int(delay * 1000)
    if delay >= 10:  # JS7 rounds longer delays up to the next full second
        until = math.ceil(until / 1000) * 1000
    return until


def awake_events(step: Step) -> Events:
    """A DelayingRetry order whose time has come."""
    found = enclosing_try(step)
    if found is None:
        return [e.OrderAwoke()]
    try_at, _, index = found
    return [e.OrderAwoke(), e.OrderMoved(to=(*try_at, f"try+{index + 1}", 0))]
