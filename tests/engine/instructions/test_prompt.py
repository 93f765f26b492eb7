"""Prompt: js7-reference E13 (the answer is a command; here its events are applied as the command would)."""

from __future__ import annotations

from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import Disrupted
from tests.engine.harness import (
    add_order,
    apply,
    names,
    pairs,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)

Q = "q"


def e13_state(question: str = "'Approve deployment?'") -> EngineState:
    instructions = [{"TYPE": "Prompt", "question": question}, {"TYPE": "Execute.Named", "jobName": "deploy"}]
    return state_with(workflow("W", {"instructions": instructions, "jobs": {"deploy": shell_job()}}))


def test_e13_prompt_waits_for_the_answer() -> None:
    state = e13_state()
    add_order(state, Q, "W")
    assert pairs(run(state, Q)) == [
        (Q, e.OrderStarted()),
        (Q, e.OrderPrompted(question="Approve deployment?")),
    ]
    assert state.orders[Q].state == o.Prompting(question="Approve deployment?")
    assert run(state, Q) == []
    apply(state, Q, e.OrderPromptAnswered())
    apply(state, Q, e.OrderMoved(to=(1,)))
    assert names(run(state, Q)) == ["OrderAttachable", "OrderAttached", "OrderProcessingStarted"]


def test_e13_cancel_while_prompting() -> None:
    state = e13_state()
    add_order(state, Q, "W")
    run(state, Q)
    apply(state, Q, e.OrderCancellationMarked(mode=o.FreshOrStarted()))
    assert pairs(run(state, Q)) == [(Q, e.OrderStateReset()), (Q, e.OrderCancelled())]


def test_question_may_be_any_value() -> None:
    state = e13_state("[1, 'two']")
    add_order(state, Q, "W")
    assert run(state, Q)[-1].event == e.OrderPrompted(question=[1, "two"])


def test_attached_order_detaches_before_prompting() -> None:
    instructions = [{"TYPE": "Execute.Named", "jobName": "a"}, {"TYPE": "Prompt", "question": "'ok?'"}]
    state = state_with(workflow("W", {"instructions": instructions, "jobs": {"a": shell_job()}}))
    add_order(state, Q, "W")
    run(state, Q)
    events = process(state, Q, rc(0))
    assert names(events) == [
        "OrderProcessed",
        "OrderMoved",
        "OrderDetachable",
        "OrderDetached",
        "OrderPrompted",
    ]


def test_bad_question_fails_the_order() -> None:
    state = e13_state("$unknown")
    add_order(state, Q, "W")
    events = run(state, Q)
    assert names(events) == ["OrderStarted", "OrderOutcomeAdded", "OrderFailed"]
    added = events[1].event
    assert isinstance(added, e.OrderOutcomeAdded) and isinstance(added.outcome, Disrupted)
