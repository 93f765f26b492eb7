"""Workflow controls (js7-reference §3.0, §4.5): ControlWorkflowPath suspends a workflow and skips jobs by label,
ControlWorkflow sets breakpoints; the exact events, what they hold, and every rejection."""

from __future__ import annotations

from stellwerk.engine.apply import apply_events
from stellwerk.engine.derive import derive
from stellwerk.engine.state import EngineState
from stellwerk.journal.snapshot import load_snapshot, snapshot_objects
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from stellwerk.model.items import WorkflowControl, WorkflowPathControl
from stellwerk.model.workflow import WorkflowId
from tests.engine.commands_helpers import A, execute, job_step, rejected
from tests.engine.harness import (
    T0,
    add_order,
    names,
    pairs,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)

W1 = WorkflowId(path="W", version_id="v1")


def three_jobs() -> EngineState:
    jobs = {"one": shell_job(A), "two": shell_job(A), "three": shell_job(A)}
    steps = [job_step("one"), job_step("two"), job_step("three")]
    return state_with(workflow("W", {"instructions": steps, "jobs": jobs}))


def at_job_two(state: EngineState, order_id: str = "o") -> None:
    add_order(state, order_id, "W")
    run(state, order_id)
    process(state, order_id, rc(0))


def test_suspending_a_workflow_holds_ready_orders_and_resuming_lets_them_go() -> None:
    state = three_jobs()
    suspended = execute(state, c.ControlWorkflowPath(workflow_path="W", suspend=True))
    assert pairs(suspended) == [
        ("", ie.ItemAdded(item=WorkflowPathControl(path="W", suspended=True, item_revision=1)))
    ]
    add_order(state, "o", "W")
    assert run(state, "o") == []
    resumed = execute(state, c.ControlWorkflowPath(workflow_path="W", suspend=False))
    assert names(resumed) == [
        "ItemChanged", "OrderAttachable", "OrderAttached", "OrderStarted", "OrderProcessingStarted"
    ]  # fmt: skip
    assert state.workflow_path_controls["W"].item_revision == 2
    assert execute(state, c.ControlWorkflowPath(workflow_path="W", suspend=False)) == [], (
        "no change, no event"
    )


def test_a_running_job_of_a_suspended_workflow_finishes_and_its_order_waits_at_the_next() -> None:
    state = three_jobs()
    add_order(state, "o", "W")
    run(state, "o")
    execute(state, c.ControlWorkflowPath(workflow_path="W", suspend=True))
    assert names(process(state, "o", rc(0))) == ["OrderProcessed", "OrderMoved"]
    assert state.orders["o"].position == (1,) and isinstance(state.orders["o"].state, o.Ready)


def test_a_skipped_job_is_passed_until_unskipped() -> None:
    state = three_jobs()
    execute(state, c.ControlWorkflowPath(workflow_path="W", skip={"two": True}))
    add_order(state, "o", "W")
    run(state, "o")
    after_one = process(state, "o", rc(0))
    assert pairs(after_one)[1:] == [
        ("o", e.OrderMoved(to=(1,))),
        ("o", e.OrderMoved(to=(2,), reason=e.SkippedDueToWorkflowPathControl())),
        ("o", e.OrderProcessingStarted(subagent_id=A)),
    ]
    execute(state, c.ControlWorkflowPath(workflow_path="W", skip={"two": False}))
    assert state.workflow_path_controls["W"].skip == ()
    add_order(state, "p", "W")
    run(state, "p")
    assert names(process(state, "p", rc(0)))[-1] == "OrderProcessingStarted"
    assert state.orders["p"].position == (1,)


def test_a_fresh_order_at_a_skipped_first_job_moves_on_without_starting() -> None:
    state = three_jobs()
    execute(state, c.ControlWorkflowPath(workflow_path="W", skip={"one": True}))
    add_order(state, "o", "W", scheduled_for=T0 + 1000)
    assert "OrderMoved" not in names(run(state, "o")), "not due yet"
    moved, *rest = run(state, "o", now=T0 + 1000)
    assert moved == e.KeyedEvent("o", e.OrderMoved(to=(1,), reason=e.SkippedDueToWorkflowPathControl()))
    assert names(rest) == ["OrderStarted", "OrderProcessingStarted"]


def test_a_breakpoint_suspends_an_arriving_order_which_goes_on_when_resumed() -> None:
    state = three_jobs()
    events = execute(state, c.ControlWorkflow(workflow_id=W1, add_breakpoints=((1,),)))
    control = WorkflowControl(id=W1, breakpoints=((1,),), item_revision=1)
    assert pairs(events) == [("", ie.ItemAdded(item=control))]
    at_job_two(state)
    order = state.orders["o"]
    assert order.is_suspended and order.position == (1,)
    resumed = execute(state, c.ResumeOrder(order_id="o"))
    assert names(resumed) == ["OrderResumed", "OrderAttachable", "OrderAttached", "OrderProcessingStarted"]
    assert names(process(state, "o", rc(0))) == ["OrderProcessed", "OrderMoved", "OrderProcessingStarted"]
    assert not state.orders["o"].is_resumed, "OrderMoved ends the pass"
    at_job_two(state, "p")
    assert state.orders["p"].is_suspended, "the breakpoint holds the next order again"
    execute(state, c.ControlWorkflow(workflow_id=W1, remove_breakpoints=((1,),)))
    at_job_two(state, "q")
    assert not state.orders["q"].is_suspended


def test_an_attached_order_at_a_breakpoint_detaches_first() -> None:
    state = three_jobs()
    state.role = "agent"
    execute(state, c.ControlWorkflow(workflow_id=W1, add_breakpoints=((0,),)))
    add_order(state, "o", "W")
    apply_events(
        state,
        [
            e.KeyedEvent("o", e.OrderAttachable(agent_path=A)),
            e.KeyedEvent("o", e.OrderAttached(agent_path=A)),
        ],
    )
    assert names(derive(state, ["o"], T0)) == ["OrderDetachable"]


def test_bad_controls_are_refused_naming_what_is_wrong() -> None:
    state = three_jobs()
    assert rejected(state, c.ControlWorkflowPath(workflow_path="X", suspend=True)) == "Unknown workflow 'X'"
    assert rejected(state, c.ControlWorkflowPath(workflow_path="W", skip={"nope": True})) == (
        "Unknown label 'nope' in workflow 'W'"
    )
    assert rejected(state, c.ControlWorkflow(workflow_id=WorkflowId(path="W", version_id="v9"))) == (
        "Unknown workflow 'W~v9'"
    )
    bad = c.ControlWorkflow(workflow_id=W1, add_breakpoints=((0,), (7,)))
    assert rejected(state, bad) == "addBreakpoints[1]: no instruction at position [7] of 'W~v1'"
    assert state.workflow_controls == {} and state.workflow_path_controls == {}


def test_controls_survive_a_snapshot() -> None:
    state = three_jobs()
    execute(state, c.ControlWorkflowPath(workflow_path="W", suspend=True, skip={"two": True}))
    execute(state, c.ControlWorkflow(workflow_id=W1, add_breakpoints=((2,),)))
    loaded = load_snapshot(snapshot_objects(state))
    assert isinstance(loaded, EngineState)
    assert loaded.workflow_path_controls == state.workflow_path_controls
    assert loaded.workflow_controls == state.workflow_controls
