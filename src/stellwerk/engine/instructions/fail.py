"""Fail: add a Failed outcome; failure propagation does the rest."""

from __future__ import annotations

from stellwerk.engine.instructions.common import start_if_fresh
from stellwerk.engine.scope import evaluate_string
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model.outcome import Failed, disrupted
from stellwerk.model.problems import Problem


def next_events(step: Step, instruction: i.Fail) -> Events:
    if (started := start_if_fresh(step)) is not None:
        return started
    message = evaluate_string(step, instruction.message) if instruction.message else None
    if isinstance(message, Problem):
        return [e.OrderOutcomeAdded(outcome=disrupted(message.message))]
    outcome = Failed(
        message=message, named_values=instruction.named_values, uncatchable=instruction.uncatchable
    )
    return [e.OrderOutcomeAdded(outcome=outcome)]
