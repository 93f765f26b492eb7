"""The cycle branch id: a CycleState written into the order's position, as JS7's `BranchId.cycle`.

`cycle+end=1714600800000,i=1,next=1714546800000`: `end` always; `scheme=`, `period=`, `i=` only when nonzero;
`next=` only when not 0 (immediately). A plain `cycle` (the static branch id) parses to the empty state with every
field 0. Parsing accepts the parts in any order; a missing part is 0.
"""

from __future__ import annotations

from stellwerk.model.admission import CycleState
from stellwerk.model.problems import Problem

CYCLE_PREFIX = "cycle+"

_KEYS = {"end": "end", "scheme": "scheme_index", "period": "period_index", "i": "index", "next": "next"}


def cycle_branch_id(state: CycleState) -> str:
    """The branch id of the cycle block entered with `state`."""
    parts = [f"end={state.end}"]
    if state.scheme_index != 0:
        parts.append(f"scheme={state.scheme_index}")
    if state.period_index != 0:
        parts.append(f"period={state.period_index}")
    if state.index != 0:
        parts.append(f"i={state.index}")
    if state.next != 0:
        parts.append(f"next={state.next}")
    return CYCLE_PREFIX + ",".join(parts)


def parse_cycle_branch_id(text: str) -> CycleState | Problem:
    """The CycleState written in a cycle branch id, or a Problem for anything else."""
    fields = dict.fromkeys(_KEYS.values(), 0)
    if text == "cycle":
        return CycleState(**fields)
    failed = Problem(f"Expected a Cycle BranchId but got: {text}")
    if not text.startswith(CYCLE_PREFIX):
        return failed
    for part in text[len(CYCLE_PREFIX) :].split(","):
        key, equals, value = part.partition("=")
        if not equals or key not in _KEYS or not _is_integer(value):
            return failed
        fields[_KEYS[key]] = int(value)
    return CycleState(**fields)


def _is_integer(text: str) -> bool:
    digits = text[1:] if text.startswith("-") else text
    return digits.isascii() and digits.isdigit()
