"""Why an order is not moving, in words, from JOC's order view (`/order`: its state, the waiting reason, the
question, the planned start) and, where the Cockpit serves them, JOC's obstacles (`/order/obstacles`)."""

from __future__ import annotations

import datetime
from typing import Any

NEVER = 253_402_214_400_000  # JS7's "scheduled never": 9999-12-31T00:00:00Z
_WAITING = {
    "DELAYING_RETRY": "it waits for its next retry after a failed job",
    "FORKED": "it waits for its child orders to finish (fork)",
    "WAITING_FOR_LOCK": "it waits for a lock another order holds",
    "EXPECTING_NOTICES": "it waits for a notice on a notice board",
    "BETWEEN_CYCLES": "it waits for the next cycle of a cycle instruction",
    "SLEEPING": "it sleeps (a sleep instruction)",
    "WAITING_FOR_ADMISSION": "it waits for the admission time of its job",
}
_OBSTACLES = {
    "WaitingForAdmission": "outside the admission times of its job",
    "JobParallelismLimitReached": "its job runs as many processes as it may",
    "JobProcessLimitReached": "its job runs as many processes as it may (processLimit)",
    "AgentProcessLimitReached": "its Agent runs as many processes as it may (the Agent's processLimit)",
    "OrderNotExisting": "the Controller does not have it (any more)",
    "WorkflowIsSuspended": "its workflow is suspended",
    "WorkflowSuspended": "its workflow is suspended",
    "WaitingForCommand": "it waits for a command (resume, answer or continue)",
    "JobSkipped": "its job is skipped",
    "JobStopped": "its job is stopped",
}
_STATES = {
    "SUSPENDED": "it is suspended: `stellwerk orders resume` moves it on",
    "FAILED": "its step failed: `stellwerk orders resume` retries, `stellwerk orders cancel` ends it",
    "BLOCKED": "it is blocked: its Agent does not take it now (stopped job, Agent unreachable or disabled)",
    "INPROGRESS": "it is on its way to the next step (or its Agent has not answered yet)",
}


def instant(epoch_milliseconds: Any) -> str:
    """JOC's epoch milliseconds as ISO 8601 in UTC (other values as they are)."""
    if not isinstance(epoch_milliseconds, int):
        return "" if epoch_milliseconds is None else str(epoch_milliseconds)
    if epoch_milliseconds >= NEVER:
        return "never"
    moment = datetime.datetime.fromtimestamp(epoch_milliseconds / 1000, datetime.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def explanation(view: dict[str, Any], obstacles: list[dict[str, Any]] | None = None) -> list[str]:
    """The reasons, most specific first; empty when the order is moving or has ended."""
    state = view.get("state") or {}
    text, reason = state.get("_text"), state.get("_reason")
    found: list[str] = []
    for obstacle in obstacles or []:
        kind = str(obstacle.get("type", ""))
        until = f" until {obstacle['until']}" if obstacle.get("until") else ""
        found.append(_OBSTACLES.get(kind, kind) + until)
    if text == "PROMPTING":
        found.append(f"it waits for an answer to {view.get('question')!r}: `stellwerk orders answer`")
    elif text == "WAITING":
        found.append(_WAITING.get(str(reason), f"it waits ({reason})"))
    elif text == "SCHEDULED":
        found.append(f"it is scheduled for {instant(view.get('scheduledFor'))}")
    elif text == "PENDING":
        found.append("it has no planned start (pending): `stellwerk orders cancel` or a new order with --at")
    elif text in _STATES:
        found.append(_STATES[text])
    if view.get("marked"):
        found.append(f"it is marked to be {str(view['marked'].get('_text', '')).lower()}")
    return found
