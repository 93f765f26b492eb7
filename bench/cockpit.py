"""Orders end to end through the Cockpit's JOC API, and the latency of its listings (issue #4).

Starts `stellwerk standalone --http` (Cockpit on SQLite, Controller, Agent: three processes) in a temporary
directory, stores and deploys a one-job workflow (`/bin/true`, parallelism 20) through the API, then:

1. Throughput: N orders (default 2,000) added through `/joc/api/orders/add` in requests of 100, until the
   History service has written a successful run for every one (counted by `/joc/api/orders/overview/summary`):
   orders/s. Beside it, in the same run, the pure engine's orders/s for the same workflow (no processes, no
   I/O): the ceiling the services add their costs to. Target: >= 200 orders/s end to end.
2. Listings: with 10,000 orders waiting in the Controller (scheduled a year ahead) and 1,000,000 rows in the
   order history, 40 calls each of `/joc/api/orders` (every order of the Controller), `/joc/api/orders` with a
   limit of 500 (a page as the UI shows it) and `/joc/api/orders/history` (the newest 500 rows, as the UI asks):
   p50 and p95 in ms from sending the request to the answer's last byte, the Cockpit's CPU time per call,
   and apart from them the bench client's own JSON decoding of one answer. Target: p95 <= 100 ms.
3. The browser UI's pages in the same state (bench/_ui_pages.py): dashboard, orders (first and next page), an
   order, workflows, a workflow's graph, daily plan, history (first and next page), inventory; p50 and p95 to
   the last byte, 20 runs each. Target (issue #7): no page over 300 ms.

Beside the throughput, the CPU time each of the three processes spent per order while it ran (ms/order): what
the Cockpit costs is its own figure, not hidden in the wall-clock time on a shared machine. And the Cockpit's CPU
time per order for adding the waiting orders of part 2 (`/orders/add` alone, and History taking `OrderAdded`).

    python bench/cockpit.py [--quick] [--orders N] [--history ROWS] [--waiting N] [--throughput-only]

`--quick`: 500 orders, 100,000 history rows, 2,000 waiting orders. `--throughput-only`: part 1 alone. The last
line is `name=value` figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import psutil

from _ui_pages import UiSession, pages, time_pages
from cockpit_db import fill
from stellwerk.cockpit.db.session import Database, default_url
from stellwerk.engine.apply import apply_event
from stellwerk.engine.derive import derive
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model.outcome import Succeeded
from stellwerk.model.workflow import Workflow

NOW = 1_800_000_000_000
PASSWORD = "bench-password"
CONTROLLER = "controller"
ADD_BATCH = 100
RUNS = 40
UI_RUNS = 20
PAGE = 500
WORKFLOW = {
    "version": "1.7.2",
    "instructions": [{"TYPE": "Execute.Named", "jobName": "true", "label": "true"}],
    "jobs": {
        "true": {
            "agentName": "agent",
            "parallelism": 20,
            "executable": {"TYPE": "ShellScriptExecutable", "script": "#!/bin/sh\nexec /bin/true\n"},
        }
    },
}


class Joc:
    """Just enough of a JOC client: POST JSON with the access token."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.token = ""

    def login(self) -> None:
        credentials = base64.b64encode(f"root:{PASSWORD}".encode()).decode()
        answer = self.post("/joc/api/authentication/login", None, {"Authorization": f"Basic {credentials}"})
        self.token = answer["accessToken"]

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return json.loads(self.post_raw(path, body, headers))

    def post_raw(self, path: str, body: Any, headers: dict[str, str] | None = None) -> bytes:
        """The answer's bytes, read to the last one."""
        data = b"" if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", "X-Access-Token": self.token, **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                answer: bytes = response.read()
                return answer
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{path}: {error.code} {error.read()[:500]!r}") from None


def start_standalone(data: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    log = data.parent / "standalone.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "stellwerk", "standalone", "--data", str(data), "--port", "0", "--http",
             "--admin-password", PASSWORD, "--log-level", "warning"],
            stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"Cockpit: (\S+)", log.read_text())
        if found:
            return process, found[1], data / "cockpit"
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"the standalone did not start:\n{log.read_text()[-3000:]}")


def deploy(joc: Joc) -> None:
    joc.post(
        "/joc/api/inventory/store",
        {"path": "/bench/true", "objectType": "WORKFLOW", "configuration": WORKFLOW},
    )
    configuration = {"configuration": {"path": "/bench/true", "objectType": "WORKFLOW"}}
    joc.post(
        "/joc/api/inventory/deployment/deploy",
        {"controllerIds": [CONTROLLER], "store": {"draftConfigurations": [configuration]}},
    )


def add_orders(joc: Joc, count: int, prefix: str, scheduled_for: str | None = None) -> list[str]:
    ids: list[str] = []
    for start in range(0, count, ADD_BATCH):
        orders = []
        for n in range(start, min(count, start + ADD_BATCH)):
            order: dict[str, Any] = {"workflowPath": "/bench/true", "orderName": f"{prefix}{n}"}
            if scheduled_for:
                order["scheduledFor"] = scheduled_for
            orders.append(order)
        ids += joc.post("/joc/api/orders/add", {"controllerId": CONTROLLER, "orders": orders})["orderIds"]
    return ids


def finished_count(joc: Joc, since: str) -> int:
    """Runs that ended successfully since then (the bench's own installation runs nothing else), as the History
    service has written them: a count query, so that watching costs the Cockpit little."""
    body = {"controllerId": CONTROLLER, "dateFrom": since}
    count: int = joc.post("/joc/api/orders/overview/summary", body)["orders"]["successful"]
    return count


def roles(standalone: subprocess.Popen[bytes]) -> dict[str, psutil.Process]:
    """The standalone's processes by role (`cockpit`, `controller`, `agent`: `python -m stellwerk ROLE ...`)."""
    found = {}
    for child in psutil.Process(standalone.pid).children(recursive=True):
        command = child.cmdline()
        if "stellwerk" in command and command.index("stellwerk") + 1 < len(command):
            found[command[command.index("stellwerk") + 1]] = child
    return found


def cpu_seconds(processes: dict[str, psutil.Process]) -> dict[str, float]:
    return {role: sum(process.cpu_times()[:2]) for role, process in processes.items()}


def end_to_end(joc: Joc, count: int) -> float:
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    began = time.perf_counter()
    add_orders(joc, count, "through")
    deadline = time.monotonic() + 600
    while finished_count(joc, since) < count:
        if time.monotonic() > deadline:
            raise RuntimeError("orders did not finish within 600 s")
        time.sleep(0.25)
    return count / (time.perf_counter() - began)


def engine_only(count: int) -> float:
    """The pure engine through the same one-job workflow, the bench playing the Agent: orders/s."""
    job = {
        "agentPath": "agent",
        "processLimit": 1_000_000,
        "executable": {"TYPE": "ShellScriptExecutable", "script": ""},
    }
    raw = {
        "TYPE": "Workflow",
        "path": "bench/true",
        "versionId": "1",
        "instructions": [{"TYPE": "Execute.Named", "jobName": "true"}],
        "jobs": {"true": job},
    }
    state = EngineState()
    state.add_workflow(msgspec.convert(raw, Workflow))
    workflow_id = state.latest_workflow["bench/true"]
    success = e.OrderProcessed(outcome=Succeeded(named_values={"returnCode": 0}))
    ids = [f"order-{n}" for n in range(count)]
    began = time.perf_counter()
    for order_id in ids:
        assert apply_event(state, e.KeyedEvent(order_id, e.OrderAdded(workflow_id=workflow_id))) is None
    derive(state, ids, NOW)
    for order_id in ids:
        assert apply_event(state, e.KeyedEvent(order_id, success)) is None
    derive(state, ids, NOW)
    elapsed = time.perf_counter() - began
    assert all(order.state.__class__.__name__ == "Finished" for order in state.orders.values())
    return count / elapsed


class Timing(NamedTuple):
    p50: float
    p95: float
    parse_ms: float  # the bench client's own JSON decoding of one answer, not part of p50/p95
    server_cpu_ms: float  # the Cockpit's CPU time per call


def timed(joc: Joc, path: str, body: dict[str, Any], cockpit: psutil.Process) -> Timing:
    """Latency from sending the request to the answer's last byte (as wrk or a browser's network panel
    count it); the client's JSON decoding is measured apart."""
    samples, parsing = [], []
    before = sum(cockpit.cpu_times()[:2])
    for _ in range(RUNS):
        began = time.perf_counter()
        answer = joc.post_raw(path, body)
        received = time.perf_counter()
        json.loads(answer)
        samples.append((received - began) * 1000)
        parsing.append((time.perf_counter() - received) * 1000)
    cpu_ms = (sum(cockpit.cpu_times()[:2]) - before) * 1000 / RUNS
    p95 = statistics.quantiles(samples, n=20)[-1]
    return Timing(statistics.median(samples), p95, statistics.median(parsing), cpu_ms)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--orders", type=int)
    parser.add_argument("--history", type=int)
    parser.add_argument("--waiting", type=int)
    parser.add_argument("--throughput-only", action="store_true")
    arguments = parser.parse_args()
    orders = arguments.orders or (500 if arguments.quick else 2_000)
    history = arguments.history or (100_000 if arguments.quick else 1_000_000)
    waiting = arguments.waiting or (2_000 if arguments.quick else 10_000)
    with tempfile.TemporaryDirectory(prefix="stellwerk-bench-") as folder:
        process, url, cockpit_data = start_standalone(Path(folder) / "data")
        try:
            joc = Joc(url)
            joc.login()
            deploy(joc)
            ceiling = engine_only(orders)
            processes = roles(process)
            before = cpu_seconds(processes)
            throughput = end_to_end(joc, orders)
            after = cpu_seconds(processes)
            cpu = {role: (after[role] - before[role]) * 1000 / orders for role in processes}
            print(f"end to end: {throughput:,.0f} orders/s ({orders} orders); engine alone {ceiling:,.0f}/s")
            print("CPU per order: " + ", ".join(f"{role} {ms:.2f} ms" for role, ms in sorted(cpu.items())))
            figures = f"orders_per_s={throughput:.0f} engine_orders_per_s={ceiling:.0f} " + " ".join(
                f"{role}_cpu_ms_per_order={ms:.2f}" for role, ms in sorted(cpu.items())
            )
            before = cpu_seconds(processes)
            waiting_ids = add_orders(joc, waiting, "waiting", "2030-01-01 00:00:00")
            time.sleep(1)  # History takes the OrderAdded events
            adding = (cpu_seconds(processes)["cockpit"] - before["cockpit"]) * 1000 / waiting
            print(f"adding {waiting:,} orders to run later: Cockpit {adding:.2f} ms CPU per order")
            figures += f" add_cockpit_cpu_ms_per_order={adding:.2f}"
            if arguments.throughput_only:
                print(figures)
                return
            database = Database.connect(default_url(cockpit_data))
            seconds = asyncio.run(fill(database, history))
            asyncio.run(database.close())
            print(f"{history:,} history rows written in {seconds:.1f} s; {waiting:,} orders waiting")
            cockpit = processes["cockpit"]
            everything = timed(joc, "/joc/api/orders", {"controllerId": CONTROLLER}, cockpit)
            page = timed(joc, "/joc/api/orders", {"controllerId": CONTROLLER, "limit": PAGE}, cockpit)
            listed = timed(
                joc, "/joc/api/orders/history", {"controllerId": CONTROLLER, "limit": PAGE}, cockpit
            )
            for label, timing in (("orders (all)", everything), ("orders (page)", page), ("history", listed)):
                print(
                    f"{label}: p50 {timing.p50:.1f} ms, p95 {timing.p95:.1f} ms to the last byte; "
                    f"Cockpit CPU {timing.server_cpu_ms:.1f} ms per call; client JSON decoding "
                    f"{timing.parse_ms:.1f} ms"
                )
            session = UiSession(url)
            session.log_in("root", PASSWORD)
            ui = time_pages(session, pages(CONTROLLER, "/bench/true", waiting_ids[0], session), UI_RUNS)
            for timing in ui:
                print(
                    f"UI {timing.label}: p50 {timing.p50:.1f} ms, p95 {timing.p95:.1f} ms ({timing.size_kb:.0f} KB)"
                )
            slowest = max(ui, key=lambda timing: timing.p95)
            print(f"slowest UI page: {slowest.label}, p95 {slowest.p95:.1f} ms (target <= 300)")
        except Exception:
            print((Path(folder) / "standalone.log").read_text()[-4000:], file=sys.stderr)
            raise
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    print(
        f"{figures} orders_all_p95_ms={everything.p95:.1f} orders_page_p95_ms={page.p95:.1f} "
        f"history_p95_ms={listed.p95:.1f} orders_all_cockpit_cpu_ms={everything.server_cpu_ms:.1f} "
        f"ui_slowest_page_p95_ms={slowest.p95:.1f}"
    )


if __name__ == "__main__":
    main()
