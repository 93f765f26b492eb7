"""Workflow controls end to end, Cockpit -> Controller -> Agent (real processes, mutual TLS): suspending and
resuming a workflow (/workflows/suspend|resume), skipping jobs by label (/workflow/skip|unskip), stopping them
by position (/workflow/stop|unstop); the listing shows it as JOC does, every change is audited, refusals change
nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from stellwerk.cockpit.db.repositories.audit import AuditRecord
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import AGENT, deploy, order_state, wait_for_state
from tests.cockpit.api.orders.test_orders_on_controller import add, wait_until_ended
from tests.cockpit.api.schema import assert_valid
from tests.e2e.nodes import shell_job, workflow

CID = "e2e"
STEPS = workflow(
    "steps",
    [
        {"TYPE": "Execute.Named", "jobName": "one", "label": "one"},
        {"TYPE": "Execute.Named", "jobName": "two", "label": "two"},
    ],
    {"one": shell_job(AGENT, "echo one"), "two": shell_job(AGENT, "echo two")},
)


def jobs_run(joc: Joc, order_id: str, expected: list[str], seconds: float = 30.0) -> list[str]:
    """The jobs of the order in the task history, once the History service has written `expected` (or the
    jobs found after `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        history = joc.ok("/joc/api/tasks/history", {"controllerId": CID, "orderId": order_id})["history"]
        found = sorted(task["job"] for task in history)
        if found == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def listed(joc: Joc) -> dict[str, Any]:
    workflows = joc.ok("/joc/api/workflows", {"controllerId": CID})
    assert_valid("workflow/workflows-schema.json", workflows)
    [steps] = [w for w in workflows["workflows"] if w["path"] == "/steps"]
    return steps  # type: ignore[no-any-return]


def paths_in(joc: Joc, **filters: object) -> list[str]:
    workflows = joc.ok("/joc/api/workflows", {"controllerId": CID, "compact": True, **filters})
    return [w["path"] for w in workflows["workflows"]]


def stays(joc: Joc, order_id: str, state: str, seconds: float = 1.0) -> None:
    """The order is in `state` now and still after `seconds` (it would have finished in far less)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert order_state(joc, CID, order_id) == state
        time.sleep(0.1)


def test_workflow_controls_through_the_cockpit(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
    root: Joc,
    audit_entries: Callable[[], list[AuditRecord]],
) -> None:
    running, controller = controller_cockpit
    deploy(running, controller, STEPS)
    check_suspend_and_resume(root)
    check_skip_and_unskip(root)
    check_stop_and_unstop(root)
    check_refusals(root, audit_entries)
    requests = {entry.request for entry in audit_entries()}
    assert {"./workflows/suspend", "./workflows/resume", "./workflow/skip", "./workflow/stop"} <= requests


def check_suspend_and_resume(joc: Joc) -> None:
    suspended = joc.ok("/joc/api/workflows/suspend", {"controllerId": CID, "workflowPaths": ["/steps"]})
    assert_valid("common/ok-schema.json", suspended)
    shown = listed(joc)
    assert shown["suspended"] is True and shown["state"]["_text"] == "SUSPENDED"
    assert paths_in(joc, states=["SUSPENDED"]) == ["/steps"]
    assert paths_in(joc, states=["IN_SYNC"]) == []
    [order_id] = add(joc, "steps")
    wait_for_state(joc, CID, order_id, "SCHEDULED")
    stays(joc, order_id, "SCHEDULED")
    joc.ok("/joc/api/workflows/resume", {"controllerId": CID, "folders": [{"folder": "/"}]})
    assert listed(joc)["suspended"] is False
    wait_until_ended(joc, order_id, "SUCCESSFUL")
    assert jobs_run(joc, order_id, ["one", "two"]) == ["one", "two"]


def check_skip_and_unskip(joc: Joc) -> None:
    joc.ok("/joc/api/workflow/skip", {"controllerId": CID, "workflowPath": "/steps", "labels": ["one"]})
    answer = joc.ok("/joc/api/workflow", {"controllerId": CID, "workflowId": {"path": "/steps"}})
    assert_valid("workflow/workflow-schema.json", answer)
    shown = answer["workflow"]
    assert shown["numOfSkippedInstructions"] == 1
    assert [i.get("state", {}).get("_text") for i in shown["instructions"]] == ["SKIPPED", None]
    [skipping] = add(joc, "steps")
    wait_until_ended(joc, skipping, "SUCCESSFUL")
    assert jobs_run(joc, skipping, ["two"]) == ["two"]
    joc.ok("/joc/api/workflow/unskip", {"controllerId": CID, "workflowPath": "steps", "labels": ["one"]})
    [again] = add(joc, "steps")
    wait_until_ended(joc, again, "SUCCESSFUL")
    assert jobs_run(joc, again, ["one", "two"]) == ["one", "two"]


def check_stop_and_unstop(joc: Joc) -> None:
    stop = {"controllerId": CID, "workflowId": {"path": "/steps"}, "positions": ["1"]}
    joc.ok("/joc/api/workflow/stop", stop)
    assert listed(joc)["numOfStoppedInstructions"] == 1
    assert paths_in(joc, instructionStates=["STOPPED"]) == ["/steps"]
    assert paths_in(joc, instructionStates=["SKIPPED"]) == []
    [stopped] = add(joc, "steps")
    wait_for_state(joc, CID, stopped, "SUSPENDED")
    order = joc.ok("/joc/api/order", {"controllerId": CID, "orderId": stopped})
    assert order["position"] == [1]
    assert jobs_run(joc, stopped, ["one"]) == ["one"]
    joc.ok("/joc/api/orders/resume", {"controllerId": CID, "orderIds": [stopped]})
    wait_until_ended(joc, stopped, "SUCCESSFUL")
    assert jobs_run(joc, stopped, ["one", "two"]) == ["one", "two"]
    joc.ok("/joc/api/workflow/unstop", {**stop, "positions": ["two"]})
    assert listed(joc)["numOfStoppedInstructions"] == 0
    [free] = add(joc, "steps")
    wait_until_ended(joc, free, "SUCCESSFUL")


def check_refusals(joc: Joc, audit_entries: Callable[[], list[AuditRecord]]) -> None:
    before = len(audit_entries())
    label = joc.post(
        "/joc/api/workflow/skip", {"controllerId": CID, "workflowPath": "/steps", "labels": ["x"]}
    )
    assert label.status == 420 and label.error["message"] == "Unknown label 'x' in workflow 'steps'"
    unknown = joc.post("/joc/api/workflows/suspend", {"controllerId": CID, "workflowPaths": ["/nope"]})
    assert unknown.status == 420 and "$.workflowPaths[0]" in unknown.error["message"]
    position = {"controllerId": CID, "workflowId": {"path": "/steps"}, "positions": [[5]]}
    bad = joc.post("/joc/api/workflow/stop", position)
    assert bad.status == 420 and "addBreakpoints[0]" in bad.error["message"]
    assert len(audit_entries()) == before, "a refused change writes no audit entry"
    assert listed(joc)["suspended"] is False and listed(joc)["numOfStoppedInstructions"] == 0
