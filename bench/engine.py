"""Pure-engine throughput and memory.

Runs N orders through a 10-step workflow in the pure engine: the engine derives and applies every event; the
benchmark plays the agent by reporting each job's outcome (OrderProcessed). Then measures the memory that
orders waiting at a job (Fresh, scheduled for later) take.

    python bench/engine.py [--quick] [--orders N]

Targets (issue #2): >= 50,000 events/s on one core; <= 2 KB per waiting order.
The last line is `name=value` figures for scripts.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import msgspec

from stellwerk.engine.apply import apply_event
from stellwerk.engine.derive import derive
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model.outcome import Succeeded
from stellwerk.model.workflow import Workflow

STEPS = 10
T0 = 1_800_000_000_000


def ten_step_workflow() -> Workflow:
    job = {
        "agentPath": "agentA",
        "processLimit": 1_000_000,
        "executable": {"TYPE": "ShellScriptExecutable", "script": "exit 0"},
    }
    raw = {
        "TYPE": "Workflow",
        "path": "bench",
        "versionId": "1",
        "instructions": [{"TYPE": "Execute.Named", "jobName": f"job{n}"} for n in range(STEPS)],
        "jobs": {f"job{n}": job for n in range(STEPS)},
    }
    return msgspec.convert(raw, Workflow)


def new_state() -> EngineState:
    state = EngineState()
    state.add_workflow(ten_step_workflow())
    return state


def add_orders(state: EngineState, count: int, scheduled_for: int | None = None) -> list[str]:
    workflow_id = state.latest_workflow["bench"]
    ids = [f"order-{n}" for n in range(count)]
    for order_id in ids:
        added = e.OrderAdded(workflow_id=workflow_id, scheduled_for=scheduled_for)
        assert apply_event(state, e.KeyedEvent(order_id, added)) is None
    return ids


def throughput(count: int) -> tuple[int, float]:
    state = new_state()
    success = e.OrderProcessed(outcome=Succeeded(named_values={"returnCode": 0}))
    started = time.perf_counter()
    ids = add_orders(state, count)
    events = count + len(derive(state, ids, T0))
    for _ in range(STEPS):
        for order_id in ids:
            assert apply_event(state, e.KeyedEvent(order_id, success)) is None
        events += count + len(derive(state, ids, T0))
    elapsed = time.perf_counter() - started
    assert all(o.state.__class__.__name__ == "Finished" for o in state.orders.values())
    return events, elapsed


def bytes_per_waiting_order(count: int) -> float:
    gc.collect()
    tracemalloc.start()
    state = new_state()
    before = tracemalloc.get_traced_memory()[0]
    ids = add_orders(state, count, scheduled_for=T0 + 86_400_000)
    derive(state, ids, T0)  # attached to the agent, waiting for their time
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 orders instead of 100,000")
    parser.add_argument("--orders", type=int, default=None)
    args = parser.parse_args()
    count = args.orders or (10_000 if args.quick else 100_000)
    events, elapsed = throughput(count)
    rate = events / elapsed
    print(f"{count} orders x {STEPS} steps: {events} events derived and applied in {elapsed:.2f} s")
    memory = bytes_per_waiting_order(count)
    print(f"memory per waiting order: {memory:.0f} bytes")
    print(f"orders={count} events={events} events_per_second={rate:.0f} bytes_per_waiting_order={memory:.0f}")


if __name__ == "__main__":
    main()
