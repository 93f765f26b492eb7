"""The operators and conversions of §5.2: strict equality, exact decimal arithmetic, ordering, `++`, `in`."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Context, Decimal, DecimalException

from stellwerk.expr.regex import compile_java_regex
from stellwerk.expr.runtime import MISSING, Evaluated, Missing, Result
from stellwerk.expr.text import describe, format_number, value_type_name
from stellwerk.model.problems import Problem
from stellwerk.model.values import Value, normalize_number

# JS7 computes with Scala's BigDecimal, whose default MathContext is DECIMAL128.
DECIMAL128 = Context(prec=34, rounding=ROUND_HALF_EVEN)
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_number(value: object) -> bool:
    kind = type(value)
    return kind is int or kind is Decimal


def unexpected_type(expected: str, value: object) -> Missing | Problem:
    """A missing operand makes the result missing; any other wrong type is a problem."""
    if value is MISSING:
        return MISSING
    return Problem(f"Value of {expected} type expected instead of: {describe(value)}")


def values_equal(a: object, b: object) -> bool:
    """Structural equality without coercion: `1 == '1'` and `1 == true` are false, `1.0 == 1` is true."""
    kind = type(a)
    if kind is type(b) and (kind is str or kind is int or kind is bool):
        return a == b
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(values_equal, a, b))
    if isinstance(a, dict):
        return (
            isinstance(b, dict) and a.keys() == b.keys() and all(values_equal(v, b[k]) for k, v in a.items())
        )
    if is_number(a) and is_number(b):
        return a == b
    return a is b


def arithmetic(operator: str, a: Evaluated, b: Evaluated) -> Result:
    if not is_number(a):
        return unexpected_type("Number", a)
    if not is_number(b):
        return unexpected_type("Number", b)
    try:
        return _ARITHMETIC[operator](a, b)  # type: ignore[arg-type]
    except (DecimalException, ArithmeticError) as error:
        return Problem(f"Arithmetic error: {type(error).__name__}")


def _add(a: int | Decimal, b: int | Decimal) -> Value:
    if type(a) is int and type(b) is int:
        return a + b
    return normalize_number(DECIMAL128.add(a, b))


def _subtract(a: int | Decimal, b: int | Decimal) -> Value:
    if type(a) is int and type(b) is int:
        return a - b
    return normalize_number(DECIMAL128.subtract(a, b))


def _multiply(a: int | Decimal, b: int | Decimal) -> Value:
    if type(a) is int and type(b) is int:
        return a * b
    return normalize_number(DECIMAL128.multiply(a, b))


def _divide(a: int | Decimal, b: int | Decimal) -> Value | Problem:
    if b == 0:
        return Problem("Division by zero")
    if type(a) is int and type(b) is int and a % b == 0:
        return a // b
    return normalize_number(DECIMAL128.divide(a, b))


_ARITHMETIC: dict[str, Callable[[int | Decimal, int | Decimal], Value | Problem]] = {
    "+": _add,
    "-": _subtract,
    "*": _multiply,
    "/": _divide,
}


def negate(value: Evaluated) -> Result:
    if not is_number(value):
        return unexpected_type("Number", value)
    return -value  # type: ignore[operator]


def compare(operator: str, a: Evaluated, b: Evaluated) -> Result:
    if (is_number(a) and is_number(b)) or (type(a) is str and type(b) is str):
        match operator:
            case "<":
                return a < b  # type: ignore[operator]
            case "<=":
                return a <= b  # type: ignore[operator]
            case ">":
                return a > b  # type: ignore[operator]
        return a >= b  # type: ignore[operator]
    if a is MISSING or b is MISSING:
        return MISSING
    return Problem(f"{value_type_name(a)} and {value_type_name(b)} are not comparable")


def concat(a: Evaluated, b: Evaluated) -> Result:
    if type(a) is list and type(b) is list:
        return a + b
    left = to_string_soft(a)
    if not isinstance(left, str):
        return left
    right = to_string_soft(b)
    if not isinstance(right, str):
        return right
    return left + right


def to_string_soft(value: Evaluated) -> str | Missing | Problem:
    """JS7's `toStringValue`: strings, numbers and booleans become strings; other types do not."""
    if type(value) is str:
        return value
    if type(value) is bool:
        return "true" if value else "false"
    if is_number(value):
        return format_number(value)  # type: ignore[arg-type]
    return unexpected_type("String", value)


def element_of(a: Evaluated, b: Evaluated) -> Result:
    if type(b) is not list:
        return unexpected_type("List", b)
    return any(values_equal(a, element) for element in b)


def matches(a: Evaluated, b: Evaluated) -> Result:
    string = to_string_soft("" if a is MISSING else a)
    if not isinstance(string, str):
        return string
    pattern_text = to_string_soft(b)
    if not isinstance(pattern_text, str):
        return pattern_text
    pattern = compile_java_regex(pattern_text)
    if isinstance(pattern, Problem):
        return pattern
    return pattern.fullmatch(string) is not None


def to_number(value: Evaluated) -> Result:
    if is_number(value):
        return value
    if type(value) is bool:
        return 1 if value else 0
    if type(value) is str:
        if not _NUMBER_TEXT.fullmatch(value):
            shown = value if len(value) <= 50 else value[:47] + "..."
            return Problem(f"Not a valid number: {shown}")
        return normalize_number(Decimal(value)) if not value.lstrip("+-").isdigit() else int(value)
    return unexpected_type("Number", value)


def to_boolean(value: Evaluated) -> Result:
    if type(value) is bool:
        return value
    if value == "true" or value == "false":
        return value == "true"
    if is_number(value) and value in (0, 1):
        return value == 1
    return unexpected_type("Boolean", value)


def as_boolean(value: Evaluated) -> bool | Missing | Problem:
    if isinstance(value, bool):
        return value
    return unexpected_type("Boolean", value)
