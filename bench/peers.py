"""Stellwerk beside its peers on this machine, in one run (issue #8): the same work for each, N runs of
`/bin/true` (a task, an order), timed the same way.

- Stellwerk: a Controller and an Agent as processes over mutual TLS, each with its journal (bench/throughput.py's
  set-up), one-job workflow with processLimit --parallelism; orders added in batches of 100.
- Celery with Redis (bench/celery_peer.py): installed from PyPI into a virtual environment of its own under
  --cache, a worker with `-c 2` (Celery's setting for two cores; `-c 8` measured no faster here), results in
  Redis at 127.0.0.1:6379.
- The bare spawn rate of `/bin/true` from asyncio with --parallelism at once: the ceiling of any of them.

Figures: throughput (runs/s from the first submission until every run has finished) and start latency p50/p99
(from submitting one run, paced at --rate per second, until its process or task starts; wall clock on both
sides). The table goes to stdout and to docs/benchmarks.md with the command and the machine.

Without --quick also APScheduler 3 (bench/_apscheduler_peer.py: in-process, memory job store, a thread pool of
--parallelism). Not measured by this script yet, and so reported as such in the table: Prefect and Airflow, and
the planned-start lateness of cron-like schedules (bench/dailyplan.py measures Stellwerk's: p99 2-3 ms).

    python bench/peers.py [--quick] [--orders N] [--paced M] [--rate R] [--parallelism P] [--cache DIR]

`--quick`: 1,000 runs and 100 paced ones (well under five minutes). The last line is
`stellwerk_orders_per_s=… celery_tasks_per_s=… ratio_vs_celery=…` with the latencies beside.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import _apscheduler_peer as apscheduler_peer
import _celery_peer as celery_peer
import throughput

DOCUMENT = Path(__file__).parent.parent / "docs" / "benchmarks.md"
NOT_MEASURED = {
    "Prefect": "not measured by bench/peers.py yet",
    "Airflow (LocalExecutor)": "not measured by bench/peers.py yet",
}


class Figures(NamedTuple):
    runs_per_s: float
    p50_ms: float
    p99_ms: float


async def stellwerk(count: int, paced: int, rate: float, parallelism: int) -> Figures:
    with tempfile.TemporaryDirectory(prefix="stellwerk-peers-") as folder:
        async with throughput.nodes(Path(folder), parallelism) as (controller, agent):
            await throughput.orders_per_second(controller, min(50, count), "w")  # warm-up
            rate_of_orders = await throughput.orders_per_second(controller, count, "t")
            latencies = await throughput.paced_latencies(controller, agent, paced, rate)
    return Figures(rate_of_orders, statistics.median(latencies), throughput.percentile(latencies, 0.99))


def celery(cache: Path, count: int, paced: int, rate: float) -> Figures | str:
    """Celery's figures, or why there are none."""
    if shutil.which("redis-cli") is None:
        return "no Redis here (redis-cli not found)"
    uv = Path(sys.executable).parent / "uv"
    try:
        python = celery_peer.environment(cache, uv)
        with tempfile.TemporaryDirectory(prefix="celery-peer-") as work:
            found = celery_peer.run(python, Path(work), count, paced, rate)
    except Exception as error:  # a peer that cannot run is reported with the reason
        return f"could not be run: {error}"
    return Figures(found["tasks_per_s"], found["p50_ms"], found["p99_ms"])


def apscheduler(cache: Path, count: int, paced: int, rate: float, workers: int) -> Figures | str:
    uv = Path(sys.executable).parent / "uv"
    try:
        python = apscheduler_peer.environment(cache, uv)
        with tempfile.TemporaryDirectory(prefix="apscheduler-peer-") as work:
            found = apscheduler_peer.run(python, Path(work), count, paced, rate, workers)
    except Exception as error:  # a peer that cannot run is reported with the reason
        return f"could not be run: {error}"
    return Figures(found["tasks_per_s"], found["p50_ms"], found["p99_ms"])


def table(rows: list[tuple[str, Figures | str]], spawn: float, parallelism: int) -> list[str]:
    lines = [
        "| | runs/s | × Celery | of bare spawn | start p50 ms | start p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    celery_rate = next(
        (f.runs_per_s for name, f in rows if name.startswith("Celery") and isinstance(f, Figures)), None
    )
    for name, figures in rows:
        if isinstance(figures, str):
            lines.append(f"| {name} | {figures} | | | | |")
            continue
        versus = f"{figures.runs_per_s / celery_rate:.2f}" if celery_rate else "–"
        lines.append(
            f"| {name} | {figures.runs_per_s:,.0f} | {versus} | {figures.runs_per_s / spawn:.2f} | "
            f"{figures.p50_ms:.2f} | {figures.p99_ms:.2f} |"
        )
    lines.append(f"| bare spawn of /bin/true, {parallelism} at once | {spawn:,.0f} | | 1.00 | | |")
    return lines


def write_document(lines: list[str], arguments: argparse.Namespace, command: str) -> None:
    load = os.getloadavg()
    facts = (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    text = [
        "# Benchmarks beside the peers",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}` on {facts}.",
        (
            f"{arguments.orders:,} runs of `/bin/true` for the throughput, {arguments.paced} paced at "
            f"{arguments.rate:g}/s for the start latency."
        ),
        "",
        *lines,
        "",
        (
            "Stellwerk: a Controller and an Agent, each a process with its own fsynced journal, talking mutual "
            "TLS. Celery: one worker with `-c 2`, Redis as broker and result backend. The peers' recipes and what "
            "each figure means are in bench/peers.py."
        ),
        "",
    ]
    DOCUMENT.write_text("\n".join(text))


def main(arguments: argparse.Namespace) -> None:
    cache = Path(arguments.cache).expanduser()
    ours = asyncio.run(stellwerk(arguments.orders, arguments.paced, arguments.rate, arguments.parallelism))
    theirs = celery(cache, arguments.orders, arguments.paced, arguments.rate)
    spawn = asyncio.run(throughput.spawns_per_second(arguments.orders, arguments.parallelism))
    celery_name = f"Celery {celery_peer.version(celery_peer.environment_python(cache))} + Redis, -c 2"
    rows: list[tuple[str, Figures | str]] = [
        (f"Stellwerk (processLimit {arguments.parallelism})", ours),
        (celery_name, theirs),
    ]
    if not arguments.quick:
        scheduled = apscheduler(
            cache, arguments.orders, arguments.paced, arguments.rate, arguments.parallelism
        )
        version = apscheduler_peer.version(apscheduler_peer.environment_python(cache))
        rows.append((f"APScheduler {version} (memory store, {arguments.parallelism} threads)", scheduled))
        rows += list(NOT_MEASURED.items())
    lines = table(rows, spawn, arguments.parallelism)
    print("\n".join(lines))
    write_document(lines, arguments, " ".join(["python bench/peers.py", *sys.argv[1:]]))
    nan = float("nan")
    celery_figures = theirs if isinstance(theirs, Figures) else Figures(nan, nan, nan)
    print(
        f"stellwerk_orders_per_s={ours.runs_per_s:.0f} celery_tasks_per_s={celery_figures.runs_per_s:.0f} "
        f"ratio_vs_celery={ours.runs_per_s / celery_figures.runs_per_s:.2f} stellwerk_p50_ms={ours.p50_ms:.2f} "
        f"celery_p50_ms={celery_figures.p50_ms:.2f} stellwerk_p99_ms={ours.p99_ms:.2f} "
        f"celery_p99_ms={celery_figures.p99_ms:.2f} spawn_per_s={spawn:.0f}"
    )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="1,000 runs, 100 paced; Stellwerk and Celery only"
    )
    parser.add_argument("--orders", type=int, default=5000, help="runs for the throughput")
    parser.add_argument("--paced", type=int, default=500, help="runs for the start latency")
    parser.add_argument("--rate", type=float, default=50.0, help="paced runs per second")
    parser.add_argument("--parallelism", type=int, default=8, help="Stellwerk's processLimit, the spawn's")
    parser.add_argument("--cache", default="~/.cache/stellwerk-bench/peers", help="the peers' environments")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.orders, arguments.paced = 1000, 100
    return arguments


if __name__ == "__main__":
    main(parse_arguments())
