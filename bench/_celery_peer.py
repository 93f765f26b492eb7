"""Celery with Redis as a peer of bench/peers.py: the same work (a task that runs `/bin/true` in a subprocess),
Celery installed from PyPI in a virtual environment of its own, a worker with `-c 2` (prefork) on the Redis
at 127.0.0.1:6379 (database 15, flushed before the run), results kept in Redis.

The driver runs in Celery's environment and prints one JSON line: tasks/s from the first `delay()` to the last
result received, and the start latency (from `delay()` until the task has started its process, both on the wall
clock) of
tasks sent one each 1/rate s."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from _peer_environment import REPORT, python_of
from _peer_environment import environment as make_environment

REQUIREMENT = "celery[redis]>=5.5"
BROKER = "redis://127.0.0.1:6379/15"

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
from tasks import app, run_true

count, paced, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
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
report(tasks_per_s, [(result.get(timeout=60) - at) / 1e6 for result, at in zip(pending, sent)])
"""


def environment_python(cache: Path) -> Path:
    return python_of(cache, "celery")


def environment(cache: Path, uv: Path) -> Path:
    return make_environment(cache, "celery", REQUIREMENT, uv)


def run(
    python: Path, work: Path, count: int, paced: int, rate: float, concurrency: int = 2
) -> dict[str, Any]:
    """Starts a worker, runs the driver, stops the worker; the driver's figures."""
    (work / "tasks.py").write_text(TASKS)
    (work / "driver.py").write_text(REPORT + DRIVER)
    subprocess.run(["redis-cli", "-n", "15", "flushdb"], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(work)}
    worker_log = (work / "worker.log").open("w")
    worker = subprocess.Popen(
        [str(python), "-m", "celery", "-A", "tasks", "worker", "-c", str(concurrency), "--loglevel", "WARNING"],
        cwd=work, env=env, stdout=worker_log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        driven = subprocess.run(
            [str(python), "driver.py", str(count), str(paced), str(rate)],
            cwd=work, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        if driven.returncode != 0:
            raise RuntimeError(f"Celery's driver failed: {driven.stderr[-2000:]}")
        figures: dict[str, Any] = json.loads(driven.stdout.strip().splitlines()[-1])
        return figures
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        worker_log.close()


def version(python: Path) -> str:
    found = subprocess.run(
        [str(python), "-c", "import celery; print(celery.__version__)"], capture_output=True, text=True
    )
    return found.stdout.strip() or "?"
