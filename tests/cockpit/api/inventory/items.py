"""Inventory objects in JOC's dialect for the tests."""

from __future__ import annotations

from typing import Any


def workflow(*, lock: str | None = None, agent: str = "agentA", script: str = "echo hello") -> dict[str, Any]:
    """A workflow with one shell job (inside a lock, when named)."""
    job = {"TYPE": "Execute.Named", "jobName": "hello", "label": "hello"}
    instructions: list[dict[str, Any]] = [job]
    if lock is not None:
        instructions = [{"TYPE": "Lock", "demands": [{"lockName": lock, "count": 1}], "lockedWorkflow": {"instructions": [job]}}]  # fmt: skip
    return {
        "TYPE": "Workflow",
        "version": "1.7.2",
        "instructions": instructions,
        "jobs": {
            "hello": {"agentName": agent, "executable": {"TYPE": "ShellScriptExecutable", "script": script}}
        },
    }


LOCK: dict[str, Any] = {"TYPE": "Lock", "limit": 1}
CALENDAR: dict[str, Any] = {
    "type": "WORKINGDAYSCALENDAR",
    "includes": {"weekdays": [{"days": [1, 2, 3, 4, 5]}]},
}
