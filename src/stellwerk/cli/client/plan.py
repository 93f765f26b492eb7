"""`stellwerk plan show|generate|submit`: the daily plan through `/daily_plan/orders...`: the planned orders of a
range of days, generating the plan from the schedules, and submitting planned orders to the Controller."""

from __future__ import annotations

import datetime
from typing import Any

import click

from stellwerk.cli.client.session import Session, operator_command, state_text, table


@click.group("plan")
def plan_command() -> None:
    """The daily plan: show, generate, submit."""


def _days(date: datetime.datetime | None, days: int) -> list[str]:
    first = date.date() if date else datetime.datetime.now(datetime.UTC).date()
    return [(first + datetime.timedelta(days=offset)).isoformat() for offset in range(days)]


def date_options(function: Any) -> Any:
    function = click.option("--days", type=click.IntRange(1, 366), default=1, show_default=True, help="How many days from DATE.")(function)  # fmt: skip
    return click.option(
        "--date",
        type=click.DateTime(["%Y-%m-%d"]),
        help="The first plan date, YYYY-MM-DD (today, UTC, if not given).",
    )(function)


def _range(session: Session, days: list[str]) -> dict[str, Any]:
    return {
        "controllerIds": [session.controller_id],
        "dailyPlanDateFrom": days[0],
        "dailyPlanDateTo": days[-1],
    }


@operator_command(plan_command, "show")
@date_options
def show(session: Session, date: datetime.datetime | None, days: int) -> None:
    """The planned orders of the days."""
    answer = session.client.call("/daily_plan/orders", _range(session, _days(date, days)))
    rows = [
        (
            item.get("orderId"),
            item.get("workflowPath"),
            item.get("schedulePath"),
            item.get("plannedStartTime"),
            state_text(item),
        )  # fmt: skip
        for item in answer.get("plannedOrderItems", [])
    ]
    session.emit(
        answer, lambda: table(None, ("Order", "Workflow", "Schedule", "Planned start", "State"), rows)
    )


@operator_command(plan_command, "generate")
@date_options
@click.option("--submit", is_flag=True, help="Submit the planned orders to the Controller right away.")
@click.option("--overwrite", is_flag=True, help="Plan again orders planned already (not the submitted ones).")
def generate(
    session: Session, date: datetime.datetime | None, days: int, submit: bool, overwrite: bool
) -> None:
    """Plan the orders of the schedules for the days."""
    dates = _days(date, days)
    with session.progress("Planning", len(dates)) as step:
        for day in dates:
            body = {"controllerId": session.controller_id, "dailyPlanDate": day, "withSubmit": submit, "overwrite": overwrite}  # fmt: skip
            session.client.call("/daily_plan/orders/generate", body)
            step()
    planned = session.client.call("/daily_plan/orders", _range(session, dates)).get("plannedOrderItems", [])
    result = {"dates": dates, "planned": len(planned), "submitted": submit}
    session.emit(result, lambda: f"Planned {len(planned)} orders for {dates[0]}..{dates[-1]}")


@operator_command(plan_command, "submit")
@date_options
def submit(session: Session, date: datetime.datetime | None, days: int) -> None:
    """Submit the planned orders of the days to the Controller."""
    dates = _days(date, days)
    answer = session.client.call("/daily_plan/orders/submit", {"controllerId": session.controller_id, **_range(session, dates)})  # fmt: skip
    session.emit(answer, lambda: f"Submitted the planned orders of {dates[0]}..{dates[-1]}")
