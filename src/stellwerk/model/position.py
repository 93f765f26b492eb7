"""Positions in a workflow: JSON arrays alternating instruction numbers and branch ids, ending with a number.

`(0,)` is the first instruction, `(2, "then", 1)` the second instruction of the then-block of instruction 2.
A BranchPath is a position without its last number: `(2, "then")`.
"""

from __future__ import annotations

from typing import TypeAlias

Position: TypeAlias = tuple[int | str, ...]
BranchPath: TypeAlias = tuple[int | str, ...]

# Branch ids whose differing segments an order may move across (ResumeOrder with position, start/stop positions).
_MOVABLE_KINDS = frozenset({"then", "else", "try", "catch", "cycle", "options", "admissionTime"})
_FORK_KINDS = frozenset({"fork"})


def nr(position: Position) -> int:
    last = position[-1]
    assert isinstance(last, int)
    return last


def branch_path(position: Position) -> BranchPath:
    return position[:-1]


def at(branch: BranchPath, number: int) -> Position:
    return (*branch, number)


def next_position(position: Position) -> Position:
    return (*position[:-1], nr(position) + 1)


def parent(position: Position) -> Position | None:
    """The position of the instruction whose block contains `position`; None at top level."""
    return position[:-2] if len(position) > 1 else None


def branch_id(position: Position) -> str | None:
    """The innermost branch id, e.g. 'then' for (2, 'then', 1)."""
    if len(position) < 3:
        return None
    bid = position[-2]
    assert isinstance(bid, str)
    return bid


def branch_kind(bid: str) -> str:
    """'try+2' -> 'try', 'fork+a' -> 'fork', 'then+2' -> 'then', 'cycle+end=…' -> 'cycle'."""
    return bid.split("+", 1)[0]


def segments(position: Position) -> list[tuple[int, str]]:
    """The (instruction number, branch id) pairs leading to the innermost block."""
    pairs = zip(position[0:-1:2], position[1::2], strict=False)
    return [(n, bid) for n, bid in pairs if isinstance(n, int) and isinstance(bid, str)]


def index_suffix(bid: str) -> int:
    """'try+2' -> 2; 'try' -> 0."""
    _, _, suffix = bid.partition("+")
    return int(suffix) if suffix.isdigit() else 0


def to_string(position: Position) -> str:
    """JS7's printed form: '2/then:1', '0/try+0:0/then:3'."""
    parts = [f"{n}/{b}" for n, b in segments(position)]
    return ":".join([*parts, str(nr(position))])


def from_string(text: str) -> Position:
    out: list[int | str] = []
    for part in text.split(":"):
        n, _, bid = part.partition("/")
        out.append(int(n))
        if bid:
            out.append(bid)
    return tuple(out)


def normalized(position: Position) -> Position:
    """The position with dynamic suffixes dropped: try+N -> try, catch+N -> catch, cycle+… -> cycle."""
    return tuple(
        branch_kind(p) if isinstance(p, str) and branch_kind(p) in {"try", "catch", "cycle"} else p
        for p in position
    )


def is_valid_shape(position: object) -> bool:
    if not isinstance(position, tuple | list) or len(position) % 2 != 1:
        return False
    for i, p in enumerate(position):
        want_int = i % 2 == 0
        if want_int and (not isinstance(p, int) or isinstance(p, bool) or p < 0):
            return False
        if not want_int and not isinstance(p, str):
            return False
    return True


def movable_between(a: Position, b: Position) -> bool:
    """True if an order may be moved from a to b: every differing branch segment is of a movable kind."""
    sa, sb = segments(a), segments(b)
    common = 0
    while common < min(len(sa), len(sb)) and sa[common] == sb[common]:
        common += 1
    differing = sa[common:] + sb[common:]
    return all(branch_kind(bid) in _MOVABLE_KINDS for _, bid in differing)


def is_in_fork(position: Position) -> bool:
    return any(branch_kind(bid) in _FORK_KINDS for _, bid in segments(position))
