"""How many orders are in each state (the engine's state names, `Fresh`, `Processing`, …), for `/metrics`."""

from __future__ import annotations

from collections import Counter

from stellwerk.engine.state import EngineState


def orders_by_state(state: EngineState) -> Counter[str]:
    return Counter(type(order.state).__name__ for order in state.orders.values())
