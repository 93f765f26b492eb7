"""`stellwerk orders add|list|show|cancel|suspend|resume|answer|watch`: the Controller's orders through the
Cockpit's `/orders/...` and `/order` endpoints."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from typing import Any

import click
from rich.live import Live

from stellwerk.cli.client.exits import CliFailure, Exit
from stellwerk.cli.client.explain import explanation, instant
from stellwerk.cli.client.session import Session, operator_command, state_text, table

# An order in one of these has stopped moving; finished and cancelled orders also leave the Controller.
STOPPED = frozenset({"FINISHED", "CANCELLED", "FAILED", "BROKEN"})
FAILING = frozenset({"FAILED", "BROKEN"})


@click.group("orders")
def orders_command() -> None:
    """The Controller's orders: add, list, show, cancel, suspend, resume, answer, watch."""


def argument_value(text: str) -> tuple[str, Any]:
    """`name=value`: the value as JSON when it parses (numbers, booleans, lists), else the text itself."""
    name, separator, value = text.partition("=")
    if not separator or not name:
        raise click.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="--arg")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


@operator_command(orders_command, "add")
@click.argument("workflow")
@click.option("--name", "order_name", help="A name to tell the order by (part of its id).")
@click.option("--arg", "arguments", multiple=True, help="An order argument NAME=VALUE (repeatable).")
@click.option("--at", "scheduled_for", help="When to start: an ISO timestamp, 'now' (default) or 'never'.")
def add(session: Session, workflow: str, order_name: str | None, arguments: tuple[str, ...], scheduled_for: str | None) -> None:  # fmt: skip
    """Add an order to WORKFLOW (its name or path)."""
    order: dict[str, Any] = {"workflowPath": workflow, "arguments": dict(map(argument_value, arguments))}
    if order_name:
        order["orderName"] = order_name
    if scheduled_for:
        order["scheduledFor"] = scheduled_for
    answer = session.client.call("/orders/add", {"controllerId": session.controller_id, "orders": [order]})
    session.emit(answer, lambda: "\n".join(answer["orderIds"]))


def _orders_filter(session: Session, workflow: str | None, states: tuple[str, ...], folder: str | None) -> dict[str, Any]:  # fmt: skip
    body: dict[str, Any] = {"controllerId": session.controller_id}
    if workflow:
        body["workflowIds"] = [{"path": workflow}]
    if states:
        body["states"] = [state.upper() for state in states]
    if folder:
        body["folders"] = [{"folder": folder, "recursive": True}]
    return body


def orders_table(orders: list[dict[str, Any]], title: str | None = None) -> Any:
    rows = [
        (
            order["orderId"],
            order.get("workflowId", {}).get("path"),
            state_text(order) + (f" ({order['state']['_reason']})" if order["state"].get("_reason") else ""),
            order.get("positionString"),
            order.get("agentId"),
            instant(order.get("scheduledFor")),
        )
        for order in orders
    ]
    return table(title, ("Order", "Workflow", "State", "Position", "Agent", "Scheduled for"), rows)


@operator_command(orders_command, "list")
@click.option("--workflow", help="Only orders of this workflow (name or path).")
@click.option(
    "--state", "states", multiple=True, help="Only orders in this JOC state, e.g. FAILED (repeatable)."
)
@click.option("--folder", help="Only orders of workflows in this folder (and below).")
def list_orders(session: Session, workflow: str | None, states: tuple[str, ...], folder: str | None) -> None:
    """List the Controller's orders."""
    answer = session.client.call("/orders", _orders_filter(session, workflow, states, folder))
    session.emit(answer, lambda: orders_table(answer["orders"]))


@operator_command(orders_command, "show")
@click.argument("order_id")
def show(session: Session, order_id: str) -> None:
    """Show one order, and why it is not moving."""
    body = {"controllerId": session.controller_id, "orderId": order_id}
    view = session.client.call("/order", body)
    obstacles = _obstacles(session, body)
    reasons = explanation(view, obstacles)
    data = {**view, "obstacles": obstacles, "explanation": reasons}

    def details() -> Any:
        rows = [
            ("Order", view["orderId"]),
            ("Workflow", f"{view['workflowId']['path']} ({view['workflowId'].get('versionId', '')})"),
            ("State", state_text(view)),
            ("Position", view.get("positionString")),
            ("Agent", view.get("agentId")),
            ("Scheduled for", instant(view.get("scheduledFor"))),
            ("Arguments", json.dumps(view.get("arguments") or {})),
            ("Why not moving", "\n".join(reasons) or "-"),
        ]
        return table(None, ("Field", "Value"), rows)

    session.emit(data, details)


def _obstacles(session: Session, body: dict[str, Any]) -> list[dict[str, Any]] | None:
    """JOC's obstacles of the order, or None when the Cockpit does not serve them."""
    try:
        answer = session.client.call("/order/obstacles", body)
    except CliFailure as failure:
        if failure.exit_code == Exit.NOT_SUPPORTED:
            return None
        raise
    obstacles: list[dict[str, Any]] = answer.get("obstacles", [])
    return obstacles


def _modify(session: Session, endpoint: str, order_ids: tuple[str, ...], **options: Any) -> None:
    body = {"controllerId": session.controller_id, "orderIds": list(order_ids), **options}
    answer = session.client.call(f"/orders/{endpoint}", body)
    session.emit(answer, lambda: f"{endpoint}: {', '.join(order_ids)}")


@operator_command(orders_command, "cancel")
@click.argument("order_ids", nargs=-1, required=True)
@click.option("--kill", is_flag=True, help="Kill a running job process first.")
def cancel(session: Session, order_ids: tuple[str, ...], kill: bool) -> None:
    """Cancel orders."""
    _modify(session, "cancel", order_ids, kill=kill)


@operator_command(orders_command, "suspend")
@click.argument("order_ids", nargs=-1, required=True)
@click.option(
    "--kill", is_flag=True, help="Kill a running job process (else the order stops after its step)."
)
def suspend(session: Session, order_ids: tuple[str, ...], kill: bool) -> None:
    """Suspend orders."""
    _modify(session, "suspend", order_ids, kill=kill)


@operator_command(orders_command, "resume")
@click.argument("order_ids", nargs=-1, required=True)
def resume(session: Session, order_ids: tuple[str, ...]) -> None:
    """Resume suspended or failed orders."""
    _modify(session, "resume", order_ids)


@operator_command(orders_command, "answer")
@click.argument("order_ids", nargs=-1, required=True)
def answer(session: Session, order_ids: tuple[str, ...]) -> None:
    """Answer the prompt orders wait at, so they go on (JOC's confirm)."""
    _modify(session, "confirm", order_ids)


@operator_command(orders_command, "watch")
@click.argument("order_ids", nargs=-1)
@click.option("--workflow", help="Only orders of this workflow.")
@click.option("--interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True, help="Seconds between looks.")  # fmt: skip
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many looks.")
@click.option("--until-finished", is_flag=True, help="Stop once the orders watched have all stopped moving "
              "(finished, cancelled, failed or gone); exit 1 if one failed.")  # fmt: skip
def watch(session: Session, order_ids: tuple[str, ...], workflow: str | None, interval: float, count: int | None, until_finished: bool) -> None:  # fmt: skip
    """A live table of the orders (the ORDER_IDS given, or all), refreshed every --interval."""
    body = _orders_filter(session, workflow, (), None)
    if order_ids:
        body["orderIds"] = list(order_ids)
    live = None if session.as_json or not sys.stdout.isatty() else Live(console=session.console)
    looks = 0
    failed: set[str] = set()
    with live or contextlib.nullcontext():
        while True:
            orders = session.client.call("/orders", body)["orders"]
            looks += 1
            failed |= {order["orderId"] for order in orders if state_text(order) in FAILING}
            if session.as_json:
                click.echo(json.dumps({"orders": orders}, ensure_ascii=False))
            elif live is not None:
                live.update(orders_table(orders, f"Orders at {time.strftime('%H:%M:%S')}"))
            else:
                session.console.print(orders_table(orders, f"Orders at {time.strftime('%H:%M:%S')}"))
            moving = [order for order in orders if state_text(order) not in STOPPED]
            if (count is not None and looks >= count) or (until_finished and not moving):
                break
            time.sleep(interval)
    if until_finished and failed:
        raise CliFailure(f"failed: {', '.join(sorted(failed))}", Exit.FAILED)
