"""Prompt: at the Controller, ask a question and wait (Prompting) for AnswerOrderPrompt or cancellation."""

from __future__ import annotations

from stellwerk.engine.instructions.common import at_controller
from stellwerk.engine.scope import evaluate
from stellwerk.engine.step import Events, Step
from stellwerk.expr import FunctionValue, Missing
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import disrupted
from stellwerk.model.problems import Problem


def next_events(step: Step, instruction: i.Prompt) -> Events:
    """OrderPrompted with the evaluated question; a Prompting order waits for the command."""
    if (first := at_controller(step)) is not None:
        return first
    if not isinstance(step.order.state, o.Ready):
        return []
    question = evaluate(step, instruction.question)
    if isinstance(question, Problem):
        return [e.OrderOutcomeAdded(outcome=disrupted(question.message))]
    if isinstance(question, Missing | FunctionValue):
        # JS7 evaluates the question as a "good" value: missing and functions are errors.
        return [
            e.OrderOutcomeAdded(outcome=disrupted(f"Prompt question has no value: {instruction.question}"))
        ]
    return [e.OrderPrompted(question=question)]
