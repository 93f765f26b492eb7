"""Small rules shared by the per-order transitions: preconditions, position and history updates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from msgspec.structs import replace

from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import HistoricOutcome, Outcome
from stellwerk.model.position import Position
from stellwerk.model.problems import Problem

Transition = Callable[[o.Order, Any], "o.Order | Problem"]


def inapplicable(event: e.Event, order: o.Order) -> Problem:
    state = type(order.state).__name__
    return Problem(f"Event {type(event).__name__} is not applicable to order '{order.id}' in state {state}")


def moved_to(order: o.Order, position: Position, **changes: Any) -> o.Order:
    return replace(order, workflow_position=replace(order.workflow_position, position=position), **changes)


def with_outcome(order: o.Order, outcome: Outcome, **changes: Any) -> o.Order:
    historic = (*order.historic_outcomes, HistoricOutcome(order.position, outcome))
    return replace(order, historic_outcomes=historic, **changes)


def need(
    order: o.Order, event: e.Event, states: tuple[type, ...], *, detached: bool | None = None
) -> Problem | None:
    """A Problem unless the order is in one of `states` (and detached or attached, if that is asked)."""
    if not isinstance(order.state, states):
        return inapplicable(event, order)
    if detached is True and not order.is_detached:
        return inapplicable(event, order)
    if detached is False and order.is_detached:
        return inapplicable(event, order)
    return None
