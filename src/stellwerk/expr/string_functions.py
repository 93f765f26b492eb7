"""The string work behind `stripMargin` and `uniqueOrderId`."""

from __future__ import annotations

from collections.abc import Callable

from stellwerk.model.problems import Problem

_MAX_UNIQUE_TRIES = 1_000_000


def strip_margin(string: str) -> str:
    """Removes leading blanks and control characters followed by `|` from every line (Scala's stripMargin)."""
    lines = string.split("\n")
    for number, line in enumerate(lines):
        index = 0
        while index < len(line) and line[index] <= " ":
            index += 1
        if index < len(line) and line[index] == "|":
            lines[number] = line[index + 1 :]
    return "\n".join(lines)


def unique_id(pattern: str, exists: Callable[[str], bool | Problem]) -> str | Problem:
    """The first of `pattern % 1`, `pattern % 2`, … that does not exist (a pattern like `'order-%03d'`)."""
    for number in range(1, _MAX_UNIQUE_TRIES):
        try:
            candidate = pattern % number
        except (TypeError, ValueError):
            candidate = pattern
        if candidate == pattern:
            return Problem("Invalid pattern for makeUnique function")
        found = exists(candidate)
        if isinstance(found, Problem):
            return found
        if not found:
            return candidate
    return Problem(f"No unique id found for pattern {pattern}")
