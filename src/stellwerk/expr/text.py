"""Values as text: the string form used by `++`, interpolation and env variables, and quoted literals."""

from __future__ import annotations

from decimal import Decimal

from stellwerk.expr.runtime import FunctionValue, Missing
from stellwerk.model.values import type_name


def format_number(number: int | Decimal) -> str:
    """Plain decimal notation without trailing zeros: 3, -0.5, 1000000."""
    if isinstance(number, int):
        return str(number)
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def to_string_value(value: object) -> str:
    """JS7's `convertToString`: strings as they are, numbers plainly, lists and objects as JS7 prints them."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return format_number(value)
    if isinstance(value, Missing):
        return ""
    return value_to_source(value)


def value_to_source(value: object) -> str:
    """JS7's `Value.toString`: strings quoted, lists as `['a', 1]`, objects as `{'key':'value'}`."""
    if isinstance(value, str):
        return quote_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(value_to_source(element) for element in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{quote_string(key)}:{value_to_source(v)}" for key, v in value.items()) + "}"
    if isinstance(value, Missing):
        return "missing"
    if isinstance(value, FunctionValue):
        from stellwerk.expr.printer import function_source

        return function_source(value.parameters, value.body)
    return to_string_value(value)


def quote_string(string: str) -> str:
    """A literal that parses back to `string`: single quotes where possible, else escaped double quotes."""
    if not string:
        return '""'
    if "'" not in string and "\r" not in string:
        return f"'{string}'"
    return '"' + escape_for_double_quotes(string) + '"'


_DOUBLE_QUOTE_ESCAPES = str.maketrans(
    {"\\": "\\\\", '"': '\\"', "$": "\\$", "\r": "\\r", "\n": "\\n", "\t": "\\t"}
)


def escape_for_double_quotes(string: str) -> str:
    return string.translate(_DOUBLE_QUOTE_ESCAPES)


def value_type_name(value: object) -> str:
    if isinstance(value, Missing):
        return "Missing"
    if isinstance(value, FunctionValue):
        return "Function"
    return type_name(value)


def describe(value: object) -> str:
    """`Number: 1` or `String: 'abc'`, shortened, as JS7 shows a value of an unexpected type."""
    text = value_to_source(value)
    if len(text) > 30:
        text = text[:27] + "..."
    return f"{value_type_name(value)}: {text}"
