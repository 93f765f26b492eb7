"""Durable journal throughput with group commit.

N concurrent producers each persist one event at a time through `JournaledState` (write, fdatasync, apply,
publish) for a fixed time; reports durable events per second, events per fdatasync and latency, for N = 1, 10,
100 and 1000. The journal lives in a temporary directory on the default temp file system (TMPDIR).

    python bench/journal.py [--quick] [--seconds S]

Target (architecture.md §4): >= 50,000 durable events/s per node with group commit.
The last line is `name=value` figures for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import msgspec

from stellwerk.engine.state import EngineState
from stellwerk.journal.journaled import JournaledState
from stellwerk.model import events as e
from stellwerk.model.workflow import Workflow

PRODUCERS = (1, 10, 100, 1000)


class CountingSync:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, fd: int) -> None:
        self.calls += 1
        os.fdatasync(fd)


def initial_state() -> EngineState:
    job = {"agentPath": "agentA", "executable": {"TYPE": "ShellScriptExecutable", "script": "exit 0"}}
    raw = {
        "TYPE": "Workflow",
        "path": "bench",
        "versionId": "1",
        "instructions": [{"TYPE": "Execute.Named", "jobName": "job"}],
        "jobs": {"job": job},
    }
    state = EngineState()
    state.add_workflow(msgspec.convert(raw, Workflow))
    return state


def clock() -> int:
    return time.time_ns() // 1_000_000


class Level(msgspec.Struct):
    producers: int
    events: int
    seconds: float
    syncs: int
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds


async def run_level(directory: Path, producers: int, seconds: float) -> Level:
    sync = CountingSync()
    journaled = await JournaledState.open(
        directory, base="bench", clock=clock, initial_state=initial_state, sync=sync
    )
    assert isinstance(journaled, JournaledState), journaled
    workflow_id = journaled.state.latest_workflow["bench"]
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def producer(number: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            keyed = e.KeyedEvent(f"p{number}-{n}", e.OrderAdded(workflow_id=workflow_id))
            started = time.perf_counter()
            await journaled.persist([keyed])
            latencies.append(time.perf_counter() - started)
            n += 1

    started = time.perf_counter()
    await asyncio.gather(*(producer(number) for number in range(producers)))
    elapsed = time.perf_counter() - started
    await journaled.close()
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return Level(producers, len(latencies), elapsed, sync.calls, quantiles[49] * 1000, quantiles[98] * 1000)


async def main_async(seconds: float) -> list[Level]:
    levels = []
    for producers in PRODUCERS:
        with tempfile.TemporaryDirectory(prefix="stellwerk-bench-journal-") as directory:
            level = await run_level(Path(directory), producers, seconds)
        levels.append(level)
        print(
            f"{producers:5d} producers: {level.rate:9,.0f} durable events/s, "
            f"{level.events / max(level.syncs, 1):7.1f} events per fdatasync, "
            f"latency p50 {level.p50_ms:.2f} ms p99 {level.p99_ms:.2f} ms"
        )
    return levels


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="0.5 s per level instead of 3 s")
    parser.add_argument("--seconds", type=float, default=None)
    args = parser.parse_args()
    seconds = args.seconds or (0.5 if args.quick else 3.0)
    levels = asyncio.run(main_async(seconds))
    figures = " ".join(
        f"events_per_second_{level.producers}={level.rate:.0f} "
        f"events_per_sync_{level.producers}={level.events / max(level.syncs, 1):.1f} "
        f"p99_ms_{level.producers}={level.p99_ms:.2f}"
        for level in levels
    )
    print(figures)


if __name__ == "__main__":
    main()
