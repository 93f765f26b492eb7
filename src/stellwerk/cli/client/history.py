"""`stellwerk history`: the runs of orders (`/orders/history`) or of jobs (`/tasks/history`), newest first."""

from __future__ import annotations

from typing import Any

import click

from stellwerk.cli.client.session import Session, operator_command, state_text, table


@operator_command(None, "history")
@click.option("--tasks", is_flag=True, help="The job runs (tasks) instead of the order runs.")
@click.option("--workflow", help="Only runs of this workflow (name or path).")
@click.option(
    "--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most this many runs."
)
def history_command(session: Session, tasks: bool, workflow: str | None, limit: int) -> None:
    """The history of order runs (or job runs with --tasks)."""
    body: dict[str, Any] = {"controllerId": session.controller_id, "limit": limit}
    if workflow:
        body["workflowPath"] = workflow
    answer = session.client.call("/tasks/history" if tasks else "/orders/history", body)
    runs = answer.get("history", [])
    if tasks:
        columns = ("Task", "Order", "Workflow", "Job", "State", "Start", "End", "Exit")
        rows = [(run.get("taskId"), run.get("orderId"), run.get("workflow"), run.get("job"), state_text(run), run.get("startTime"), run.get("endTime"), run.get("exitCode")) for run in runs]  # fmt: skip
    else:
        columns = ("Run", "Order", "Workflow", "State", "Order state", "Position", "Start", "End")
        rows = [(run.get("historyId"), run.get("orderId"), run.get("workflow"), state_text(run), state_text(run, "orderState"), run.get("position"), run.get("startTime"), run.get("endTime")) for run in runs]  # fmt: skip
    session.emit(answer, lambda: table(None, columns, rows))
