"""Helpers for journal tests: a manual clock, a counting fdatasync, engine states worth persisting, a small
real journal."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from stellwerk.engine.source import next_events
from stellwerk.engine.state import EngineState
from stellwerk.journal.journaled import JournaledState
from stellwerk.journal.stamped import Stamped
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.codec import encode
from stellwerk.model.problems import Problem
from tests.engine.harness import T0, global_board, lock_item, rc, shell_job, state_with, workflow


class ManualClock:
    """Epoch milliseconds that move only when told."""

    def __init__(self, now: int = T0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


class CountingSync:
    """fdatasync that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, fd: int) -> None:
        self.calls += 1
        os.fdatasync(fd)


def _job(name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": name}


def two_step_workflow(version: str = "v1") -> Any:
    jobs = {"first": shell_job(processLimit=100), "second": shell_job(processLimit=100)}
    return workflow("W", {"instructions": [_job("first"), _job("second")], "jobs": jobs}, version)


def rich_state() -> EngineState:
    """Two versions of a 2-step workflow, a lock with a holder and a queue, a board with an expecting order."""
    locking = workflow(
        "WL",
        {
            "instructions": [
                {
                    "TYPE": "Lock",
                    "demands": [{"lockPath": "L1"}],
                    "lockedWorkflow": {"instructions": [_job("a")]},
                }
            ],
            "jobs": {"a": shell_job(processLimit=10)},
        },
    )
    posting = workflow("WP", {"instructions": [{"TYPE": "PostNotices", "boardPaths": ["B"]}]})
    expecting = workflow(
        "WE",
        {
            "instructions": [{"TYPE": "ExpectNotices", "boardPaths": "'B'"}, _job("use")],
            "jobs": {"use": shell_job()},
        },
    )
    return state_with(
        two_step_workflow("v1"),
        two_step_workflow("v2"),
        locking,
        posting,
        expecting,
        locks=(lock_item("L1"),),
        boards=(global_board("B", "'key-' ++ $day"),),
    )


def order_adds(state: EngineState) -> list[e.KeyedEvent]:
    """Orders for `rich_state`: two at the 2-step workflow, two competing for the lock, one expecting a notice
    that a later poster posts, and one expecting a notice that nobody posts."""
    latest = state.latest_workflow

    def added(order_id: str, path: str, **arguments: Any) -> e.KeyedEvent:
        return e.KeyedEvent(order_id, e.OrderAdded(workflow_id=latest[path], arguments=arguments))

    return [
        added("w1", "W"),
        added("w2", "W"),
        added("lock-a", "WL"),
        added("lock-b", "WL"),
        added("expect-1", "WE", day="1"),
        added("expect-2", "WE", day="2"),
        added("post-1", "WP", day="1"),
    ]


def step_events(state: EngineState, now: int) -> list[list[e.KeyedEvent]]:
    """One transaction per order that can move: what the engine derives, or the job's outcome if it runs."""
    transactions = []
    for order in list(state.orders.values()):
        events = next_events(state, order.id, now)
        if not events and isinstance(order.state, o.Processing):
            events = [e.KeyedEvent(order.id, e.OrderProcessed(outcome=rc(0)))]
        if events:
            transactions.append(events)
    return transactions


async def drive(journaled: JournaledState, now: int, max_rounds: int = 50) -> int:
    """Persists what the engine does until nothing moves; returns the number of transactions."""
    count = 0
    for _ in range(max_rounds):
        transactions = step_events(journaled.state, now)
        if not transactions:
            return count
        for events in transactions:
            # An earlier transaction of this round may have moved this order on: derive afresh.
            fresh = next_events(journaled.state, events[0].key, now) if _is_derived(events) else events
            if fresh:
                await journaled.persist(fresh)
                count += 1
    return count


def _is_derived(events: list[e.KeyedEvent]) -> bool:
    return not isinstance(events[0].event, e.OrderProcessed)


def encoded_orders(state: EngineState) -> bytes:
    return encode(dict(sorted(state.orders.items())))


def encoded_locks(state: EngineState) -> bytes:
    live = {
        path: (dict(s.holders), list(s.queue))
        for path, s in state.lock_states.items()
        if s.holders or s.queue
    }
    return encode(dict(sorted(live.items())))


def encoded_notices(state: EngineState) -> bytes:
    return encode(sorted([list(n.id), n.end_of_life] for n in state.notices.values()))


BASE = "controller"


async def open_journal(directory: Path, clock: ManualClock | None = None) -> JournaledState:
    journaled = await JournaledState.open(
        directory,
        base=BASE,
        clock=clock or ManualClock(),
        initial_state=lambda: state_with(two_step_workflow()),
    )
    assert not isinstance(journaled, Problem), journaled
    return journaled


async def small_journal(directory: Path) -> list[tuple[Stamped, ...]]:
    """A few transactions of one and of several events; returns them as committed."""
    journaled = await open_journal(directory)
    workflow_id = journaled.state.latest_workflow["W"]
    committed = [
        await journaled.persist([e.KeyedEvent("a", e.OrderAdded(workflow_id=workflow_id))]),
        await journaled.persist(
            [
                e.KeyedEvent("b", e.OrderAdded(workflow_id=workflow_id)),
                e.KeyedEvent("a", e.OrderDeletionMarked()),
            ]
        ),
        await journaled.persist(
            [e.KeyedEvent("c", e.OrderAdded(workflow_id=workflow_id, arguments={"x": "y"}))]
        ),
        await journaled.persist([e.KeyedEvent(k, e.OrderDeletionMarked()) for k in ("b", "c")]),
    ]
    await journaled.close()
    return committed
