"""The built-in functions of §5.3, symbols, and functions a Scope adds (like `toFile` in job context)."""

from __future__ import annotations

from collections.abc import Callable

from stellwerk.expr.ast import Expression, FunctionCall
from stellwerk.expr.datetime_format import format_epoch_millis
from stellwerk.expr.operators import is_number, to_boolean, to_number, unexpected_type
from stellwerk.expr.printer import to_source
from stellwerk.expr.regex import compile_java_regex, replace
from stellwerk.expr.runtime import Evaluated, Missing, Result
from stellwerk.expr.scope import (
    Scope,
    call_scope_function,
    job_resource_variables,
    order_id_exists,
    subagent_ids,
)
from stellwerk.expr.string_functions import strip_margin, unique_id
from stellwerk.expr.text import to_string_value
from stellwerk.model.problems import Problem

Evaluate = Callable[[Expression, Scope], Result]
Handler = Callable[[FunctionCall, Scope, Evaluate], Result]


def call_function(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
    handler = _BUILTINS.get(call.name)
    if handler is not None:
        return handler(call, scope, evaluate)
    if not call.arguments:
        symbol = scope.symbol(call.name)
        if symbol is not None:
            return symbol
    arguments: list[tuple[str | None, Evaluated]] = []
    for argument in call.arguments or ():
        value = evaluate(argument.expression, scope)
        if isinstance(value, Problem):
            return value
        arguments.append((argument.name, value))
    result = call_scope_function(scope, call.name, arguments)
    return Problem(f"Unknown function: {call.name}") if result is None else result


def _positional(call: FunctionCall) -> list[Expression]:
    return [argument.expression for argument in call.arguments or ()]


def _bind(call: FunctionCall, names: tuple[str, ...], required: int) -> dict[str, Expression] | Problem:
    """Positional arguments in the order of `names`, then named ones; `required` of them must be present."""
    bound: dict[str, Expression] = {}
    for index, argument in enumerate(call.arguments or ()):
        name = argument.name or (names[index] if index < len(names) else None)
        if name is None or name not in names or name in bound:
            return _invalid_arguments(call)
        bound[name] = argument.expression
    if any(name not in bound for name in names[:required]):
        return _invalid_arguments(call)
    return bound


def _invalid_arguments(call: FunctionCall) -> Problem:
    return Problem(f"Unexpected arguments for '{call.name}' function: {to_source(call)}")


def _string(expression: Expression, scope: Scope, evaluate: Evaluate) -> str | Missing | Problem:
    value = evaluate(expression, scope)
    if isinstance(value, str) or isinstance(value, Problem):
        return value
    return unexpected_type("String", value)


def _integer(expression: Expression, scope: Scope, evaluate: Evaluate) -> int | Missing | Problem:
    value = evaluate(expression, scope)
    if isinstance(value, Problem):
        return value
    if not is_number(value):
        return unexpected_type("Number", value)
    return value if isinstance(value, int) else Problem(f"Integer expected instead of: {value}")


def _strings(
    expressions: list[Expression], scope: Scope, evaluate: Evaluate
) -> list[str] | Missing | Problem:
    strings: list[str] = []
    for expression in expressions:
        string = _string(expression, scope, evaluate)
        if not isinstance(string, str):
            return string
        strings.append(string)
    return strings


def _converted(convert: Callable[[Evaluated], Result]) -> Handler:
    def handler(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
        value = evaluate(_positional(call)[0], scope)
        return value if isinstance(value, Problem) else convert(value)

    return handler


def _mk_string(value: Evaluated) -> Result:
    if isinstance(value, list):
        return "".join(to_string_value(element) for element in value)
    return to_string_value(value)


def _strip_margin(value: Evaluated) -> Result:
    return strip_margin(value) if isinstance(value, str) else unexpected_type("String", value)


def _impure(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
    return evaluate(_positional(call)[0], scope)


def _replace_all(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
    strings = _strings(_positional(call), scope, evaluate)
    if not isinstance(strings, list):
        return strings
    string, pattern_text, replacement = strings
    pattern = compile_java_regex(pattern_text)
    return pattern if isinstance(pattern, Problem) else replace(string, pattern, replacement)


def _match(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
    strings = _strings(_positional(call), scope, evaluate)
    if not isinstance(strings, list):
        return strings
    string, pattern_text, replacement = strings
    pattern = compile_java_regex(pattern_text)
    if isinstance(pattern, Problem):
        return pattern
    if pattern.fullmatch(string) is None:
        return Problem("Does not match")
    return replace(string, pattern, replacement, count=1)


def _substring(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
    string_expression, *index_expressions = _positional(call)
    string = _string(string_expression, scope, evaluate)
    if not isinstance(string, str):
        return string
    indexes: list[int] = []
    for expression in index_expressions:
        index = _integer(expression, scope, evaluate)
        if not isinstance(index, int):
            return index
        indexes.append(index)
    begin, end = indexes[0], indexes[1] if len(indexes) > 1 else len(string)
    if begin < 0 or end > len(string) or begin > end:
        return Problem(f"begin {begin}, end {end}, length {len(string)}")
    return string[begin:end]


def _extremum(choose: Callable[[int, int], int]) -> Handler:
    def handler(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
        numbers = []
        for expression in _positional(call):
            value = evaluate(expression, scope)
            if isinstance(value, Problem):
                return value
            if not is_number(value):
                return unexpected_type("Number", value)
            numbers.append(value)
        return choose(*numbers)  # type: ignore[arg-type]

    return handler


def _timestamp(call: FunctionCall, scope: Scope, evaluate: Evaluate, millis: int | None) -> Result:
    bound = _bind(call, ("format", "timezone"), required=1)
    if isinstance(bound, Problem):
        return bound
    names = [name for name in ("format", "timezone") if name in bound]
    strings = _strings([bound[name] for name in names], scope, evaluate)
    if not isinstance(strings, list):
        return strings
    if millis is None:
        return ""
    return format_epoch_millis(millis, strings[0], strings[1] if len(strings) > 1 and strings[1] else None)


def _now(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
    millis = scope.now_millis()
    if millis is None:
        return Problem("The now() function is not available here")
    return _timestamp(call, scope, evaluate, millis)


def _scheduled_or_empty(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
    return _timestamp(call, scope, evaluate, scope.scheduled_for())


def _env(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
    bound = _bind(call, ("name", "default"), required=1)
    if isinstance(bound, Problem):
        return bound
    name = _string(bound["name"], scope, evaluate)
    if not isinstance(name, str):
        return name
    value = scope.env(name)
    if value is not None:
        return value
    if "default" in bound:
        return evaluate(bound["default"], scope)
    return Problem(f"No such environment variable: {name}")


def _job_resource_variable(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
    expressions = _positional(call)
    if len(expressions) != (2 if call.name == "jobResourceVariable" else 1) or _has_names(call):
        return _invalid_arguments(call)
    strings = _strings(expressions, scope, evaluate)
    if not isinstance(strings, list):
        return strings
    if len(strings) == 1:
        return job_resource_variables(scope, strings[0])
    return scope.job_resource_variable(strings[0], strings[1])


def _subagent_ids(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
    expressions = _positional(call)
    if len(expressions) > 1 or _has_names(call):
        return _invalid_arguments(call)
    strings = _strings(expressions, scope, evaluate)
    if not isinstance(strings, list):
        return strings
    return subagent_ids(scope, strings[0] if strings else None)


def _unique_order_id(call: FunctionCall, scope: Scope, evaluate: Evaluate) -> Result:
    expressions = _positional(call)
    if len(expressions) != 1 or _has_names(call):
        return _invalid_arguments(call)
    pattern = _string(expressions[0], scope, evaluate)
    if not isinstance(pattern, str):
        return pattern
    return unique_id(pattern, lambda order_id: order_id_exists(scope, order_id))


def _has_names(call: FunctionCall) -> bool:
    return any(argument.name is not None for argument in call.arguments or ())


_BUILTINS: dict[str, Handler] = {
    "toNumber": _converted(to_number),
    "toBoolean": _converted(to_boolean),
    "mkString": _converted(_mk_string),
    "stripMargin": _converted(_strip_margin),
    "impure": _impure,
    "replaceAll": _replace_all,
    "match": _match,
    "substring": _substring,
    "min": _extremum(min),
    "max": _extremum(max),
    "now": _now,
    "scheduledOrEmpty": _scheduled_or_empty,
    "env": _env,
    "jobResourceVariable": _job_resource_variable,
    "jobResourceVariables": _job_resource_variable,
    "subagentIds": _subagent_ids,
    "uniqueOrderId": _unique_order_id,
}
