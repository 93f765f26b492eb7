"""The JS7 expression language: parse once, evaluate many times in a Scope.

parse("$returnCode == 0")            -> Expression | Problem
evaluate(expression, scope)          -> Value | MISSING | FunctionValue | Problem
evaluate_text(text, scope)           -> the same, parsing first (parses are cached)
apply_function(function, args, scope) for ForkList's `childToId`/`childToArguments`
"""

from __future__ import annotations

from stellwerk.expr.ast import Expression, FunctionExpr
from stellwerk.expr.evaluate import apply_function, evaluate
from stellwerk.expr.parser import parse
from stellwerk.expr.printer import to_source
from stellwerk.expr.runtime import MISSING, Evaluated, FunctionValue, Missing, Result
from stellwerk.expr.scope import EMPTY_SCOPE, EmptyScope, MapScope, ParameterScope, Scope
from stellwerk.expr.text import describe, quote_string, to_string_value
from stellwerk.model.problems import Problem

__all__ = [
    "EMPTY_SCOPE",
    "MISSING",
    "EmptyScope",
    "Evaluated",
    "Expression",
    "FunctionExpr",
    "FunctionValue",
    "MapScope",
    "Missing",
    "ParameterScope",
    "Result",
    "Scope",
    "apply_function",
    "describe",
    "evaluate",
    "evaluate_text",
    "parse",
    "quote_string",
    "to_source",
    "to_string_value",
]


def evaluate_text(text: str, scope: Scope) -> Result:
    expression = parse(text)
    if isinstance(expression, Problem):
        return expression
    return evaluate(expression, scope)
