"""`stellwerk run`: run workflows locally, for real, in one process."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click

from stellwerk.engine.commands import execute_command
from stellwerk.engine.obstacles import obstacles
from stellwerk.engine.state import EngineState
from stellwerk.model import order as o
from stellwerk.model.commands import AddOrder, FreshOrder
from stellwerk.model.problems import Problem
from stellwerk.runner import report
from stellwerk.runner.executors import ExecutionSettings
from stellwerk.runner.loading import load_items, state_of
from stellwerk.runner.local import LocalRun
from stellwerk.runner.orders import OrderSpec, parse_order_spec, scheduled_millis


@click.command("run")
@click.option("--skip-time", is_flag=True, help="Jump the clock whenever every order only waits for a time.")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds (exit 4).")
@click.option(
    "--order",
    "order_specs",
    multiple=True,
    metavar="SPEC",
    help="JSON: workflowName, orderId, arguments, scheduledFor, delaySeconds.",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def run_command(
    skip_time: bool, timeout: float | None, order_specs: tuple[str, ...], paths: tuple[Path, ...]
) -> None:
    """Run the workflows in PATHS (inventory files or folders) with real job processes."""
    sys.exit(asyncio.run(run(list(paths), list(order_specs), skip_time=skip_time, time_limit=timeout)))


async def run(paths: list[Path], order_specs: list[str], *, skip_time: bool, time_limit: float | None) -> int:
    prepared = _prepare(paths, order_specs)
    if isinstance(prepared, Problem):
        click.echo(prepared.message, err=True)
        return report.EXIT_INVALID
    state, specs = prepared
    printer = report.EventPrinter()
    with tempfile.TemporaryDirectory(prefix="stellwerk-run-") as work_dir:
        state.agent_env = dict(os.environ)
        settings = ExecutionSettings(inherited_env=_job_environment(paths))
        local = LocalRun(state, printer, Path(work_dir), skip_time=skip_time, settings=settings)
        printer.clock = local.clock
        if (problem := _add_orders(local, specs)) is not None:
            click.echo(problem.message, err=True)
            return report.EXIT_INVALID
        try:
            await asyncio.wait_for(local.drive(lambda: _all_done(state)), time_limit)
        except TimeoutError:
            await local.stop()
            _summary(state, printer, "timed out")
            return report.EXIT_TIMEOUT
        now = local.clock.now()
    return _exit_status(state, printer, now)


def _prepare(paths: list[Path], order_specs: list[str]) -> tuple[EngineState, list[OrderSpec]] | Problem:
    items = load_items(paths)
    if isinstance(items, Problem):
        return items
    state = state_of(items)
    if isinstance(state, Problem):
        return state
    specs: list[OrderSpec] = []
    for text in order_specs:
        spec = parse_order_spec(text)
        if isinstance(spec, Problem):
            return spec
        specs.append(spec)
    if not specs:
        if not state.latest_workflow:
            return Problem("No workflow found in " + ", ".join(str(p) for p in paths))
        specs = [OrderSpec(workflow_name=name) for name in sorted(state.latest_workflow)]
    return state, specs


def _job_environment(paths: list[Path]) -> dict[str, str]:
    """The environment of job processes: ours, with the item folders on PYTHONPATH for Python jobs."""
    folders = dict.fromkeys(str((p if p.is_dir() else p.parent).resolve()) for p in paths)
    inherited = os.environ.get("PYTHONPATH")
    entries = [*folders, *(inherited.split(os.pathsep) if inherited else [])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(entries)}


def _add_orders(local: LocalRun, specs: list[OrderSpec]) -> Problem | None:
    now = local.clock.now()
    for n, spec in enumerate(specs, 1):
        scheduled = scheduled_millis(spec, now)
        if isinstance(scheduled, Problem):
            return scheduled
        order_id = spec.order_id or _daily_plan_like_id(scheduled or now, n, spec.workflow_name)
        fresh = FreshOrder(
            id=order_id, workflow_path=spec.workflow_name, arguments=spec.arguments, scheduled_for=scheduled
        )
        events = execute_command(local.state, AddOrder(order=fresh), now)
        if isinstance(events, Problem):
            return events.prefixed(f"--order {order_id}")
        if (problem := local.apply(events)) is not None:
            return problem
    return None


def _daily_plan_like_id(instant_ms: int, n: int, workflow_name: str) -> str:
    """JOC's id shape, so that cycles and notice keys find the order's date: #YYYY-MM-DD#T<n>-<name>."""
    day = datetime.fromtimestamp(instant_ms / 1000, UTC).date().isoformat()
    return f"#{day}#T{n:010d}-{workflow_name}"


def _is_done(order: o.Order) -> bool:
    if order.is_terminated:
        return True
    settled = isinstance(order.state, o.FAILED_STATES) and not isinstance(order.state, o.FailedInFork)
    return settled and order.is_detached and order.mark is None


def _all_done(state: EngineState) -> bool:
    return all(_is_done(order) for order in state.orders.values() if order.parent is None)


def _exit_status(state: EngineState, printer: report.EventPrinter, now: int) -> int:
    if not _all_done(state):
        _summary(state, printer, "stuck")
        for order in state.orders.values():
            if not _is_done(order):
                for reason in obstacles(state, order.id, now):
                    click.echo(f"  {order.id}: {reason}", err=True)
        return report.EXIT_STUCK
    _summary(state, printer, "done")
    return report.EXIT_FAILED if printer.failures else report.EXIT_FINISHED


def _summary(state: EngineState, printer: report.EventPrinter, verdict: str) -> None:
    for order_id, ending in sorted(printer.endings.items()):
        click.echo(f"{order_id}: {ending}", err=True)
    click.echo(f"stellwerk run: {verdict}", err=True)
