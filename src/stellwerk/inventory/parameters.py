"""JOC order parameters -> engine `orderPreparation`: types as engine type descriptions, literal defaults as
expressions ("fast" -> "'fast'", 3 -> "3", true -> "true", lists and maps as list and object literals)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from stellwerk.inventory.joc_jobs import JocListParameter, JocOrderPreparation, JocParameter
from stellwerk.inventory.literals import literal_expression, number_text
from stellwerk.inventory.located import Finding, Rejected, child, convert_struct
from stellwerk.model.workflow import OrderPreparation, Parameter, ParameterType


def convert_order_preparation(joc: JocOrderPreparation | None, path: str) -> OrderPreparation:
    if joc is None:
        return OrderPreparation()
    parameters: dict[str, Parameter] = {}
    for name, tree in joc.parameters.items():
        parameter_path = child(f"{path}.parameters", name)
        parameters[name] = _parameter(convert_struct(tree, JocParameter, parameter_path), parameter_path)
    return OrderPreparation(parameters=parameters, allow_undeclared=joc.allow_undeclared)


def _parameter(joc: JocParameter, path: str) -> Parameter:
    if joc.final is not None:
        return Parameter(final=joc.final)
    default = None if joc.default is None else _default_expression(joc, f"{path}.default")
    return Parameter(type=_type(joc, path), default=default)


def _type(joc: JocParameter, path: str) -> ParameterType:
    if joc.type not in ("List", "Map"):
        return joc.type
    if not joc.list_parameters:
        raise Rejected(Finding(f"{path}.listParameters", f"a {joc.type} parameter needs listParameters"))
    fields: dict[str, Any] = {"TYPE": "Object"}
    for name, tree in joc.list_parameters.items():
        element_path = child(f"{path}.listParameters", name)
        fields[name] = convert_struct(tree, JocListParameter, element_path).type
    return {"TYPE": "List", "elementType": fields} if joc.type == "List" else fields


def _default_expression(joc: JocParameter | JocListParameter, path: str) -> str:
    value = joc.default
    match joc.type:
        case "String" if isinstance(value, str):
            return literal_expression(value) or ""
        case "Number" if isinstance(value, int | Decimal | str) and not isinstance(value, bool):
            return _number_literal(value, path)
        case "Boolean" if isinstance(value, bool) or value in ("true", "false"):
            return str(value).lower()
        case "List" if isinstance(value, list):
            return _checked_literal(value, path)
        case "Map" if isinstance(value, dict):
            return _checked_literal(value, path)
    raise Rejected(Finding(path, f"default {value!r} does not match type {joc.type}"))


def _number_literal(value: int | Decimal | str, path: str) -> str:
    """JOC's editor sometimes stores numbers as text; accept those that are numbers."""
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise Rejected(Finding(path, "default of a Number parameter is not a number"))
    return number_text(value)


def _checked_literal(value: Any, path: str) -> str:
    text = literal_expression(value)
    if text is None:
        raise Rejected(Finding(path, "default has no expression form (null, or a key that is not a name)"))
    return text
