"""Prefect 3 as a peer of bench/peers.py: the same work (a flow that runs `/bin/true` in a subprocess), Prefect
installed from PyPI in a virtual environment of its own (3.8.8 with fastapi 0.139: newer fastapi releases break
that Prefect), run as Prefect's users run deployments on one machine:

- `prefect server start` on 127.0.0.1 (its SQLite database under a temporary PREFECT_HOME, UI off);
- the flow served by `flow.serve(limit=--parallelism)`: a Runner that polls the server for scheduled runs and
  starts each in a process of its own (`python -m prefect.engine`). It polls every second
  (PREFECT_RUNNER_POLL_FREQUENCY=1; Prefect's default of 10 s would add up to 10 s to every start);
- the driver creates flow runs from the deployment through the API (as `run_deployment(timeout=0)` does).

The flow writes a marker file once its /bin/true has run: the wall-clock time its process started and the run's
expected start. Figures, as for the other peers: runs/s from the first run created until every marker is there;
start latency from creating a run until its process started, paced at --rate, or at half the throughput where
Prefect cannot keep up with --rate (the table says so); lateness: runs created with a Scheduled state for exact
times a few seconds ahead (one each 1/pace s), their process start − their scheduled time."""

from __future__ import annotations

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

NAME, DISTRIBUTION = "prefect", "prefect"  # of its environment, of its package
REQUIREMENTS = ("prefect==3.8.8", "fastapi==0.139.*")
LEAD_S = 15  # planned starts this far ahead: all created before, and within the Runner's 10 s prefetch

FLOWS = """
import os, subprocess, sys, time
from prefect import flow
from prefect.runtime import flow_run


@flow(name="run-true", persist_result=False)
def run_true(key: str) -> None:
    process = subprocess.Popen(["/bin/true"])
    started = time.time()  # the process has started, as Stellwerk's figure counts it
    if process.wait() != 0:
        raise RuntimeError("/bin/true failed")
    planned = flow_run.get_scheduled_start_time().timestamp()
    with open(os.path.join(os.environ["BENCH_MARKERS"], key), "w") as marker:
        marker.write(f"{started:.6f} {planned:.6f}")


if __name__ == "__main__":
    run_true.serve(name="bench", limit=int(sys.argv[1]))
"""

DRIVER = """
import os, sys, time
from datetime import datetime, timezone
from prefect.client.orchestration import get_client
from prefect.states import Scheduled

count, paced, rate, planned, lead = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), \\
    float(sys.argv[5])
folder = os.environ["BENCH_MARKERS"]


def deployment_id(client):
    deadline = time.monotonic() + 300
    while True:
        try:
            return client.read_deployment_by_name("run-true/bench").id
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


with get_client(sync_client=True) as client:
    deployment = deployment_id(client)

    def submit(key, at=None):
        state = Scheduled(scheduled_time=datetime.fromtimestamp(at, timezone.utc)) if at else None
        client.create_flow_run_from_deployment(deployment, parameters={"key": key}, state=state)

    submit("w0")  # warm-up: the Runner polls and starts runs
    wait_for_markers(folder, ["w0"], 600)
    runs_per_s = runs_per_second(submit, folder, count)
    pace = slower_pace(rate, runs_per_s)
    latencies = paced_latencies(submit, folder, paced, pace)
    plan = {f"s{index}": at for index, at in enumerate(planned_times(planned, pace, lead))}
    for key, at in plan.items():
        submit(key, at)
    report(runs_per_s, latencies, lateness_of(wait_for_markers(folder, plan, 3600)), pace)
"""


def run(
    python: Path, work: Path, count: int, paced: int, rate: float, planned: int, parallelism: int
) -> dict[str, Any]:
    """Starts Prefect's server and the serving Runner, runs the driver, stops both; the driver's figures."""
    markers = prepared(work, {"flows.py": FLOWS, "driver.py": REPORT + MARKERS + DRIVER})
    port = free_port()
    env = {
        "PATH": str(python.parent) + ":/usr/bin:/bin",
        "HOME": str(work),
        "PREFECT_HOME": str(work / "home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "BENCH_MARKERS": str(markers),
    }
    server = [str(python), "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with background(server, work, env, "server.log") as started:
        wait_for_http(f"http://127.0.0.1:{port}/api/health", started, 300)
        with background([str(python), "flows.py", str(parallelism)], work, env, "serve.log"):
            return drive(python, work, env, "Prefect", count, paced, rate, planned, LEAD_S)
