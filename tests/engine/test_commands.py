"""Commands (js7-reference §4.5): the exact events, and every rejection with its Problem text."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.commands import execute_command
from stellwerk.engine.state import EngineState
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.items import GlobalBoard
from stellwerk.model.outcome import Killed, Succeeded
from stellwerk.model.workflow import WorkflowId
from tests.engine.commands_helpers import (
    A,
    e2_state,
    execute,
    failed_e2_state,
    fresh_order,
    job_step,
    prompting_state,
    rejected,
)
from tests.engine.harness import (
    T0,
    add_order,
    failed_rc,
    names,
    pairs,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)

# CancelOrders


def test_e2_cancel_a_failed_order() -> None:
    state = failed_e2_state()
    assert pairs(execute(state, c.CancelOrders(order_ids=("ex2",)))) == [("ex2", e.OrderCancelled())]
    assert isinstance(state.orders["ex2"].state, o.Cancelled)


def test_e13_cancel_a_prompting_order_resets_its_state_first() -> None:
    state = prompting_state()
    events = execute(state, c.CancelOrders(order_ids=("q",)))
    assert pairs(events) == [("q", e.OrderStateReset()), ("q", e.OrderCancelled())]


def test_cancel_fresh_only_refuses_a_started_order_and_cancels_a_fresh_one() -> None:
    state = prompting_state()
    add_order(state, "fresh", "W")
    fresh_only = o.FreshOnly()
    assert rejected(state, c.CancelOrders(order_ids=("q",), mode=fresh_only)) == (
        "Order:q has started and cannot be cancelled"
    )
    events = execute(state, c.CancelOrders(order_ids=("fresh",), mode=fresh_only))
    assert pairs(events) == [("fresh", e.OrderCancelled())]


def test_cancel_a_processing_order_with_kill_marks_it_then_the_kill_cancels_it() -> None:
    state = e2_state()
    add_order(state, "ex2", "W")
    run(state)
    mode = o.FreshOrStarted(kill=o.Kill())
    assert pairs(execute(state, c.CancelOrders(order_ids=("ex2",), mode=mode))) == [
        ("ex2", e.OrderCancellationMarked(mode=mode))
    ]
    assert execute(state, c.CancelOrders(order_ids=("ex2",), mode=mode)) == []  # already marked
    events = process(state, "ex2", Killed(outcome=failed_rc(143)))
    assert names(events) == [
        "OrderProcessed",
        "OrderProcessingKilled",
        "OrderDetachable",
        "OrderDetached",
        "OrderCancelled",
    ]


def test_cancel_without_kill_lets_the_step_finish_then_cancels_at_the_next_instruction() -> None:
    state = e2_state()
    add_order(state, "ex2", "W")
    run(state)
    execute(state, c.CancelOrders(order_ids=("ex2",)))
    events = process(state, "ex2", rc(0))
    assert names(events) == [
        "OrderProcessed",
        "OrderMoved",
        "OrderDetachable",
        "OrderDetached",
        "OrderCancelled",
    ]
    assert state.orders["ex2"].position == (1,)


def test_cancel_an_attached_fresh_order_detaches_it_first() -> None:
    state = e2_state()
    add_order(state, "x", "W", scheduled_for=T0 + 60_000)
    assert names(run(state)) == ["OrderAttachable", "OrderAttached"]
    events = execute(state, c.CancelOrders(order_ids=("x",)))
    assert names(events) == ["OrderCancellationMarked", "OrderDetachable", "OrderDetached", "OrderCancelled"]


def test_cancel_names_unknown_orders_and_refuses_duplicates() -> None:
    state = e2_state()
    add_order(state, "a", "W")
    assert rejected(state, c.CancelOrders(order_ids=("a", "x", "y"))) == "Unknown Order:x; Unknown Order:y"
    assert rejected(state, c.CancelOrders(order_ids=("a", "a"))) == "OrderIds must be unique"
    assert isinstance(state.orders["a"].state, o.Fresh)


def test_cancel_a_finished_order_does_nothing() -> None:
    state = e2_state()
    add_order(state, "a", "W")
    run(state)
    process(state, "a", rc(0))
    process(state, "a", rc(0))
    assert isinstance(state.orders["a"].state, o.Finished)
    assert execute_command(state, c.CancelOrders(order_ids=("a",)), T0) == []


# SuspendOrders and ResumeOrder(s)


def test_suspend_a_detached_fresh_order_at_once_then_resume_it() -> None:
    state = e2_state()
    add_order(state, "a", "W")
    assert pairs(execute(state, c.SuspendOrders(order_ids=("a",)))) == [("a", e.OrderSuspended())]
    assert run(state, "a") == []
    assert execute_command(state, c.SuspendOrders(order_ids=("a",)), T0) == []
    events = execute(state, c.ResumeOrder(order_id="a"))
    assert names(events)[:3] == ["OrderResumed", "OrderAttachable", "OrderAttached"]


def test_suspend_with_reset_state_leaves_the_prompt() -> None:
    state = prompting_state()
    mode = o.SuspensionMode(reset_state=True)
    events = execute(state, c.SuspendOrders(order_ids=("q",), mode=mode))
    assert pairs(events) == [("q", e.OrderStateReset()), ("q", e.OrderSuspended())]
    assert isinstance(state.orders["q"].state, o.Ready)


def test_suspend_a_prompting_order_without_reset_marks_it() -> None:
    state = prompting_state()
    events = execute(state, c.SuspendOrders(order_ids=("q",)))
    assert pairs(events) == [("q", e.OrderSuspensionMarked(mode=o.SuspensionMode()))]


def test_suspend_with_kill_stops_the_job_and_resume_restarts_it() -> None:
    state = e2_state()
    add_order(state, "a", "W")
    run(state)
    mode = o.SuspensionMode(kill=o.Kill(immediately=True))
    assert names(execute(state, c.SuspendOrders(order_ids=("a",), mode=mode))) == ["OrderSuspensionMarked"]
    events = process(state, "a", Killed(outcome=failed_rc(137)))
    assert names(events) == [
        "OrderProcessed",
        "OrderProcessingKilled",
        "OrderDetachable",
        "OrderDetached",
        "OrderSuspended",
    ]
    assert state.orders["a"].is_suspended and state.orders["a"].position == (0,)
    events = execute(state, c.ResumeOrder(order_id="a"))
    assert events[0].event == e.OrderResumed(restart_killed_job=True)
    assert names(events)[1:] == ["OrderAttachable", "OrderAttached", "OrderProcessingStarted"]


def test_suspend_a_failed_order_is_refused() -> None:
    state = failed_e2_state()
    assert rejected(state, c.SuspendOrders(order_ids=("ex2",))) == "Order is not in a suspendible state"


def test_e2_resume_as_succeeded_reruns_the_failedjob_step() -> None:
    state = failed_e2_state()
    events = execute(state, c.ResumeOrder(order_id="ex2", as_succeeded=True))
    assert pairs(events)[0] == ("ex2", e.OrderResumed(as_succeeded=True))
    assert names(events)[1:] == ["OrderAttachable", "OrderAttached", "OrderProcessingStarted"]
    assert state.orders["ex2"].position == (1,)
    assert state.orders["ex2"].last_outcome() == Succeeded()


def test_resume_a_failed_order_without_as_succeeded_fails_again() -> None:
    state = failed_e2_state()
    events = execute(state, c.ResumeOrder(order_id="ex2"))
    assert names(events) == ["OrderResumed", "OrderFailed"]


def test_e15_stop_on_failure_then_resume() -> None:
    options = {"TYPE": "Options", "stopOnFailure": True, "block": {"instructions": [job_step("fragile")]}}
    jobs = {"fragile": shell_job(A), "next": shell_job(A)}
    state = state_with(workflow("W", {"instructions": [options, job_step("next")], "jobs": jobs}))
    add_order(state, "s", "W")
    run(state)
    stopped = process(state, "s", failed_rc(1))
    assert names(stopped) == ["OrderProcessed", "OrderDetachable", "OrderDetached", "OrderStopped"]
    assert state.orders["s"].position == (0, "options", 0)
    events = execute(state, c.ResumeOrder(order_id="s", as_succeeded=True))
    assert pairs(events)[0] == ("s", e.OrderResumed(as_succeeded=True))
    assert names(events)[1:] == ["OrderAttachable", "OrderAttached", "OrderProcessingStarted"]
    finished = process(state, "s", rc(0))
    assert names(finished) == ["OrderProcessed", "OrderMoved", "OrderProcessingStarted"]


def test_resume_to_another_reachable_position() -> None:
    state = failed_e2_state()
    events = execute(state, c.ResumeOrder(order_id="ex2", position=(0,), as_succeeded=True))
    assert events[0].event == e.OrderResumed(position=(0,), as_succeeded=True)
    assert state.orders["ex2"].position == (0,)


def test_resume_rejections() -> None:
    state = failed_e2_state()
    add_order(state, "fresh", "W")
    assert rejected(state, c.ResumeOrder(order_id="ex2", position=(9,))) == "Unreachable order position"
    assert rejected(state, c.ResumeOrder(order_id="fresh")) == "Order is not in a resumable state"
    assert rejected(state, c.ResumeOrders(order_ids=("fresh", "ex2"))) == "Order is not in a resumable state"
    assert rejected(state, c.ResumeOrder(order_id="nope")) == "Unknown Order:nope"


def test_resume_while_suspension_is_pending_withdraws_the_mark() -> None:
    state = e2_state()
    add_order(state, "a", "W")
    run(state)
    execute(state, c.SuspendOrders(order_ids=("a",)))
    events = execute(state, c.ResumeOrder(order_id="a"))
    assert pairs(events) == [("a", e.OrderResumptionMarked())]
    assert state.orders["a"].mark is None


def test_resume_orders_resumes_each() -> None:
    state = failed_e2_state()
    add_order(state, "b", "W")
    execute(state, c.SuspendOrders(order_ids=("b",)))
    events = execute_command(state, c.ResumeOrders(order_ids=("ex2", "b"), as_succeeded=True), T0)
    assert events == [
        e.KeyedEvent("ex2", e.OrderResumed(as_succeeded=True)),
        e.KeyedEvent("b", e.OrderResumed(as_succeeded=True)),
    ]


# GoOrder, AnswerOrderPrompt


def test_go_starts_a_scheduled_order_now() -> None:
    state = prompting_state()
    add_order(state, "later", "W", scheduled_for=T0 + 3_600_000)
    events = execute_command(state, c.GoOrder(order_id="later", position=(0,)), T0)
    assert events == [e.KeyedEvent("later", e.OrderGoes()), e.KeyedEvent("later", e.OrderStarted())]
    assert rejected(state, c.GoOrder(order_id="later", position=(1,))) == (
        "GoOrder(later) is not applicable at this position or in this state"
    )
    assert rejected(state, c.GoOrder(order_id="q", position=(0,))) == (
        "GoOrder(q) is not applicable at this position or in this state"
    )


def test_go_ends_a_retry_delay() -> None:
    catch = {"instructions": [{"TYPE": "Retry"}]}
    try_ = {
        "TYPE": "Try",
        "maxTries": 3,
        "retryDelays": [60],
        "try": {"instructions": [job_step("flaky")]},
        "catch": catch,
    }
    state = state_with(workflow("W", {"instructions": [try_], "jobs": {"flaky": shell_job(A)}}))
    add_order(state, "r", "W")
    run(state)
    process(state, "r", failed_rc(1))
    assert isinstance(state.orders["r"].state, o.DelayingRetry)
    events = execute(state, c.GoOrder(order_id="r", position=(0, "catch+0", 0)))
    assert pairs(events)[:3] == [
        ("r", e.OrderGoes()),
        ("r", e.OrderAwoke()),
        ("r", e.OrderMoved(to=(0, "try+1", 0))),
    ]
    assert names(events)[3:] == ["OrderProcessingStarted"]


def test_e13_answer_the_prompt() -> None:
    state = prompting_state()
    events = execute(state, c.AnswerOrderPrompt(order_id="q"))
    assert pairs(events)[:2] == [("q", e.OrderPromptAnswered()), ("q", e.OrderMoved(to=(1,)))]
    assert names(events)[2:] == ["OrderAttachable", "OrderAttached", "OrderProcessingStarted"]
    assert rejected(state, c.AnswerOrderPrompt(order_id="q")) == "Order:q is not prompting"


# DeleteOrdersWhenTerminated, ChangeOrder


def test_delete_when_terminated() -> None:
    state = failed_e2_state()
    add_order(state, "fresh", "W")
    assert pairs(execute(state, c.DeleteOrdersWhenTerminated(order_ids=("ex2",)))) == [
        ("ex2", e.OrderDeletionMarked())
    ]
    assert names(execute(state, c.CancelOrders(order_ids=("ex2",)))) == ["OrderCancelled", "OrderDeleted"]
    assert "ex2" not in state.orders
    execute(state, c.CancelOrders(order_ids=("fresh",)))
    assert pairs(execute(state, c.DeleteOrdersWhenTerminated(order_ids=("fresh",)))) == [
        ("fresh", e.OrderDeleted())
    ]


def test_delete_refuses_child_and_file_watch_orders() -> None:
    state = e2_state()
    add_order(state, "child", "W")
    state.orders["child"] = o.Order(**{**_fields(state.orders["child"]), "parent": "P"})
    assert rejected(state, c.DeleteOrdersWhenTerminated(order_ids=("child",))) == (
        "Cannot delete a child order: Order:child"
    )
    add_order(state, "file", "W", external_order=o.ExternalOrder(order_watch_path="fw", name="a.csv"))
    assert rejected(state, c.DeleteOrdersWhenTerminated(order_ids=("file",))) == (
        "Cannot delete a file watching Order:file"
    )


def _fields(order: o.Order) -> dict[str, Any]:
    return {name: getattr(order, name) for name in order.__struct_fields__}


def test_change_order_priority() -> None:
    state = e2_state()
    add_order(state, "a", "W")
    assert execute_command(state, c.ChangeOrder(order_id="a", priority=5), T0) == [
        e.KeyedEvent("a", e.OrderPriorityChanged(priority=5))
    ]
    execute(state, c.ChangeOrder(order_id="a", priority=5))
    assert state.orders["a"].priority == 5
    assert execute_command(state, c.ChangeOrder(order_id="a", priority=5), T0) == []


# Notices, TransferOrders, Batch


def _with_board() -> EngineState:
    state = e2_state()
    board = GlobalBoard(path="B", post_order_to_notice_key="'k'", expect_order_to_notice_key="'k'")
    state.boards["B"] = board
    return state


def test_post_and_delete_notice() -> None:
    state = _with_board()
    posted = execute(state, c.PostNotice(notice_id=("B", "2026-11-21"), end_of_life=T0 + 1))
    assert pairs(posted) == [("B", e.NoticePosted(notice_id=("B", "2026-11-21"), end_of_life=T0 + 1))]
    deleted = execute(state, c.DeleteNotice(notice_id=("B", "2026-11-21")))
    assert pairs(deleted) == [("B", e.NoticeDeleted(notice_id=("B", "2026-11-21")))]
    assert (
        rejected(state, c.DeleteNotice(notice_id=("B", "2026-11-21"))) == "Unknown notice ['B', '2026-11-21']"
    )
    assert rejected(state, c.PostNotice(notice_id=("X", "k"))) == "Unknown notice board 'X'"


def test_transfer_orders_to_the_newest_version() -> None:
    state = failed_e2_state()
    jobs = {"rcOne": shell_job(A), "rcTwo": shell_job(A)}
    state.add_workflow(
        workflow("W", {"instructions": [job_step("rcOne"), job_step("rcTwo")], "jobs": jobs}, "v2")
    )
    v1, v2 = WorkflowId(path="W", version_id="v1"), WorkflowId(path="W", version_id="v2")
    events = execute(state, c.TransferOrders(workflow_id=v1))
    moved = o.WorkflowPosition(workflow_id=v2, position=(1,))
    assert pairs(events) == [("ex2", e.OrderTransferred(workflow_position=moved))]
    assert (
        rejected(state, c.TransferOrders(workflow_id=v2)) == "Workflow 'W~v2' is the newest version already"
    )


def test_transfer_refuses_a_position_missing_in_the_new_version() -> None:
    state = failed_e2_state()
    state.add_workflow(workflow("W", {"instructions": [], "jobs": {}}, "v2"))
    assert rejected(state, c.TransferOrders(workflow_id=WorkflowId(path="W", version_id="v1"))) == (
        "Order:ex2 is not transferable to 'W~v2'"
    )


def test_batch_is_all_or_nothing_and_sees_earlier_commands() -> None:
    state = e2_state()
    batch = c.Batch(commands=(c.AddOrder(order=fresh_order("a")), c.CancelOrders(order_ids=("a",))))
    events = execute_command(state, batch, T0)
    assert isinstance(events, list)
    assert names(events) == ["OrderAdded", "OrderCancelled"]
    assert state.orders == {}
    failing = c.Batch(commands=(c.AddOrder(order=fresh_order("a")), c.CancelOrders(order_ids=("b",))))
    assert rejected(state, failing) == "Unknown Order:b"
