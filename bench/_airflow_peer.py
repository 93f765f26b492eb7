"""Airflow 3 as a peer of bench/peers.py: the same work (a DAG whose one task, a BashOperator, runs `/bin/true`),
Airflow installed from PyPI in a virtual environment of its own, run as its documentation sets up a LocalExecutor
on one machine:

- its metadata database on the machine's PostgreSQL at 127.0.0.1:5432 (a database of its own, made anew and
  migrated with `airflow db migrate` before each run, dropped after it);
- `airflow api-server` (on 127.0.0.1, two workers for two cores), `airflow scheduler` with the LocalExecutor
  (parallelism --parallelism) and `airflow dag-processor`, each a process of its own;
- the driver triggers DAG runs through the REST API (`POST /api/v2/dags/{dag}/dagRuns`, all users admins).

The task's shell writes a marker file once its /bin/true has run: the wall-clock time just before it started
/bin/true and the run's `run_after`. Figures, as for the other peers: runs/s from the first run triggered until
every marker is there; start latency from triggering a run until its /bin/true started, paced at --rate, or at
half the throughput where Airflow cannot keep up with --rate (the table says so). Lateness: a second DAG scheduled
by a DeltaTriggerTimetable every PLANNED_EVERY_S s (Airflow's cron has minutes only; without catch-up its runs
are planned from the moment it is unpaused on, every 5 s, not on whole seconds), unpaused for as many runs as
--planned asks: /bin/true's start − the run's planned time (`run_after`). A run triggered with a future
`run_after` is not held back by the scheduler, so timetables are Airflow's one way to plan a start."""

from __future__ import annotations

import contextlib
import secrets
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from _peer_environment import (
    MARKERS,
    REPORT,
    background,
    drive,
    free_port,
    prepared,
    wait_for_http,
)

NAME, DISTRIBUTION = "airflow", "apache-airflow"  # of its environment, of its package
REQUIREMENTS = ("apache-airflow[postgres]>=3.1,<4",)
DATABASE = "stellwerk_bench_airflow"
SERVER = "postgres@127.0.0.1:5432"
PLANNED_EVERY_S = 5

DAGS = """
import os
from datetime import datetime, timedelta
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, DeltaTriggerTimetable

MARKER = ('started=$EPOCHREALTIME; /bin/true && echo "$started {{ dag_run.run_after.timestamp() }}" > '
          + os.path.join(os.environ["BENCH_MARKERS"], "{{ run_id }}"))

with DAG("bench_true", schedule=None, start_date=datetime(2026, 1, 1), catchup=False,
         is_paused_upon_creation=False, max_active_runs=64):
    BashOperator(task_id="true", bash_command=MARKER)

with DAG("bench_planned", schedule=DeltaTriggerTimetable(timedelta(seconds=int(os.environ["BENCH_EVERY_S"]))),
         start_date=datetime(2026, 1, 1), catchup=False, is_paused_upon_creation=True):
    BashOperator(task_id="true", bash_command=MARKER)
"""

DRIVER = """
import json, os, sys, time, urllib.error, urllib.request

count, paced, rate, planned = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
api, folder = os.environ["BENCH_API"], os.environ["BENCH_MARKERS"]


def call(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(api + path, method=method, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)


def until_parsed(token):
    deadline = time.monotonic() + 300
    while True:
        try:
            return call("GET", "/api/v2/dags/bench_planned", token=token)
        except urllib.error.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


token = call("GET", "/auth/token")["access_token"]
until_parsed(token)


def submit(key):
    call("POST", "/api/v2/dags/bench_true/dagRuns", {"dag_run_id": key, "logical_date": None}, token)


submit("w0")  # warm-up: the scheduler and the executor's processes are up
wait_for_markers(folder, ["w0"], 600)
runs_per_s = runs_per_second(submit, folder, count)
pace = slower_pace(rate, runs_per_s)
latencies = paced_latencies(submit, folder, paced, pace)
unpaused = time.time()
call("PATCH", "/api/v2/dags/bench_planned", {"is_paused": False}, token)
deadline = unpaused + 120 + 2 * planned * int(os.environ["BENCH_EVERY_S"])
plan = {}
while len(plan) < planned and time.time() < deadline:
    time.sleep(0.5)
    found = read_markers(folder, [name for name in os.listdir(folder) if name.startswith("scheduled__")])
    plan = {key: marker for key, marker in found.items() if marker[1] > unpaused}  # not the catch-up run
call("PATCH", "/api/v2/dags/bench_planned", {"is_paused": True}, token)
if len(plan) < planned:
    raise RuntimeError(f"{len(plan)} of {planned} planned runs within {deadline - unpaused:.0f} s")
report(runs_per_s, latencies, lateness_of(dict(sorted(plan.items())[:planned])), pace)
"""


def run(
    python: Path, work: Path, count: int, paced: int, rate: float, planned: int, parallelism: int
) -> dict[str, Any]:
    """Makes Airflow's database, starts its api-server, scheduler and dag-processor, runs the driver, stops them;
    the driver's figures."""
    markers = prepared(work, {"dags/bench.py": DAGS, "driver.py": REPORT + MARKERS + DRIVER})
    port = free_port()
    env = airflow_environment(python, work, markers, port, parallelism)
    with database(python):
        migrated = subprocess.run(
            [str(python), "-m", "airflow", "db", "migrate"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if migrated.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed: {migrated.stderr.strip()[-1000:]}")
        with components(python, work, env, port):
            return drive(python, work, env, "Airflow", count, paced, rate, planned)


def airflow_environment(
    python: Path, work: Path, markers: Path, port: int, parallelism: int
) -> dict[str, str]:
    return {
        "PATH": str(python.parent) + ":/usr/bin:/bin",
        "HOME": str(work),
        "AIRFLOW_HOME": str(work / "home"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(work / "dags"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(parallelism),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{SERVER}/{DATABASE}",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "2",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),  # the same in every component
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "BENCH_API": f"http://127.0.0.1:{port}",
        "BENCH_MARKERS": str(markers),
        "BENCH_EVERY_S": str(PLANNED_EVERY_S),
    }


@contextlib.contextmanager
def database(python: Path) -> Iterator[None]:
    """Airflow's database on the local PostgreSQL, made anew for the run and dropped after it (with psycopg of
    Airflow's environment)."""
    postgres("DROP DATABASE IF EXISTS {database} WITH (FORCE)", "CREATE DATABASE {database}", python=python)
    try:
        yield
    finally:
        postgres("DROP DATABASE IF EXISTS {database} WITH (FORCE)", python=python)


def postgres(*statements: str, python: Path) -> None:
    script = "\n".join(
        [
            "import psycopg",
            f"with psycopg.connect('postgresql://{SERVER}/postgres', autocommit=True) as connection:",
            *(f"    connection.execute({statement.format(database=DATABASE)!r})" for statement in statements),
        ]
    )
    done = subprocess.run([str(python), "-c", script], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"no PostgreSQL database at {SERVER}: {done.stderr.strip()[-300:]}")


@contextlib.contextmanager
def components(python: Path, work: Path, env: Mapping[str, str], port: int) -> Iterator[None]:
    airflow = [str(python), "-m", "airflow"]
    with background([*airflow, "api-server"], work, env, "api-server.log") as api_server:
        wait_for_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", api_server, 300)
        with background([*airflow, "dag-processor"], work, env, "dag-processor.log"):
            with background([*airflow, "scheduler"], work, env, "scheduler.log"):
                yield
