"""Fail: add a Failed outcome; failure propagation does the rest."""

from __future__ import annotations

from stellwerk.engine.instructions.common import start_if_fresh
from stellwerk.engine.scope import evaluate_named_values, evaluate_string
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model.outcome import Failed, disrupted
from stellwerk.model.problems import Problem


def next_events(step: Step, instruction: i.Fail) -> Events:
    if (started := start_if_fresh(step)) is not None:
        return started
    message = evaluate_string(step, instruction.message) if instruction.message else None
    named_values = evaluate_named_values(step, instruction.named_values)
    for result in (message, named_values):
        if isinstance(result, Problem):
            return [e.OrderOutcomeAdded(outcome=disrupted(result.message))]
    assert not isinstance(message, Problem) and not isinstance(named_values, Problem)
    outcome = Failed(message=message, named_values=named_values, uncatchable=instruction.uncatchable)
    return [e.OrderOutcomeAdded(outcome=outcome)]
