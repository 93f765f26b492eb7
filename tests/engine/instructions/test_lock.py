"""Lock: js7-reference §10 E7 (exclusive and shared), atomic demands, the queue, problems and release paths."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.instructions import LockDemand
from stellwerk.model.outcome import disrupted
from stellwerk.model.workflow import Workflow
from tests.engine.harness import (
    add_order,
    apply,
    failed_rc,
    lock_item,
    pairs,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)

A = "agentA"
CRIT = {"TYPE": "Execute.Named", "jobName": "crit", "label": "crit"}
JOBS = {"crit": shell_job(A, processLimit=10)}


def _lock(demands: list[dict[str, Any]], *body: dict[str, Any]) -> dict[str, Any]:
    return {"TYPE": "Lock", "demands": demands, "lockedWorkflow": {"instructions": list(body)}}


def _locking(path: str, demands: list[dict[str, Any]], *body: dict[str, Any]) -> Workflow:
    return workflow(path, {"instructions": [_lock(demands, *body)], "jobs": JOBS})


def _holders(state: EngineState, lock_path: str) -> dict[str, int | None]:
    return dict(state.lock_state(lock_path).holders)


L1 = [{"lockPath": "L1"}]
L1_DEMAND = (LockDemand(lock_path="L1"),)


def _to_agent(key: str) -> list[tuple[str, e.Event]]:
    return [
        (key, e.OrderAttachable(agent_path=A)),
        (key, e.OrderAttached(agent_path=A)),
        (key, e.OrderProcessingStarted(subagent_id=A)),
    ]


def test_e7_exclusive_lock_with_two_competing_orders() -> None:
    state = state_with(_locking("W", L1, CRIT), locks=(lock_item("L1"),))
    add_order(state, "A", "W")
    assert pairs(run(state, "A")) == [
        ("A", e.OrderStarted()),
        ("A", e.OrderLocksAcquired(demands=L1_DEMAND)),
        *_to_agent("A"),
    ]
    assert state.orders["A"].position == (0, "lock", 0)
    add_order(state, "B", "W")
    assert pairs(run(state, "B")) == [("B", e.OrderStarted()), ("B", e.OrderLocksQueued(demands=L1_DEMAND))]
    assert isinstance(state.orders["B"].state, o.WaitingForLock)

    assert pairs(process(state, "A", rc(0))) == [
        ("A", e.OrderProcessed(outcome=rc(0))),
        ("A", e.OrderMoved(to=(0, "lock", 1))),
        ("A", e.OrderDetachable()),
        ("A", e.OrderDetached()),
        ("A", e.OrderLocksReleased(lock_paths=("L1",))),
        ("A", e.OrderFinished()),
        ("B", e.OrderLocksAcquired(demands=L1_DEMAND)),
        *_to_agent("B"),
    ]
    assert _holders(state, "L1") == {"B": None}
    assert state.lock_state("L1").queue == []


def test_e7_shared_variant_lets_a_small_demand_overtake() -> None:
    two = _locking("W2", [{"lockPath": "L", "count": 2}], CRIT)
    one = _locking("W1", [{"lockPath": "L", "count": 1}], CRIT)
    state = state_with(two, one, locks=(lock_item("L", limit=3),))
    for order_id, path in (("A", "W2"), ("B", "W2"), ("C", "W1")):
        add_order(state, order_id, path)
        run(state, order_id)
    assert _holders(state, "L") == {"A": 2, "C": 1}
    assert state.lock_state("L").queue == ["B"]
    released = pairs(process(state, "A", rc(0)))
    assert ("B", e.OrderLocksAcquired(demands=(LockDemand(lock_path="L", count=2),))) in released
    assert _holders(state, "L") == {"C": 1, "B": 2}


def test_two_locks_are_acquired_atomically() -> None:
    both = _locking("WB", [{"lockPath": "L1"}, {"lockPath": "L2"}], CRIT)
    state = state_with(
        both, _locking("W2", [{"lockPath": "L2"}], CRIT), locks=(lock_item("L1"), lock_item("L2"))
    )
    add_order(state, "X", "W2")
    run(state, "X")
    add_order(state, "Y", "WB")
    assert pairs(run(state, "Y"))[-1] == ("Y", e.OrderLocksQueued(demands=both_demands()))
    assert _holders(state, "L1") == {}
    events = pairs(process(state, "X", rc(0)))
    assert ("Y", e.OrderLocksAcquired(demands=both_demands())) in events
    assert _holders(state, "L1") == {"Y": None} and _holders(state, "L2") == {"Y": None}
    events = pairs(process(state, "Y", rc(0)))
    assert ("Y", e.OrderLocksReleased(lock_paths=("L1", "L2"))) in events
    assert _holders(state, "L1") == {} and _holders(state, "L2") == {}


def both_demands() -> tuple[LockDemand, ...]:
    return (LockDemand(lock_path="L1"), LockDemand(lock_path="L2"))


def test_a_released_lock_goes_to_the_queued_order_of_higher_priority() -> None:
    state = state_with(_locking("W", L1, CRIT), locks=(lock_item("L1"),))
    add_order(state, "H", "W")
    add_order(state, "Q1", "W")
    add_order(state, "Q2", "W", priority=5)
    run(state, "H", "Q1", "Q2")
    assert state.lock_state("L1").queue == ["Q1", "Q2"]
    events = pairs(process(state, "H", rc(0)))
    acquired = [key for key, ev in events if isinstance(ev, e.OrderLocksAcquired)]
    assert acquired == ["Q2"]
    assert state.lock_state("L1").queue == ["Q1"]


def test_lock_is_released_when_the_job_inside_fails() -> None:
    state = state_with(_locking("W", L1, CRIT), locks=(lock_item("L1"),))
    add_order(state, "A", "W")
    add_order(state, "B", "W")
    run(state, "A", "B")
    events = pairs(process(state, "A", failed_rc(1)))
    assert events[:5] == [
        ("A", e.OrderProcessed(outcome=failed_rc(1))),
        ("A", e.OrderDetachable()),
        ("A", e.OrderDetached()),
        ("A", e.OrderLocksReleased(lock_paths=("L1",))),
        ("A", e.OrderFailed(moved_to=(0,))),
    ]
    assert events[5] == ("B", e.OrderLocksAcquired(demands=L1_DEMAND))
    assert _holders(state, "L1") == {"B": None}


def test_lock_is_released_by_finish_inside_the_lock() -> None:
    state = state_with(_locking("W", L1, {"TYPE": "Finish"}), locks=(lock_item("L1"),))
    add_order(state, "A", "W")
    assert pairs(run(state, "A")) == [
        ("A", e.OrderStarted()),
        ("A", e.OrderLocksAcquired(demands=L1_DEMAND)),
        ("A", e.OrderLocksReleased(lock_paths=("L1",))),
        ("A", e.OrderFinished()),
    ]
    assert _holders(state, "L1") == {}


def test_lock_is_released_when_the_order_is_cancelled_inside() -> None:
    state = state_with(_locking("W", L1, CRIT, CRIT), locks=(lock_item("L1"),))
    add_order(state, "A", "W")
    run(state, "A")
    apply(state, "A", e.OrderCancellationMarked(mode=o.FreshOrStarted()))
    assert pairs(process(state, "A", rc(0))) == [
        ("A", e.OrderProcessed(outcome=rc(0))),
        ("A", e.OrderMoved(to=(0, "lock", 1))),
        ("A", e.OrderDetachable()),
        ("A", e.OrderDetached()),
        ("A", e.OrderLocksReleased(lock_paths=("L1",))),
        ("A", e.OrderCancelled()),
    ]
    assert _holders(state, "L1") == {}


def test_a_cancelled_waiting_order_leaves_the_queue() -> None:
    state = state_with(_locking("W", L1, CRIT), locks=(lock_item("L1"),))
    add_order(state, "A", "W")
    add_order(state, "B", "W")
    run(state, "A", "B")
    apply(state, "B", e.OrderCancellationMarked(mode=o.FreshOrStarted()))
    assert pairs(run(state, "B")) == [("B", e.OrderStateReset()), ("B", e.OrderCancelled())]
    assert state.lock_state("L1").queue == []


def _fails(state: EngineState, order_id: str, message: str, at: tuple[int | str, ...] = (0,)) -> None:
    events = pairs(run(state, order_id))
    assert (order_id, e.OrderOutcomeAdded(outcome=disrupted(message))) in events
    assert events[-1] == (order_id, e.OrderFailed(moved_to=at))


def test_unknown_lock_fails_the_order() -> None:
    state = state_with(_locking("W", [{"lockPath": "Nope"}], CRIT))
    add_order(state, "A", "W")
    assert pairs(run(state, "A")) == [
        ("A", e.OrderStarted()),
        ("A", e.OrderOutcomeAdded(outcome=disrupted("Unknown Lock:Nope"))),
        ("A", e.OrderFailed(moved_to=(0,))),
    ]


def test_count_above_limit_or_below_one_fails_the_order() -> None:
    too_many = _locking("W4", [{"lockPath": "L", "count": 4}], CRIT)
    zero = _locking("W0", [{"lockPath": "L", "count": 0}], CRIT)
    state = state_with(too_many, zero, locks=(lock_item("L", limit=3),))
    add_order(state, "A", "W4")
    _fails(state, "A", "Cannot fulfill lock count=4 with Lock:L limit=3")
    add_order(state, "B", "W0")
    _fails(state, "B", "Invalid lock count=0 for Lock:L")


def test_the_order_cannot_acquire_a_lock_it_holds() -> None:
    state = state_with(_locking("W", L1, _lock(L1, CRIT)), locks=(lock_item("L1"),))
    add_order(state, "A", "W")
    events = pairs(run(state, "A"))
    assert events[-3:] == [
        ("A", e.OrderOutcomeAdded(outcome=disrupted("Lock:L1 has already been acquired by this order"))),
        ("A", e.OrderLocksReleased(lock_paths=("L1",))),
        ("A", e.OrderFailed(moved_to=(0,))),
    ]
    assert _holders(state, "L1") == {}


def test_a_child_cannot_acquire_a_lock_its_parent_holds() -> None:
    fork = {"TYPE": "Fork", "branches": [{"id": "a", "workflow": {"instructions": [_lock(L1, CRIT)]}}]}
    state = state_with(_locking("W", L1, fork), locks=(lock_item("L1"),))
    add_order(state, "P", "W")
    events = pairs(run(state, "P"))
    assert events[-2:] == [
        ("P|a", e.OrderOutcomeAdded(outcome=disrupted("Lock:L1 has already been acquired by parent P"))),
        ("P|a", e.OrderFailed(moved_to=(0, "lock", 0, "fork+a", 0))),
    ]
    assert _holders(state, "L1") == {"P": None}
