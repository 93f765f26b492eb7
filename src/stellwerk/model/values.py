"""Order variables and named values: JSON-like values with decimal numbers.

Numbers are `int` or `Decimal` (JS7 uses BigDecimal); `bool` is not a number.
Lists and dicts are treated as immutable by convention: they are replaced, never mutated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeAlias

Value: TypeAlias = "str | bool | int | Decimal | list[Value] | dict[str, Value]"

# msgspec does not follow recursive aliases, so stored maps are typed loosely and checked by `is_value`.
NamedValues: TypeAlias = dict[str, Any]


def is_number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def is_value(value: object) -> bool:
    if isinstance(value, str | bool | int | Decimal):
        return True
    if isinstance(value, list):
        return all(is_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_value(v) for k, v in value.items())
    return False


def normalize_number(value: int | Decimal) -> int | Decimal:
    """An integral Decimal becomes an int, so that 2.0 and 2 print and compare alike."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def type_name(value: object) -> str:
    match value:
        case bool():
            return "Boolean"
        case str():
            return "String"
        case int() | Decimal():
            return "Number"
        case list():
            return "List"
        case dict():
            return "Object"
    return type(value).__name__
