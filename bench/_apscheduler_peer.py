"""APScheduler as a peer of bench/peers.py: the same work (a job that runs `/bin/true` in a subprocess), APScheduler
3 (its stable line) installed from PyPI in a virtual environment of its own, a BackgroundScheduler with its
default memory job store and a thread pool of --parallelism workers. Nothing is persisted, unlike Stellwerk's
journal: this is the in-process scheduler as it is used.

The driver prints one JSON line: jobs/s from adding the first of N one-off jobs (`date` trigger, now) until the
last has run, and the start latency (from `add_job` until the job has started its process) of jobs added one
each 1/rate s; the lateness of jobs with a `date` trigger at an exact time a few seconds ahead (one each 1/rate
s): their process start − their run_date."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from _peer_environment import REPORT, drive

NAME, DISTRIBUTION = "apscheduler", "apscheduler"  # of its environment, of its package
REQUIREMENTS = ("apscheduler>=3.11,<4",)
LEAD_S = 2  # planned starts this far ahead: all added before

DRIVER = """
import subprocess, sys, threading, time
from datetime import datetime, timezone
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.executors.pool import ThreadPoolExecutor

count, paced, rate, workers = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
planned, lead = int(sys.argv[5]), float(sys.argv[6])
done = threading.Semaphore(0)
started = {}

def run_true(key):
    process = subprocess.Popen(["/bin/true"])
    started[key] = time.time_ns()
    process.wait()
    done.release()

scheduler = BackgroundScheduler(executors={"default": ThreadPoolExecutor(workers)},
                                job_defaults={"misfire_grace_time": None, "coalesce": False})
scheduler.start()
now = lambda: datetime.now(timezone.utc)
began = time.perf_counter()
for n in range(count):
    scheduler.add_job(run_true, "date", run_date=now(), args=(f"t{n}",))
for _ in range(count):
    done.acquire(timeout=600)
jobs_per_s = count / (time.perf_counter() - began)
added = {}
start = time.perf_counter()
for index in range(paced):
    time.sleep(max(0.0, start + index / rate - time.perf_counter()))
    added[f"p{index}"] = time.time_ns()
    scheduler.add_job(run_true, "date", run_date=now(), args=(f"p{index}",))
for _ in range(paced):
    done.acquire(timeout=60)
plan = {f"s{index}": at for index, at in enumerate(planned_times(planned, rate, lead))}
for key, at in plan.items():
    scheduler.add_job(run_true, "date", run_date=datetime.fromtimestamp(at, timezone.utc), args=(key,))
for _ in plan:
    done.acquire(timeout=600)
scheduler.shutdown()
report(jobs_per_s, [(started[key] - at) / 1e6 for key, at in added.items()],
       [started[key] / 1e6 - at * 1000 for key, at in plan.items()])
"""


def run(
    python: Path, work: Path, count: int, paced: int, rate: float, planned: int, workers: int
) -> dict[str, Any]:
    (work / "driver.py").write_text(REPORT + DRIVER)
    return drive(python, work, os.environ, "APScheduler", count, paced, rate, workers, planned, LEAD_S)
