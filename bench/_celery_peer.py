"""Celery with Redis as a peer of bench/peers.py: the same work (a task that runs `/bin/true` in a subprocess),
Celery installed from PyPI in a virtual environment of its own, a worker with `-c 2` (prefork) on the Redis
at 127.0.0.1:6379 (database 15, flushed before the run), results kept in Redis.

The driver runs in Celery's environment and prints one JSON line: tasks/s from the first `delay()` to the last
result received, the start latency (from `delay()` until the task has started its process, both on the wall
clock) of tasks sent one each 1/rate s, and the lateness of tasks sent with an `eta` (the exact time each is
planned for, a few seconds ahead, one each 1/rate s): their process start − their eta."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from _peer_environment import REPORT, background, drive

NAME, DISTRIBUTION = "celery", "celery"  # of its environment, of its package
REQUIREMENTS = ("celery[redis]>=5.5",)
BROKER = "redis://127.0.0.1:6379/15"
LEAD_S = 2  # planned starts this far ahead: all sent before

TASKS = f'''
import subprocess, time
from celery import Celery

app = Celery("bench", broker="{BROKER}", backend="{BROKER}")
app.conf.update(worker_prefetch_multiplier=4, task_acks_late=False, result_expires=600,
                broker_connection_retry_on_startup=True, worker_hijack_root_logger=False)


@app.task
def run_true():
    process = subprocess.Popen(["/bin/true"])
    started = time.time_ns()  # the process has started, as Stellwerk's figure counts it
    if process.wait() != 0:
        raise RuntimeError("/bin/true failed")
    return started
'''

DRIVER = """
import sys, time
from datetime import datetime, timezone
from tasks import app, run_true

count, paced, rate, planned = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
lead = float(sys.argv[5])
app.control.purge()
run_true.delay().get(timeout=60)  # warm-up: the worker is up and connected
began = time.perf_counter()
results = [run_true.delay() for _ in range(count)]
for result in results:
    result.get(timeout=600)
tasks_per_s = count / (time.perf_counter() - began)
sent, pending = [], []
start = time.perf_counter()
for index in range(paced):
    time.sleep(max(0.0, start + index / rate - time.perf_counter()))
    sent.append(time.time_ns())
    pending.append(run_true.delay())
latencies = [(result.get(timeout=60) - at) / 1e6 for result, at in zip(pending, sent)]
plan = planned_times(planned, rate, lead)
pending = [run_true.apply_async(eta=datetime.fromtimestamp(at, timezone.utc)) for at in plan]
lateness = [result.get(timeout=600) / 1e6 - at * 1000 for result, at in zip(pending, plan)]
report(tasks_per_s, latencies, lateness)
"""


def run(
    python: Path, work: Path, count: int, paced: int, rate: float, planned: int, concurrency: int = 2
) -> dict[str, Any]:
    """Starts a worker, runs the driver, stops the worker; the driver's figures."""
    (work / "tasks.py").write_text(TASKS)
    (work / "driver.py").write_text(REPORT + DRIVER)
    subprocess.run(["redis-cli", "-n", "15", "flushdb"], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(work)}
    worker = [
        str(python),
        "-m",
        "celery",
        "-A",
        "tasks",
        "worker",
        "-c",
        str(concurrency),
        "--loglevel",
        "WARNING",
    ]
    with background(worker, work, env, "worker.log"):
        return drive(python, work, env, "Celery", count, paced, rate, planned, LEAD_S)
