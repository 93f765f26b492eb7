"""Block ends (js7-reference §2, §3.0, §3.1 ImplicitEnd): the ends of then/else/try/catch/options blocks collapse
into one OrderMoved; the workflow's end detaches and finishes; innerBlock and stopPositions finish an order;
deleteWhenTerminated deletes it."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from tests.engine.harness import (
    add_order,
    failed_rc,
    pairs,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)

A = "agentA"
JOBS = {name: shell_job(A) for name in ("a", "b", "c", "d")}


def named(job_name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": job_name, "label": job_name}


def if_(
    predicate: str, then: list[dict[str, Any]], else_: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    instruction: dict[str, Any] = {
        "TYPE": "If",
        "ifThens": [{"predicate": predicate, "then": {"instructions": then}}],
    }
    if else_ is not None:
        instruction["else"] = {"instructions": else_}
    return instruction


def try_(body: list[dict[str, Any]], catch: list[dict[str, Any]]) -> dict[str, Any]:
    return {"TYPE": "Try", "try": {"instructions": body}, "catch": {"instructions": catch}}


def options(*block: dict[str, Any]) -> dict[str, Any]:
    return {"TYPE": "Options", "block": {"instructions": list(block)}}


def state_of(*instructions: dict[str, Any]) -> EngineState:
    return state_with(workflow("W", {"instructions": list(instructions), "jobs": JOBS}))


def processed_then(key: str, outcome_rc: int, *events: e.Event) -> list[tuple[str, e.Event]]:
    return [(key, e.OrderProcessed(outcome=rc(outcome_rc))), *((key, event) for event in events)]


def finishing(to: tuple[int | str, ...]) -> list[e.Event]:
    return [e.OrderMoved(to=to), e.OrderDetachable(), e.OrderDetached(), e.OrderFinished()]


def test_leaving_options_then_and_try_blocks_is_one_move() -> None:
    state = state_of(try_([if_("true", [options(named("a"))])], [named("d")]), named("b"))
    add_order(state, "x", "W")
    inside = (0, "try+0", 0, "then", 0, "options", 0)
    assert pairs(run(state, "x"))[:2] == [
        ("x", e.OrderMoved(to=(0, "try+0", 0, "then", 0))),
        ("x", e.OrderMoved(to=inside)),
    ]
    assert state.orders["x"].position == inside
    assert pairs(process(state, "x", rc(0))) == processed_then(
        "x", 0, e.OrderMoved(to=(1,)), e.OrderProcessingStarted(subagent_id=A)
    )


def test_leaving_an_else_block_inside_a_catch_block_is_one_move() -> None:
    state = state_of(try_([named("a")], [if_("false", [named("d")], [named("c")])]), named("b"))
    add_order(state, "x", "W")
    run(state, "x")
    assert pairs(process(state, "x", failed_rc(1))) == [
        ("x", e.OrderProcessed(outcome=failed_rc(1))),
        ("x", e.OrderCaught(moved_to=(0, "catch+0", 0))),
        ("x", e.OrderMoved(to=(0, "catch+0", 0, "else", 0))),
        ("x", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "x", rc(0))) == processed_then(
        "x", 0, e.OrderMoved(to=(1,)), e.OrderProcessingStarted(subagent_id=A)
    )


def test_block_ends_and_the_workflow_end_collapse_before_detaching() -> None:
    state = state_of(named("a"), if_("true", [try_([named("b")], [])]))
    add_order(state, "x", "W")
    run(state, "x")
    assert pairs(process(state, "x", rc(0)))[1] == ("x", e.OrderMoved(to=(1, "then", 0, "try+0", 0)))
    assert pairs(process(state, "x", rc(0))) == processed_then("x", 0, *finishing((2,)))


def test_top_level_end_detaches_and_finishes() -> None:
    state = state_of(named("a"))
    add_order(state, "x", "W")
    run(state, "x")
    assert pairs(process(state, "x", rc(0))) == processed_then("x", 0, *finishing((1,)))
    assert state.orders["x"].state == o.Finished()


def test_empty_workflow_starts_and_finishes_at_the_controller() -> None:
    state = state_of()
    add_order(state, "x", "W")
    assert pairs(run(state, "x")) == [("x", e.OrderStarted()), ("x", e.OrderFinished())]


def test_end_of_the_inner_block_finishes_the_order() -> None:
    state = state_of(try_([named("a"), named("b")], [named("d")]), named("c"))
    add_order(state, "x", "W", inner_block=(0, "try+0"), start_position=(0, "try+0", 1))
    assert pairs(run(state, "x")) == [
        ("x", e.OrderAttachable(agent_path=A)),
        ("x", e.OrderAttached(agent_path=A)),
        ("x", e.OrderStarted()),
        ("x", e.OrderProcessingStarted(subagent_id=A)),
    ]
    assert pairs(process(state, "x", rc(0))) == processed_then("x", 0, *finishing((0, "try+0", 2)))
    assert state.orders["x"].position == (0, "try+0", 2)


def test_failure_in_the_inner_block_is_not_caught_outside_it() -> None:
    state = state_of(try_([if_("true", [named("a")])], [named("d")]))
    add_order(state, "x", "W", inner_block=(0, "try+0", 0, "then"), start_position=(0, "try+0", 0, "then", 0))
    run(state, "x")
    assert pairs(process(state, "x", failed_rc(1)))[1:] == [
        ("x", e.OrderDetachable()),
        ("x", e.OrderDetached()),
        ("x", e.OrderFailed(moved_to=(0, "try+0", 0, "then", 0))),
    ]


def test_stop_position_finishes_the_order() -> None:
    state = state_of(named("a"), named("b"), named("c"))
    add_order(state, "x", "W", stop_positions=((1,),))
    run(state, "x")
    assert pairs(process(state, "x", rc(0))) == processed_then("x", 0, *finishing((1,)))
    assert state.orders["x"].position == (1,)


def test_stop_position_inside_a_block_is_reached_by_a_collapsed_move() -> None:
    state = state_of(named("a"), if_("true", [named("b")]), named("c"))
    add_order(state, "x", "W", stop_positions=((1, "then", 0),))
    run(state, "x")
    assert pairs(process(state, "x", rc(0))) == processed_then("x", 0, *finishing((1, "then", 0)))


def test_delete_when_terminated_deletes_the_finished_order() -> None:
    state = state_of(named("a"))
    add_order(state, "x", "W", delete_when_terminated=True)
    run(state, "x")
    assert pairs(process(state, "x", rc(0))) == processed_then("x", 0, *finishing((1,)), e.OrderDeleted())
    assert "x" not in state.orders


def test_a_failed_order_is_not_deleted() -> None:
    state = state_of(named("a"))
    add_order(state, "x", "W", delete_when_terminated=True)
    run(state, "x")
    assert pairs(process(state, "x", failed_rc(1)))[-1] == ("x", e.OrderFailed(moved_to=(0,)))
    assert isinstance(state.orders["x"].state, o.Failed)
