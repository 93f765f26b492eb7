"""The arguments of a new order, checked against the workflow's orderPreparation (js7-reference §1.2).

Unknown arguments are rejected unless `allowUndeclared`; a missing required argument, a value of the wrong type
and a value given for a `final` parameter are rejected. Defaults and finals that are impure (they read `now()`,
`env()`, a JobResource or a variable) are evaluated once, here, and stored with the arguments; pure ones are not
stored but resolved when they are used. `env()` sees no environment in the pure engine.
"""

from __future__ import annotations

from typing import Any

from stellwerk.engine.scope import evaluate
from stellwerk.engine.step import Step
from stellwerk.expr import ast
from stellwerk.expr.parser import parse
from stellwerk.model.problems import Problem
from stellwerk.model.values import NamedValues, is_value, type_name
from stellwerk.model.workflow import Parameter, ParameterType

# Functions whose result depends on their arguments only (JS7 gives them their own pure expression classes).
_PURE_FUNCTIONS = frozenset(
    {"toNumber", "toBoolean", "mkString", "stripMargin", "replaceAll", "match", "substring", "min", "max"}
)


def prepare_arguments(step: Step, arguments: NamedValues) -> NamedValues | Problem:
    """The arguments to store in OrderAdded; `step` holds the new order (with the given arguments) at `now`."""
    preparation = step.workflow.order_preparation
    parameters = preparation.parameters
    if not preparation.allow_undeclared:
        for name in arguments:
            if name not in parameters:
                return Problem(f"Workflow has no declaration for order argument: {name}")
    prepared: NamedValues = dict(arguments) if preparation.allow_undeclared else {}
    for name, parameter in parameters.items():
        value = _prepared_value(step, name, parameter, arguments)
        if isinstance(value, Problem):
            return value
        if value is not None:
            prepared[name] = value
    return prepared


def _prepared_value(step: Step, name: str, parameter: Parameter, arguments: NamedValues) -> Any:
    given = arguments.get(name)
    if given is not None:
        if parameter.final is not None:
            return Problem(f"Variable is final and cannot be overridden by the order: {name}")
        return check_type(given, parameter.type or "Any", name) or given
    expression = parameter.final if parameter.final is not None else parameter.default
    if expression is None:
        return Problem(f"Required order argument '{name}' of type {_type_text(parameter.type)} is missing")
    if is_pure(expression):
        return None
    result = evaluate(step, expression)
    if isinstance(result, Problem):
        return Problem(f"Evaluation failed: {name} := {expression}: {result.message}")
    return result if is_value(result) else None


def is_pure(text: str) -> bool:
    """True if the expression reads nothing but constants (JS7 Expression.isPure)."""
    parsed = parse(text)
    return not isinstance(parsed, Problem) and _pure(parsed)


def _pure(node: Any) -> bool:
    if isinstance(node, ast.NamedValue | ast.VariableLookup | ast.JobResourceVariable):
        return False
    if isinstance(node, ast.FunctionCall) and node.name not in _PURE_FUNCTIONS:
        return False
    if isinstance(node, ast.Node):
        return all(_pure(getattr(node, field)) for field in node.__struct_fields__)
    if isinstance(node, tuple):
        return all(_pure(element) for element in node)
    return True


def check_type(value: Any, expected: ParameterType, path: str) -> Problem | None:
    """None if `value` has the declared type; List and Object types are checked element by element."""
    if expected == "Any":
        return None
    if isinstance(expected, dict) and expected.get("TYPE") == "List":
        if not isinstance(value, list):
            return _wrong_type(path, "List")
        element_type = expected.get("elementType", "Any")
        problems = (check_type(v, element_type, f"{path}[{i}]") for i, v in enumerate(value))
        return next((p for p in problems if p is not None), None)
    if isinstance(expected, dict) and expected.get("TYPE") == "Object":
        return _check_object(value, {k: t for k, t in expected.items() if k != "TYPE"}, path)
    return None if _value_type(value) == expected else _wrong_type(path, str(expected))


def _check_object(value: Any, fields: dict[str, Any], path: str) -> Problem | None:
    if not isinstance(value, dict):
        return _wrong_type(path, "Object")
    if missing := [name for name in fields if name not in value]:
        return Problem(f"Missing object fields in {path}: {', '.join(missing)}")
    if undeclared := [name for name in value if name not in fields]:
        return Problem(f"Undeclared object fields in {path}: {', '.join(undeclared)}")
    problems = (check_type(value[name], t, f"{path}.{name}") for name, t in fields.items())
    return next((p for p in problems if p is not None), None)


def _value_type(value: Any) -> str:
    return "Number" if isinstance(value, float) else type_name(value)


def _wrong_type(path: str, expected: str) -> Problem:
    return Problem(f"Type of order argument '{path}' does not match {expected}")


def _type_text(parameter_type: ParameterType | None) -> str:
    if parameter_type is None:
        return "Any"
    if isinstance(parameter_type, dict):
        return str(parameter_type.get("TYPE", "Object"))
    return parameter_type
