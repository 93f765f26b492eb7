"""`stellwerk logs ORDER [--follow]`: the order log (JOC's `/order/log`, then `/order/log/running` from the last
chunk read) with each job's output (`/task/log`) after the step that wrote it."""

from __future__ import annotations

import json
import time
from typing import Any

import click

from stellwerk.cli.client.exits import CliFailure, Exit
from stellwerk.cli.client.session import Session, operator_command

HISTORY_LAG_SECONDS = 10.0
_SHOWN = ("position", "job", "agentId", "returnCode", "error", "question", "label")


def log_line(entry: dict[str, Any]) -> str:
    details = " ".join(f"{key}={entry[key]}" for key in _SHOWN if entry.get(key) not in (None, ""))
    return f"{entry.get('controllerDatetime', '')} {entry.get('logLevel', ''):<6} {entry.get('logEvent', '')} {details}".rstrip()  # fmt: skip


class _Printer:
    """Prints entries and, after a step's end, the job's output of that step."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def print(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            if self.session.as_json:
                click.echo(json.dumps(entry, ensure_ascii=False))
                continue
            click.echo(log_line(entry))
            if entry.get("logEvent") == "OrderProcessed" and entry.get("taskId") is not None:
                self._task_output(int(entry["taskId"]))

    def _task_output(self, task_id: int) -> None:
        body = {"controllerId": self.session.controller_id, "taskId": task_id}
        text = self.session.client.download("/task/log", body).decode(errors="replace")
        for line in text.splitlines():
            click.echo(f"    | {line}")


def _first_log(
    session: Session, order_id: str, follow: bool, interval: float, deadline: float | None
) -> dict[str, Any]:
    """The log so far. Following an order whose run is not in the history yet waits for it: the order may not
    have started, or it ended and the Cockpit's History has not written it yet (it lags a little behind)."""
    body = {"controllerId": session.controller_id, "orderId": order_id}
    unknown_since: float | None = None
    while True:
        try:
            return session.client.call("/order/log", body)
        except CliFailure as failure:
            now = time.monotonic()
            if (
                not follow
                or failure.exit_code != Exit.UNKNOWN_OBJECT
                or (deadline is not None and now >= deadline)
            ):
                raise
            if session.client.post("/order", body).status == 200:
                unknown_since = None
            elif unknown_since is None:
                unknown_since = now
            elif now - unknown_since > HISTORY_LAG_SECONDS:
                raise  # neither on the Controller nor in the history: no such order
        time.sleep(interval)


@operator_command(None, "logs")
@click.argument("order_id")
@click.option("--follow", "-f", is_flag=True, help="Keep printing what comes until the order's run ends.")
@click.option("--interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True, help="Seconds between looks with --follow.")  # fmt: skip
@click.option("--timeout", type=click.FloatRange(min=0), help="Stop following after this many seconds.")
def logs_command(
    session: Session, order_id: str, follow: bool, interval: float, timeout: float | None
) -> None:
    """The log of ORDER_ID's newest run with its jobs' output (with --json: one JSON entry per line)."""
    controller = session.controller_id
    deadline = None if timeout is None else time.monotonic() + timeout
    answer = _first_log(session, order_id, follow, interval, deadline)
    printer = _Printer(session)
    printer.print(answer.get("logEvents", []))
    while follow and not answer.get("complete") and (deadline is None or time.monotonic() < deadline):
        time.sleep(interval)
        body = {"controllerId": controller, "historyId": answer["historyId"], "eventId": answer["eventId"]}
        answer = {**answer, **session.client.call("/order/log/running", body)}
        printer.print(answer.get("logEvents", []))
