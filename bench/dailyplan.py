"""The Daily Plan end to end (issue #5): planning and submitting a big day, and how late planned orders start.

Starts `stellwerk standalone --http` (Cockpit on SQLite, Controller, Agent: three processes, as bench/cockpit.py)
in a temporary directory, deploys a one-job workflow (`/bin/true`) and stores and releases, through the JOC API,
an every-day calendar and schedules. Then:

1. Lateness (first, while the History keeps up): a schedule with 50 order parameterisations, all starting in
   the same second a few seconds ahead, generated and submitted (`withSubmit`) at once. Lateness = the run's
   start in the order history (the time of the Controller's `OrderStarted` event, adopted from the Agent, which
   emitted it at the order's `scheduledFor`) − its planned start: p50 and p99 over the 50; and the same from the
   Agent's own journal (its `OrderStarted`: when the order really started). Target: p99 <= 50 ms. For
   comparison, on this machine Airflow's cron start was measured ~1.7 s late; Temporal promises "within 1 s".
2. Plan and submit: schedules that start N orders (default 100,000) on one day 30 days ahead (each schedule a
   period repeating every 30 s, 1,000 starts); `/daily_plan/orders/generate` plans the day (plan_s), then
   `/daily_plan/orders/submit` adds them all to the Controller, which attaches them to the Agent, where they wait
   (submit_s: until the request answered, i.e. the Controller has accepted them). Memory: the peak resident set
   of the Cockpit process (VmHWM, since the process started), and the Controller's and Agent's resident sets after.

Beside these, the CPU time of pure planning per order (`plan_date_orders`, no database), the part the Cockpit
cannot do faster by any I/O.

    python bench/dailyplan.py [--quick] [--orders N] [--lead SECONDS] [--parallelism P]

The history's start of an order is the Agent's time of its OrderStarted, which the Controller keeps when it
takes the event over (as JS7 does). Before it did, the history showed when the Controller heard of the start:
~80-120 ms late for 50 orders in one second, since the Agent spawns the processes it may start at once in one go
and its events leave only after that.

`--quick`: 5,000 orders (under a minute). The last line is `plan_orders=… plan_s=… submit_s=… peak_mb=…
agent_lateness_p50_ms=… agent_lateness_p99_ms=… lateness_p50_ms=… lateness_p99_ms=…` (lateness_*: as the history
and the Cockpit's /metrics show it).
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import psutil

from cockpit import CONTROLLER, WORKFLOW, Joc, deploy, roles, start_standalone
from stellwerk.calendar.calendars import Calendar, CalendarLibrary, parse_calendar
from stellwerk.calendar.schedules import Schedule, parse_schedule
from stellwerk.cockpit.services.dailyplan.planning import NamedSchedule, plan_date_orders

WORKFLOW_NAME = "true"  # bench/cockpit.py deploys /bench/true
STARTS_PER_SCHEDULE = 1_000
BIG_PERIOD = {"begin": "00:00:00", "end": "08:19:59", "repeat": "00:00:30"}  # 1,000 starts
SAME_SECOND = 50
EVERY_DAY = {"includes": {"weekdays": [{"days": [0, 1, 2, 3, 4, 5, 6]}]}}


def schedule(periods: list[dict[str, str]], parameterisations: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "workflowNames": [WORKFLOW_NAME],
        "planOrderAutomatically": False,  # the service's own runs leave the bench's days alone
        "calendars": [{"calendarName": "every-day", "timeZone": "Etc/UTC", "periods": periods}],
        "orderParameterisations": parameterisations,
    }


def store(joc: Joc, path: str, object_type: str, configuration: dict[str, Any]) -> None:
    body = {"path": path, "objectType": object_type, "configuration": configuration}
    joc.post("/joc/api/inventory/store", body)


def release(joc: Joc, refs: list[tuple[str, str]]) -> None:
    joc.post("/joc/api/inventory/release", {"update": [{"path": p, "objectType": t} for p, t in refs]})


def big_day(joc: Joc, orders: int) -> list[str]:
    """Stores and releases the schedules of the big day; answers their paths."""
    paths = [f"/bench/big/s{n}" for n in range(max(1, orders // STARTS_PER_SCHEDULE))]
    for path in paths:
        store(joc, path, "SCHEDULE", schedule([BIG_PERIOD], [{}]))
    release(joc, [(path, "SCHEDULE") for path in paths])
    return paths


def generating(day: date, schedule_paths: list[str]) -> dict[str, Any]:
    """The body of `/daily_plan/orders/generate` planning the day's orders of the schedules."""
    return {
        "controllerId": CONTROLLER,
        "dailyPlanDates": [day.isoformat()],
        "schedulePaths": {"singles": schedule_paths},
        "includeNonAutoPlannedOrders": True,
    }


def peak_mb(process: psutil.Process) -> float:
    """The process's peak resident set since it started (Linux VmHWM)."""
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def plan_and_submit(joc: Joc, orders: int, day: date) -> tuple[int, float, float]:
    """Generates the big day, then submits it: (orders planned, plan seconds, submit seconds)."""
    paths = big_day(joc, orders)
    body = generating(day, paths)
    began = time.perf_counter()
    joc.post("/joc/api/daily_plan/orders/generate", body)
    plan_s = time.perf_counter() - began
    summary = joc.post(
        "/joc/api/daily_plan/orders",
        {
            "controllerIds": [CONTROLLER],
            "dailyPlanDateFrom": day.isoformat(),
            "states": ["PLANNED"],
        },  # fmt: skip
    )
    planned = len(summary["plannedOrderItems"])
    began = time.perf_counter()
    joc.post(
        "/joc/api/daily_plan/orders/submit",
        {"controllerIds": [CONTROLLER], "dailyPlanDateFrom": day.isoformat()},
    )
    return planned, plan_s, time.perf_counter() - began


class Lateness(NamedTuple):
    """Lateness in ms of each of the orders: as the order history shows it (the Controller's OrderStarted, adopted
    from the Agent) and at the Agent itself (its journal's OrderStarted)."""

    history: list[int]
    agent: list[int]


def lateness(joc: Joc, lead_s: float, agent_journal: Path) -> Lateness:
    """The lateness of SAME_SECOND orders planned for one second `lead_s` ahead."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=lead_s + 1)
    names = [f"late{n}" for n in range(SAME_SECOND)]
    periods = [{"singleStart": start.strftime("%H:%M:%S")}]
    store(joc, "/bench/late", "SCHEDULE", schedule(periods, [{"orderName": name} for name in names]))
    release(joc, [("/bench/late", "SCHEDULE")])
    body = generating(start.date(), ["/bench/late"]) | {"withSubmit": True}
    joc.post("/joc/api/daily_plan/orders/generate", body)
    if datetime.now(UTC) >= start:
        raise RuntimeError(f"generating and submitting took longer than the lead of {lead_s} s: use --lead")
    planned = int(start.timestamp() * 1000)
    deadline = time.monotonic() + lead_s + 60
    while time.monotonic() < deadline:
        history = joc.post(
            "/joc/api/orders/history",
            {"controllerId": CONTROLLER, "dateFrom": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "limit": 1000},
        )["history"]
        runs = [run for run in history if run["orderId"].endswith(tuple(f"-{name}" for name in names))]
        if len(runs) == SAME_SECOND:
            assert all(_ms(run["plannedTime"]) == planned for run in runs)
            at_agent = [started - planned for started in agent_starts(agent_journal, names)]
            return Lateness(sorted(_ms(run["startTime"]) - planned for run in runs), sorted(at_agent))
        time.sleep(0.5)
    raise RuntimeError("the orders were not all in the history within a minute")


def agent_starts(journal: Path, names: list[str]) -> list[int]:
    """The times (epoch ms, from the EventIds) of the Agent's OrderStarted of the orders with these names."""
    suffixes = tuple(f"-{name}" for name in names)
    found = []
    for segment in sorted(journal.glob("*.journal")):
        for line in segment.read_text().splitlines():
            _, _, text = line.partition("\t")
            if '"OrderStarted"' not in text:
                continue
            event = json.loads(text)
            if event.get("TYPE") == "OrderStarted" and str(event.get("Key", "")).endswith(suffixes):
                found.append(int(event["eventId"]) // 1000)
    if len(found) != len(names):
        raise RuntimeError(f"{len(found)} OrderStarted of {len(names)} orders in the Agent's journal")
    return found


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def percentile(samples: list[int], share: float) -> float:
    ordered = sorted(samples)
    return float(ordered[min(len(ordered) - 1, int(share * len(ordered)))])


def planning_cpu_us_per_order(schedules: int = 100) -> float:
    """The best of 3 CPU times of pure planning (`time.process_time`: the machine is shared), per order."""
    every_day = parse_calendar(EVERY_DAY)
    assert isinstance(every_day, Calendar)
    raw = schedule([BIG_PERIOD], [{}])
    parsed = parse_schedule(raw)
    assert isinstance(parsed, Schedule)
    named = [NamedSchedule(f"/bench/s{n}", parsed) for n in range(schedules)]
    best, count = float("inf"), 0
    for _ in range(3):
        began = time.process_time()
        planned = plan_date_orders(named, CalendarLibrary({"every-day": every_day}), date(2026, 6, 2))
        best = min(best, time.process_time() - began)
        assert isinstance(planned, list)
        count = len(planned)
    return best * 1e6 / count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--orders", type=int)
    parser.add_argument(
        "--lead", type=float, default=4.0, help="seconds from planning to the 50 orders' start"
    )
    parser.add_argument("--parallelism", type=int, default=20, help="of the job (processes at once)")
    arguments = parser.parse_args()
    orders = arguments.orders or (5_000 if arguments.quick else 100_000)
    job: dict[str, Any] = WORKFLOW["jobs"]["true"]  # type: ignore[index]
    job["parallelism"] = arguments.parallelism
    print(f"pure planning: {planning_cpu_us_per_order():.1f} µs CPU per order")
    with tempfile.TemporaryDirectory(prefix="stellwerk-bench-") as folder:
        process, url, _ = start_standalone(Path(folder) / "data")
        try:
            joc = Joc(url)
            joc.login()
            deploy(joc)
            store(joc, "/bench/every-day", "WORKINGDAYSCALENDAR", EVERY_DAY)
            release(joc, [("/bench/every-day", "WORKINGDAYSCALENDAR")])
            processes = roles(process)
            before_mb = peak_mb(processes["cockpit"])
            # The lateness first: after a big submission the History has hundreds of thousands of events to take.
            late = lateness(joc, arguments.lead, Path(folder) / "data" / "agent" / "data" / "journal")
            day = datetime.now(UTC).date() + timedelta(days=30)
            planned, plan_s, submit_s = plan_and_submit(joc, orders, day)
            peak = peak_mb(processes["cockpit"])
            print(
                f"planned {planned:,} orders for {day} in {plan_s:.1f} s, submitted them in {submit_s:.1f} s"
            )
            resident = ", ".join(
                f"{role} {p.memory_info().rss / 2**20:.0f} MB" for role, p in sorted(processes.items())
            )
            print(
                f"Cockpit peak RSS {peak:.0f} MB (before planning {before_mb:.0f} MB); resident now: {resident}"
            )
        except Exception:
            print((Path(folder) / "standalone.log").read_text()[-4000:], file=sys.stderr)
            raise
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    print(f"lateness of {SAME_SECOND} orders due in the same second, history (ms): {late.history}")
    print(f"the same at the Agent (its journal's OrderStarted, ms): {late.agent}")
    p50, p99 = statistics.median(late.history), percentile(late.history, 0.99)
    agent_p50, agent_p99 = statistics.median(late.agent), percentile(late.agent, 0.99)
    print(
        f"plan_orders={planned} plan_s={plan_s:.2f} submit_s={submit_s:.2f} peak_mb={peak:.0f} "
        f"agent_lateness_p50_ms={agent_p50:.0f} agent_lateness_p99_ms={agent_p99:.0f} "
        f"lateness_p50_ms={p50:.0f} lateness_p99_ms={p99:.0f}"
    )


if __name__ == "__main__":
    main()
