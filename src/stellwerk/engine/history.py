"""History operations of ResumeOrder: edit an order's historic outcomes before it resumes."""

from __future__ import annotations

from typing import Any

import msgspec

from stellwerk.model.outcome import HistoricOutcome, Outcome


def _outcome(raw: Any) -> Outcome:
    outcome: Outcome = msgspec.convert(raw, Outcome) if isinstance(raw, dict) else raw
    return outcome


def _position(raw: Any) -> tuple[int | str, ...]:
    return tuple(raw)


def apply_history_operations(
    historic: tuple[HistoricOutcome, ...], operations: tuple[Any, ...]
) -> tuple[HistoricOutcome, ...]:
    """Replace / Insert / Delete at a position, or Append, in the order given (JS7 OrderResumed)."""
    result = list(historic)
    for op in operations:
        kind = op.get("TYPE")
        if kind == "Append":
            outcome = op["outcome"]
            if isinstance(outcome, dict) and "position" in outcome:
                result.append(HistoricOutcome(_position(outcome["position"]), _outcome(outcome["outcome"])))
            else:
                result.append(HistoricOutcome(_position(op.get("position", [0])), _outcome(outcome)))
            continue
        at = _position(op["position"])
        index = next((i for i, h in enumerate(result) if h.position == at), None)
        if kind == "Replace" and index is not None:
            result[index] = HistoricOutcome(at, _outcome(op["outcome"]))
        elif kind == "Insert":
            result.insert(
                index if index is not None else len(result), HistoricOutcome(at, _outcome(op["outcome"]))
            )
        elif kind == "Delete" and index is not None:
            del result[index]
    return tuple(result)
