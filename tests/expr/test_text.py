"""The string form of values (for `++`, interpolation and environment variables) and quoting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stellwerk.expr import MISSING, parse, quote_string, to_string_value
from stellwerk.expr.ast import Constant
from stellwerk.expr.text import describe, format_number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("abc", "abc"),
        (3, "3"),
        (Decimal("1.50"), "1.5"),
        (Decimal("-0.000001"), "-0.000001"),
        (Decimal("1E+3"), "1000"),
        (True, "true"),
        (False, "false"),
        (MISSING, ""),
        ([1, "a", [True]], "[1, 'a', [true]]"),
        ({"k": "v", "n": 1}, "{'k':'v', 'n':1}"),
        ([], "[]"),
        (["it's"], '["it\'s"]'),
    ],
)
def test_to_string_value(value: object, text: str) -> None:
    assert to_string_value(value) == text


@pytest.mark.parametrize(
    "string", ["", "a", "it's", "a$b", "line\nbreak", "cr\r", 'quote"', "back\\slash", "\t"]
)
def test_quote_string_parses_back(string: str) -> None:
    assert parse(quote_string(string)) == Constant(string)


def test_format_number_has_no_exponent() -> None:
    assert format_number(Decimal("1.23E-7")) == "0.000000123"
    assert format_number(Decimal("-0")) == "0"


def test_describe_shortens_long_values() -> None:
    assert describe("x" * 40) == "String: '" + "x" * 26 + "..."
    assert describe(MISSING) == "Missing: missing"
