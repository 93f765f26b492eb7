"""The one place the inventory package meets the expression language: does a text parse?"""

from __future__ import annotations

from stellwerk.expr import parse
from stellwerk.model.problems import Problem


def expression_problem(text: str) -> str | None:
    """None if `text` is a valid expression, else the parser's complaint."""
    parsed = parse(text)
    return parsed.message if isinstance(parsed, Problem) else None
