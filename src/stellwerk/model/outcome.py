"""Outcomes of steps: what a job, a join, a Fail or a caught failure leaves in the order's history."""

from __future__ import annotations

import msgspec

from stellwerk.model.position import Position
from stellwerk.model.values import NamedValues


class _Outcome(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", omit_defaults=True):
    pass


class Succeeded(_Outcome, tag="Succeeded", frozen=True, kw_only=True):
    named_values: NamedValues = msgspec.field(default_factory=dict, name="namedValues")


class Failed(_Outcome, tag="Failed", frozen=True, kw_only=True):
    message: str | None = None
    named_values: NamedValues = msgspec.field(default_factory=dict, name="namedValues")
    uncatchable: bool = False


class Caught(_Outcome, tag="Caught", frozen=True, kw_only=True):
    pass


class ProcessLost(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="ProcessLost", omit_defaults=True
):
    problem: str | None = None


class OtherReason(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Other"):
    problem: str


class Disrupted(_Outcome, tag="Disrupted", frozen=True, kw_only=True):
    reason: ProcessLost | OtherReason
    uncatchable: bool = False


class TimedOut(_Outcome, tag="TimedOut", frozen=True, kw_only=True):
    outcome: Succeeded | Failed


class Killed(_Outcome, tag="Killed", frozen=True, kw_only=True):
    outcome: Succeeded | Failed


Outcome = Succeeded | Failed | Caught | Disrupted | TimedOut | Killed


class HistoricOutcome(msgspec.Struct, frozen=True):
    position: Position
    outcome: Outcome


def is_succeeded(outcome: Outcome) -> bool:
    return isinstance(outcome, Succeeded | Caught)


def named_values(outcome: Outcome) -> NamedValues:
    match outcome:
        case Succeeded() | Failed():
            return outcome.named_values
        case TimedOut() | Killed():
            return outcome.outcome.named_values
    return {}


def is_uncatchable(outcome: Outcome) -> bool:
    return isinstance(outcome, Failed | Disrupted) and outcome.uncatchable


def disrupted(problem: str) -> Disrupted:
    return Disrupted(reason=OtherReason(problem=problem))


def describe(outcome: Outcome) -> str:
    match outcome:
        case Failed(message=str(message)):
            return f"Failed({message})"
        case Disrupted(reason=OtherReason(problem=p)):
            return f"Disrupted({p})"
        case TimedOut():
            return "TimedOut"
        case Killed():
            return "Killed"
    return type(outcome).__name__
