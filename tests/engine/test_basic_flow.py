from __future__ import annotations

from stellwerk.model import events as e
from stellwerk.model.order import Failed, Finished
from tests.engine.harness import (
    add_order,
    failed_rc,
    names,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)


def test_single_job_order_runs_to_finish() -> None:
    w = workflow(
        "W", {"instructions": [{"TYPE": "Execute.Named", "jobName": "hello"}], "jobs": {"hello": shell_job()}}
    )
    state = state_with(w)
    add_order(state, "ex1", "W")
    first = run(state, "ex1")
    assert names(first) == ["OrderAttachable", "OrderAttached", "OrderStarted", "OrderProcessingStarted"]
    rest = process(state, "ex1", rc(0))
    assert names(rest) == [
        "OrderProcessed",
        "OrderMoved",
        "OrderDetachable",
        "OrderDetached",
        "OrderFinished",
    ]
    assert rest[1].event == e.OrderMoved(to=(1,))
    assert isinstance(state.orders["ex1"].state, Finished)


def test_failed_job_fails_the_order_at_its_position() -> None:
    jobs = {"a": shell_job(), "b": shell_job()}
    instructions = [{"TYPE": "Execute.Named", "jobName": "a"}, {"TYPE": "Execute.Named", "jobName": "b"}]
    state = state_with(workflow("W", {"instructions": instructions, "jobs": jobs}))
    add_order(state, "ex2", "W")
    run(state)
    process(state, "ex2", rc(0))
    events = process(state, "ex2", failed_rc(2))
    assert names(events) == ["OrderProcessed", "OrderDetachable", "OrderDetached", "OrderFailed"]
    assert events[-1].event == e.OrderFailed(moved_to=(1,))
    assert isinstance(state.orders["ex2"].state, Failed)
