"""`derive_with` (a service commits each order's next events as one transaction) yields the events `derive`
yields, in the same order."""

from __future__ import annotations

from typing import Any

import pytest

from stellwerk.engine.apply import apply_events
from stellwerk.engine.clone import clone
from stellwerk.engine.derive import derive, derive_with
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.items import GlobalBoard, LockItem
from stellwerk.model.outcome import Succeeded
from tests.engine.harness import T0, add_order, shell_job, state_with, workflow

A = "agentA"
JOBS = {"a": shell_job(A, processLimit=1), "b": shell_job(A, processLimit=3)}
BOARD = GlobalBoard(path="B", post_order_to_notice_key="'k'", expect_order_to_notice_key="'k'")


def _job(name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": name}


FORK = {
    "TYPE": "Fork",
    "branches": [
        {"id": "x", "workflow": {"instructions": [_job("a")]}},
        {"id": "y", "workflow": {"instructions": [_job("b")]}},
    ],
}
LOCK = {"TYPE": "Lock", "demands": [{"lockPath": "L"}], "lockedWorkflow": {"instructions": [_job("b")]}}
EXPECT = {"TYPE": "ExpectNotices", "boardPaths": "'B'"}
POST = {"TYPE": "PostNotices", "boardPaths": ["B"]}
CASES = {
    "fork": [FORK, _job("b")],
    "lock": [LOCK, _job("a")],
    "notices": [EXPECT, _job("b")],
    "post": [POST, _job("a")],
}


def initial_state() -> EngineState:
    flows = [workflow(name, {"instructions": body, "jobs": JOBS}) for name, body in CASES.items()]
    state = state_with(*flows, locks=(LockItem(path="L", limit=1),), boards=(BOARD,))
    for name in CASES:
        for index in range(3):
            add_order(state, f"{name}{index}", name)
    return state


def derive_committing(state: EngineState, order_ids: list[str]) -> list[e.KeyedEvent]:
    committed: list[e.KeyedEvent] = []

    def commit(events: list[e.KeyedEvent]) -> None:
        assert apply_events(state, events) is None
        committed.extend(events)

    derive_with(state, order_ids, T0, commit)
    return committed


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_the_same_events_as_derive_until_all_orders_finish(order: str) -> None:
    pure, live = initial_state(), initial_state()
    ids = list(pure.orders)
    ids = ids if order == "forward" else ids[::-1]
    for _ in range(40):
        expected = derive(pure, ids, T0)
        assert derive_committing(live, ids) == expected
        processing = [
            oid for oid, order in sorted(live.orders.items()) if isinstance(order.state, o.Processing)
        ]
        if not processing:
            break
        results = [e.KeyedEvent(oid, e.OrderProcessed(outcome=Succeeded())) for oid in processing]
        assert apply_events(pure, results) is None
        assert apply_events(live, results) is None
        ids = list(live.orders) if order == "forward" else list(live.orders)[::-1]
    assert clone(live).orders == pure.orders
    assert all(isinstance(order.state, o.Finished) for order in live.orders.values())
