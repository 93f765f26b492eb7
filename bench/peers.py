"""Stellwerk beside its peers on this machine, in one run (issue #8): the same work for each, N runs of
`/bin/true` (a task, an order), timed the same way.

- Stellwerk: a Controller and an Agent as processes over mutual TLS, each with its journal (bench/throughput.py's
  set-up), one-job workflow with processLimit --parallelism; orders added in batches of 100.
- Celery with Redis (bench/_celery_peer.py): installed from PyPI into a virtual environment of its own under
  --cache, a worker with `-c 2` (Celery's setting for two cores; `-c 8` measured no faster here), results in
  Redis at 127.0.0.1:6379.
- The bare spawn rate of `/bin/true` from asyncio with --parallelism at once: the ceiling of any of them.

Figures: throughput (runs/s from the first submission until every run has finished), start latency p50/p99
(from submitting one run, paced at --rate per second, until its process or task starts; wall clock on both
sides) and the lateness of planned starts p50/p99 (--planned runs planned for exact times a few seconds ahead, the
first on a whole second, one each 1/rate s, all submitted before: each one's process start − its planned time;
Stellwerk: orders with scheduledFor, Celery: tasks with an eta). The table goes to stdout and to
docs/benchmarks.md with the command and the machine.

Without --quick also
- APScheduler 3 (bench/_apscheduler_peer.py: in-process, memory job store, a thread pool of --parallelism; planned
  starts by `date` triggers);
- Prefect 3 (bench/_prefect_peer.py: its server on SQLite and the flow served by `flow.serve`, a process per run;
  planned starts as flow runs Scheduled for their time);
- Airflow 3 (bench/_airflow_peer.py: LocalExecutor on the local PostgreSQL, api-server, scheduler and
  dag-processor, a DAG with a BashOperator running /bin/true, runs triggered through the REST API; planned starts
  by a DeltaTriggerTimetable every 5 s);
each with the reason in its row when it cannot be installed or run. Prefect and Airflow start a Python process
per run, so they get --slow-runs runs (a quarter of them paced, as many planned), and where one cannot keep up
with --rate its latency runs are paced at half its throughput (the row says so), and so are Prefect's planned
starts (on whole seconds; Airflow's come every 5 s). A negative lateness is a start before the planned time
(Prefect rounds its wait to whole seconds).

    python bench/peers.py [--quick] [--orders N] [--paced M] [--rate R] [--planned K] [--parallelism P]
        [--slow-runs S] [--cache DIR]

`--quick`: Stellwerk and Celery only, 1,000 runs, 100 paced and 100 planned (well under five minutes). The last
line is `stellwerk_orders_per_s=… celery_tasks_per_s=… ratio_vs_celery=…` with the latencies beside.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import _airflow_peer as airflow_peer
import _apscheduler_peer as apscheduler_peer
import _celery_peer as celery_peer
import _peer_environment as peer_environment
import _prefect_peer as prefect_peer
import throughput
from stellwerk.controller.service import ControllerService
from stellwerk.model import commands as c

DOCUMENT = Path(__file__).parent.parent / "docs" / "benchmarks.md"
LEAD_S = 2  # Stellwerk's planned starts this far ahead: all added before


class Figures(NamedTuple):
    runs_per_s: float
    p50_ms: float
    p99_ms: float
    late_p50_ms: float | None = None  # how late planned starts began
    late_p99_ms: float | None = None
    paced_per_s: float | None = None  # the latency runs' rate, when lower than --rate


class Counts(NamedTuple):
    runs: int  # for the throughput
    paced: int  # for the start latency
    planned: int  # for the lateness of planned starts


async def stellwerk(counts: Counts, rate: float, parallelism: int) -> Figures:
    with tempfile.TemporaryDirectory(prefix="stellwerk-peers-") as folder:
        async with throughput.nodes(Path(folder), parallelism) as (controller, agent):
            await throughput.orders_per_second(controller, min(50, counts.runs), "w")  # warm-up
            rate_of_orders = await throughput.orders_per_second(controller, counts.runs, "t")
            latencies = await throughput.paced_latencies(controller, agent, counts.paced, rate)
            lateness = await planned_lateness(controller, agent, counts.planned, rate)
    return Figures(
        rate_of_orders,
        statistics.median(latencies),
        throughput.percentile(latencies, 0.99),
        *quantiles(lateness),
    )


async def planned_lateness(
    controller: ControllerService, agent: throughput.AgentChild, count: int, pace: float
) -> list[float]:
    """Milliseconds from each order's scheduledFor until the Agent started its process: `count` orders planned
    for exact times one each 1/pace s, the first on a whole second at least LEAD_S ahead, all added at once."""
    first = math.ceil(time.time() + LEAD_S)
    planned = {f"{throughput.PACED_PREFIX}lan{index}": first + index / pace for index in range(count)}
    orders = tuple(
        c.FreshOrder(
            id=key, workflow_path="bench", scheduled_for=round(at * 1000), delete_when_terminated=True
        )
        for key, at in planned.items()
    )
    await controller.execute(c.AddOrders(orders=orders))
    while any(key not in agent.started for key in planned):
        agent.arrived.clear()
        await asyncio.wait_for(agent.arrived.wait(), LEAD_S + 10.0)
    return [agent.started[key] / 1e6 - at * 1000 for key, at in planned.items()]


def quantiles(values: list[float]) -> tuple[float | None, float | None]:
    """p50 and p99, or none of an empty list."""
    if not values:
        return None, None
    return statistics.median(values), throughput.percentile(values, 0.99)


class Peer(Protocol):
    """A peer's module: the names of its environment and its package, what it installs."""

    @property
    def NAME(self) -> str: ...  # the module's constant

    @property
    def DISTRIBUTION(self) -> str: ...

    @property
    def REQUIREMENTS(self) -> Sequence[str]: ...


class SlowPeer(Peer, Protocol):
    """A peer that runs a Python process per run (Prefect, Airflow)."""

    def run(
        self, python: Path, work: Path, count: int, paced: int, rate: float, planned: int, parallelism: int
    ) -> dict[str, Any]: ...


def measured(peer: Peer, run: Callable[[Path, Path], dict[str, Any]], cache: Path) -> Figures | str:
    """A peer's figures: its environment installed (or updated) under the cache, then `run(python, work)` in a
    temporary folder; or why there are none, as the table says it."""
    uv = Path(sys.executable).parent / "uv"
    try:
        python = peer_environment.environment(cache, peer.NAME, peer.REQUIREMENTS, uv)
    except Exception as error:  # a peer that cannot be installed is reported with the reason
        return f"cannot be installed here: {one_line(error)}"
    try:
        with tempfile.TemporaryDirectory(prefix=f"{peer.NAME}-peer-") as work:
            found = run(python, Path(work))
    except Exception as error:  # a peer that cannot run is reported with the reason
        return f"could not be run: {one_line(error)}"
    return Figures(
        found["tasks_per_s"],
        found["p50_ms"],
        found["p99_ms"],
        found.get("late_p50_ms"),
        found.get("late_p99_ms"),
        found.get("paced_per_s"),
    )


def version(peer: Peer, cache: Path) -> str:
    """The peer's version as installed in its environment, or `?`."""
    return peer_environment.installed_version(peer_environment.python_of(cache, peer.NAME), peer.DISTRIBUTION)


def one_line(error: Exception) -> str:
    """An error as a table cell: one line without `|`, its end when long (where the cause is)."""
    text = " ".join(str(error).split()).replace("|", "/")
    return text if len(text) <= 400 else "…" + text[-400:]


def celery(cache: Path, counts: Counts, rate: float) -> Figures | str:
    if shutil.which("redis-cli") is None:
        return "no Redis here (redis-cli not found)"

    def run(python: Path, work: Path) -> dict[str, Any]:
        return celery_peer.run(python, work, counts.runs, counts.paced, rate, counts.planned)

    return measured(celery_peer, run, cache)


def apscheduler(cache: Path, counts: Counts, rate: float, workers: int) -> Figures | str:
    def run(python: Path, work: Path) -> dict[str, Any]:
        return apscheduler_peer.run(python, work, counts.runs, counts.paced, rate, counts.planned, workers)

    return measured(apscheduler_peer, run, cache)


def slow_peer(peer: SlowPeer, cache: Path, counts: Counts, rate: float, parallelism: int) -> Figures | str:
    def run(python: Path, work: Path) -> dict[str, Any]:
        return peer.run(python, work, counts.runs, counts.paced, rate, counts.planned, parallelism)

    return measured(peer, run, cache)


def table(rows: list[tuple[str, Figures | str]], spawn: float, parallelism: int, rate: float) -> list[str]:
    lines = [
        "| | runs/s | × Celery | of bare spawn | start p50 ms | start p99 ms | late p50 ms | late p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    celery_rate = next(
        (f.runs_per_s for name, f in rows if name.startswith("Celery") and isinstance(f, Figures)), None
    )
    for name, figures in rows:
        if isinstance(figures, str):
            lines.append(f"| {name} | {figures} | | | | | | |")
            continue
        if figures.paced_per_s is not None and figures.paced_per_s < rate:
            name += f", latency paced at {figures.paced_per_s:.2g}/s"
        versus = ratio(figures.runs_per_s / celery_rate) if celery_rate else "–"
        lines.append(
            f"| {name} | {runs_per_s(figures.runs_per_s)} | {versus} | {ratio(figures.runs_per_s / spawn)} | "
            f"{figures.p50_ms:,.2f} | {figures.p99_ms:,.2f} | {milliseconds(figures.late_p50_ms)} | "
            f"{milliseconds(figures.late_p99_ms)} |"
        )
    lines.append(f"| bare spawn of /bin/true, {parallelism} at once | {spawn:,.0f} | | 1.00 | | | | |")
    return lines


def verdicts(rows: list[tuple[str, Figures | str]]) -> list[str]:
    """Issue #8's targets for this 2-core machine, each met or missed in this run (none for a peer not measured)."""
    measured_rows = {name.split()[0]: f for name, f in rows if isinstance(f, Figures)}
    ours, celery_figures = measured_rows["Stellwerk"], measured_rows.get("Celery")
    airflow = measured_rows.get("Airflow")
    checks: list[tuple[str, bool, str]] = []
    if celery_figures is not None:
        times = ours.runs_per_s / celery_figures.runs_per_s
        checks += [
            ("throughput ≥ 1.3× Celery's", times >= 1.3, f"{times:.2f}×"),
            _no_worse("start latency p50", ours.p50_ms, celery_figures.p50_ms),
            _no_worse("start latency p99", ours.p99_ms, celery_figures.p99_ms),
        ]
    if airflow is not None:
        times = ours.runs_per_s / airflow.runs_per_s
        checks.append(("throughput ≥ 100× Airflow's", times >= 100, f"{times:,.0f}×"))
    if ours.late_p99_ms is not None:
        checks.append(("lateness p99 ≤ 50 ms", ours.late_p99_ms <= 50, f"{ours.late_p99_ms:.2f} ms"))
    return [f"- {target}: {'met' if met else 'missed'} ({figure})" for target, met, figure in checks]


def _no_worse(what: str, ours: float, celery_ms: float) -> tuple[str, bool, str]:
    return f"{what} no worse than Celery's", ours <= celery_ms, f"{ours:.2f} against {celery_ms:.2f} ms"


def runs_per_s(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


def ratio(value: float) -> str:
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


def milliseconds(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}"


def counts_sentence(arguments: argparse.Namespace) -> str:
    sentence = (
        f"{arguments.orders:,} runs of `/bin/true` for the throughput, {arguments.paced} paced at "
        f"{arguments.rate:g}/s for the start latency, {arguments.planned} planned for exact times 1/"
        f"{arguments.rate:g} s apart for the lateness (late: process start − planned time)."
    )
    if arguments.quick:
        return sentence
    few = slow_counts(arguments)
    return f"{sentence} Prefect and Airflow: {few.runs} runs, {few.paced} paced and {few.planned} planned."


def write_document(lines: list[str], targets: list[str], arguments: argparse.Namespace, command: str) -> None:
    load = os.getloadavg()
    facts = (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    text = [
        "# Benchmarks beside the peers",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}` on {facts}.",
        counts_sentence(arguments),
        "",
        *lines,
        "",
        (
            "Stellwerk: a Controller and an Agent, each a process with its own fsynced journal, talking mutual "
            "TLS. Celery: one worker with `-c 2`, Redis as broker and result backend. APScheduler: in-process, "
            "memory job store. Prefect: its server on SQLite and the flow served by `flow.serve`, a process per "
            "run. Airflow: LocalExecutor on PostgreSQL with api-server, scheduler and dag-processor. Late: a run "
            "planned for an exact time, from that time until its process started (negative: it started early). "
            "The peers' recipes and what each figure means are in bench/peers.py and its bench/_*_peer.py."
        ),
        "",
        "Against the targets of issue #8 on 2 cores, in this run:",
        "",
        *targets,
        "",
    ]
    DOCUMENT.write_text("\n".join(text))


def main(arguments: argparse.Namespace) -> None:
    cache = Path(arguments.cache).expanduser()
    counts = Counts(arguments.orders, arguments.paced, arguments.planned)
    ours = asyncio.run(stellwerk(counts, arguments.rate, arguments.parallelism))
    theirs = celery(cache, counts, arguments.rate)
    spawn = asyncio.run(throughput.spawns_per_second(arguments.orders, arguments.parallelism))
    celery_name = f"Celery {version(celery_peer, cache)} + Redis, -c 2"
    rows: list[tuple[str, Figures | str]] = [
        (f"Stellwerk (processLimit {arguments.parallelism})", ours),
        (celery_name, theirs),
    ]
    if not arguments.quick:
        rows += slower_peers(cache, arguments, counts)
    lines = table(rows, spawn, arguments.parallelism, arguments.rate)
    targets = verdicts(rows)
    print("\n".join([*lines, "", *targets]))
    write_document(lines, targets, arguments, " ".join(["python bench/peers.py", *sys.argv[1:]]))
    nan = float("nan")
    celery_figures = theirs if isinstance(theirs, Figures) else Figures(nan, nan, nan)
    print(
        f"stellwerk_orders_per_s={ours.runs_per_s:.0f} celery_tasks_per_s={celery_figures.runs_per_s:.0f} "
        f"ratio_vs_celery={ours.runs_per_s / celery_figures.runs_per_s:.2f} stellwerk_p50_ms={ours.p50_ms:.2f} "
        f"celery_p50_ms={celery_figures.p50_ms:.2f} stellwerk_p99_ms={ours.p99_ms:.2f} "
        f"celery_p99_ms={celery_figures.p99_ms:.2f} spawn_per_s={spawn:.0f}"
    )


def slow_counts(arguments: argparse.Namespace) -> Counts:
    """Prefect's and Airflow's: --slow-runs, a quarter of them paced and as many planned."""
    quarter = max(2, arguments.slow_runs // 4)
    return Counts(arguments.slow_runs, quarter, quarter)


def slower_peers(
    cache: Path, arguments: argparse.Namespace, counts: Counts
) -> list[tuple[str, Figures | str]]:
    """The rows of the full run beside Celery: APScheduler with the same counts, Prefect and Airflow with
    --slow-runs (they start a Python process per run: thousands would take hours)."""
    parallelism, rate = arguments.parallelism, arguments.rate
    scheduled = apscheduler(cache, counts, rate, parallelism)
    rows: list[tuple[str, Figures | str]] = [
        (f"APScheduler {version(apscheduler_peer, cache)} (memory store, {parallelism} threads)", scheduled)
    ]
    few = slow_counts(arguments)
    prefect_name = (
        f"Prefect {version(prefect_peer, cache)} (server + serve, limit {parallelism}; {few.runs} runs)"
    )
    rows.append((prefect_name, slow_peer(prefect_peer, cache, few, rate, parallelism)))
    airflow_name = (
        f"Airflow {version(airflow_peer, cache)} (LocalExecutor, parallelism {parallelism}, PostgreSQL; "
        f"{few.runs} runs)"
    )
    rows.append((airflow_name, slow_peer(airflow_peer, cache, few, rate, parallelism)))
    return rows


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
    parser.add_argument("--planned", type=int, default=100, help="runs planned for exact times")
    parser.add_argument(
        "--slow-runs", type=int, default=40, help="Prefect's and Airflow's runs (a quarter paced)"
    )
    parser.add_argument("--parallelism", type=int, default=8, help="Stellwerk's processLimit, the spawn's")
    parser.add_argument("--cache", default="~/.cache/stellwerk-bench/peers", help="the peers' environments")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.orders, arguments.paced = 1000, 100
    return arguments


if __name__ == "__main__":
    main(parse_arguments())
