"""Evaluation of an expression tree in a Scope; failures are returned as Problems, absence as MISSING."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from stellwerk.expr import ast
from stellwerk.expr.functions import call_function
from stellwerk.expr.operators import (
    arithmetic,
    as_boolean,
    compare,
    concat,
    element_of,
    is_number,
    matches,
    negate,
    to_string_soft,
    unexpected_type,
    values_equal,
)
from stellwerk.expr.printer import function_source, to_source
from stellwerk.expr.runtime import MISSING, Evaluated, FunctionValue, Missing, Result
from stellwerk.expr.scope import ParameterScope, Scope, job_resource_variables
from stellwerk.expr.text import to_string_value
from stellwerk.model.problems import Problem
from stellwerk.model.values import Value

# `$js7…` names the evaluator derives from symbols when the scope has no named value of that name.
_PREDEFINED_SYMBOLS = {
    "js7OrderId": "orderId",
    "js7WorkflowPath": "workflowPath",
    "js7WorkflowPosition": "workflowPosition",
    "js7Label": "label",
    "js7ControllerId": "controllerId",
    "js7TryCount": "tryCount",
    "js7MaxTries": "maxTries",
}


def evaluate(expression: ast.Expression, scope: Scope) -> Result:
    return _EVALUATORS[type(expression)](expression, scope)


def apply_function(
    function: FunctionValue, arguments: list[Value], scope: Scope
) -> Value | Missing | Problem:
    """Binds the parameters to the arguments (as JS7: surplus arguments are ignored) and evaluates the body."""
    result = _apply(function, list(arguments), scope)
    if isinstance(result, FunctionValue):
        return Problem(f"Function returned a function: {function_source(function.parameters, function.body)}")
    return result


def _apply(function: FunctionValue, arguments: list[Evaluated], scope: Scope) -> Result:
    bindings = dict(zip(function.parameters, arguments, strict=False))
    return evaluate(function.body, ParameterScope(bindings, scope))


def predefined_value(name: str, scope: Scope) -> Evaluated | Problem | None:
    if not name.startswith("js7"):
        return None
    if name in ("js7EpochMilli", "js7EpochSecond"):
        now = scope.now_millis()
        return None if now is None else now if name == "js7EpochMilli" else now // 1000
    if name == "js7WorkflowTimezone":
        workflow = scope.symbol("workflow")
        return workflow.get("timezone") if isinstance(workflow, dict) else None
    return scope.symbol(_PREDEFINED_SYMBOLS.get(name, name))


def _named_value(node: ast.NamedValue, scope: Scope) -> Result:
    value = scope.named_value(node.name)
    if value is None:
        value = predefined_value(node.name, scope)
        if value is None:
            return Problem(f"No such named value: {node.name}")
    return value


def _variable_lookup(node: ast.VariableLookup, scope: Scope) -> Result:
    key = evaluate(node.key, scope)
    if not isinstance(key, str):
        return key if isinstance(key, Problem) else unexpected_type("String", key)
    value: Evaluated | Problem | None
    if node.where == "argument":
        value = scope.argument(key)
    elif node.where == "last":
        value = scope.named_value(key)
        value = predefined_value(key, scope) if value is None else value
    elif node.where == "label":
        value = scope.labelled_value(node.where_name or "", key)
    else:
        value = scope.job_value(node.where_name or "", key)
    if value is not None:
        return value
    if node.default is not None:
        default = evaluate(node.default, scope)
        return default if isinstance(default, Problem) else to_string_soft(default)
    return Problem(_unknown_variable_message(node, key))


def _unknown_variable_message(node: ast.VariableLookup, key: str) -> str:
    match node.where:
        case "argument":
            return f"No such order argument: {key}"
        case "label":
            return f"Workflow instruction at label {node.where_name} did not return a named value '{key}'"
        case "job":
            return f"Last execution of job '{node.where_name}' did not return a named value '{key}'"
    return f"No such named value: {key}"


def _unary(node: ast.Unary, scope: Scope) -> Result:
    value = evaluate(node.operand, scope)
    if isinstance(value, Problem):
        return value
    if node.operator == "-":
        return negate(value)
    boolean = as_boolean(value)
    return (not boolean) if type(boolean) is bool else boolean


def _binary(node: ast.Binary, scope: Scope) -> Result:
    operator = node.operator
    if operator == "&&" or operator == "||":
        return _logical(node, scope)
    left = evaluate(node.left, scope)
    if isinstance(left, Problem):
        return left
    right = evaluate(node.right, scope)
    if isinstance(right, Problem):
        return right
    return _BINARY[operator](left, right)


def _logical(node: ast.Binary, scope: Scope) -> Result:
    left = evaluate(node.left, scope)
    if isinstance(left, Problem):
        return left
    boolean = as_boolean(left)
    if type(boolean) is not bool or boolean is (node.operator == "||"):
        return boolean
    right = evaluate(node.right, scope)
    return right if isinstance(right, Problem) else as_boolean(right)


def _or_missing(node: ast.OrMissing, scope: Scope) -> Result:
    value = evaluate(node.operand, scope)
    return MISSING if isinstance(value, Problem) else value


def _catch(node: ast.Catch, scope: Scope) -> Result:
    value = evaluate(node.operand, scope)
    if isinstance(value, Problem) or value is MISSING:
        return evaluate(node.default, scope)
    return value


def _if_then_else(node: ast.IfThenElse, scope: Scope) -> Result:
    condition = evaluate(node.condition, scope)
    if isinstance(condition, Problem):
        return condition
    boolean = as_boolean(condition)
    if type(boolean) is not bool:
        return boolean
    return evaluate(node.then if boolean else node.otherwise, scope)


def _dot(node: ast.Dot, scope: Scope) -> Result:
    value = evaluate(node.operand, scope)
    if isinstance(value, Problem):
        return value
    if not isinstance(value, dict):
        return unexpected_type("Object", value)
    field = value.get(node.name)
    return Problem(f"Unknown name: {to_source(node)}") if field is None else field


def _apply_node(node: ast.Apply, scope: Scope) -> Result:
    operand = evaluate(node.operand, scope)
    if isinstance(operand, Problem):
        return operand
    argument = evaluate(node.argument, scope)
    if isinstance(argument, Problem):
        return argument
    if isinstance(operand, FunctionValue):
        return _apply(operand, [argument], operand.closure)
    if not isinstance(operand, list):
        return unexpected_type("List", operand)
    if not is_number(argument) or not isinstance(argument, int):
        return unexpected_type("Number", argument) if not is_number(argument) else Problem("Integer expected")
    if not 0 <= argument < len(operand):
        return Problem(f"Index {argument} out of range 0...{len(operand) - 1}")
    return operand[argument]


def _list(node: ast.ListExpr, scope: Scope) -> Result:
    """A list of values; a missing element is a Problem (a list holds values only, as variables do)."""
    values: list[Any] = []
    for index, element in enumerate(node.elements):
        value = evaluate(element, scope)
        if isinstance(value, Problem):
            return value
        if isinstance(value, Missing):
            return Problem(f"The list element {index} is missing")
        values.append(value)
    return values


def _object(node: ast.ObjectExpr, scope: Scope) -> Result:
    fields: dict[str, Any] = {}
    for name, expression in node.fields:
        value = evaluate(expression, scope)
        if isinstance(value, Problem):
            return value
        if isinstance(value, Missing):
            return Problem(f"The object field {name!r} is missing")
        fields[name] = value
    return fields


def _interpolated(node: ast.InterpolatedString, scope: Scope) -> Result:
    pieces: list[str] = []
    for part in node.parts:
        value = evaluate(part, scope)
        if isinstance(value, Problem):
            return value
        pieces.append(to_string_value(value))
    return "".join(pieces)


def _error(node: ast.ErrorExpr, scope: Scope) -> Result:
    message = evaluate(node.message, scope)
    if isinstance(message, Problem):
        return message
    return Problem(f"Expression returned error: {to_string_value(message)}")


def _job_resource(node: ast.JobResourceVariable, scope: Scope) -> Result:
    if node.name is None:
        return job_resource_variables(scope, node.path)
    return scope.job_resource_variable(node.path, node.name)


_BINARY: dict[str, Callable[[Evaluated, Evaluated], Result]] = {
    "==": values_equal,
    "!=": lambda a, b: not values_equal(a, b),
    "+": partial(arithmetic, "+"),
    "-": partial(arithmetic, "-"),
    "*": partial(arithmetic, "*"),
    "/": partial(arithmetic, "/"),
    "<": partial(compare, "<"),
    "<=": partial(compare, "<="),
    ">": partial(compare, ">"),
    ">=": partial(compare, ">="),
    "++": concat,
    "in": element_of,
    "matches": matches,
}

_EVALUATORS: dict[type, Callable[[Any, Scope], Result]] = {
    ast.Constant: lambda node, scope: node.value,
    ast.NamedValue: _named_value,
    ast.VariableLookup: _variable_lookup,
    ast.FunctionCall: lambda node, scope: call_function(node, scope, evaluate),
    ast.JobResourceVariable: _job_resource,
    ast.Unary: _unary,
    ast.Binary: _binary,
    ast.OrMissing: _or_missing,
    ast.Catch: _catch,
    ast.IfThenElse: _if_then_else,
    ast.Dot: _dot,
    ast.Apply: _apply_node,
    ast.ListExpr: _list,
    ast.ObjectExpr: _object,
    ast.InterpolatedString: _interpolated,
    ast.ErrorExpr: _error,
    ast.FunctionExpr: lambda node, scope: FunctionValue(node.parameters, node.body, scope),
}
