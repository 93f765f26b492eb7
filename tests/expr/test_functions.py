"""The built-in functions of js7-reference §5.3 with their edge cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stellwerk.expr import MISSING, MapScope
from stellwerk.model.problems import Problem

from .support import ev


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("toNumber('12')", 12),
        ("toNumber('-1.50')", Decimal("-1.5")),
        ("toNumber('1e3')", 1000),
        ("toNumber('+7')", 7),
        ("toNumber(true)", 1),
        ("toNumber(false)", 0),
        ("toNumber(4.5)", Decimal("4.5")),
        ("'12'.toNumber", 12),
        ("toBoolean('true')", True),
        ("toBoolean('false')", False),
        ("toBoolean(1)", True),
        ("toBoolean(0)", False),
        ("'true'.toBoolean", True),
        ("mkString(['a', 1, true, 1.50])", "a1true1.5"),
        ("mkString([])", ""),
        ("mkString('x')", "x"),
        ("mkString(7)", "7"),
        ("[$name, 7].mkString", "Alice7"),
        ("stripMargin('a\n  |b\n\t|c\nd')", "a\nb\nc\nd"),
        ("'  |x'.stripMargin", "x"),
        ("replaceAll('abcabc', 'b', 'X')", "aXcaXc"),
        ("replaceAll('2024-05-01', '(\\d+)-(\\d+)-(\\d+)', '$3.$2.$1')", "01.05.2024"),
        ("replaceAll('ab', '(?<first>a)', '[${first}]')", "[a]b"),
        ("replaceAll('a.b', '\\.', '\\$')", "a$b"),
        ("replaceAll('abc', 'x*', '-')", "-a-b-c-"),
        ("replaceAll('abc', '(a)(b)', '$12')", "a2c"),
        ("replaceAll('hello', '\\Qll\\E', 'LL')", "heLLo"),
        ("replaceAll('a1', '\\p{Alpha}', 'X')", "X1"),
        ("match('#2024-05-01#P1', '#(.*)#.*', '$1')", "2024-05-01"),
        ("substring('hello', 1)", "ello"),
        ("substring('hello', 1, 3)", "el"),
        ("substring('hello', 5)", ""),
        ("min(1, 2)", 1),
        ("max(1, 2.5)", Decimal("2.5")),
        ("max(-1, -2)", -1),
        ("impure(42)", 42),
        ("env('HOME')", "/home/a"),
        ("env('NOPE', 'default')", "default"),
        ("env(name='NOPE', default=1)", 1),
        ("env('HOME', default=$unknown)", "/home/a"),
        ("jobResourceVariable('JR', 'url')", "https://x"),
        ("jobResourceVariables('JR')", {"url": "https://x", "n": 1}),
        ("subagentIds()", ["A"]),
        ("subagentIds('B')", ["B1", "B2"]),
        ("uniqueOrderId('o-%d')", "o-3"),
        ("uniqueOrderId('p-%03d')", "p-002"),
        ("uniqueOrderId('q-%d')", "q-1"),
        ("now(format='yyyy-MM-dd')", "2024-05-01"),
        ("now('yyyy-MM-dd HH:mm', 'Europe/Berlin')", "2024-05-01 08:00"),
        ("now(format='HH:mm:ss.SSS', timezone=\"\")", "06:00:00.123"),
        ("now(timezone='America/New_York', format='yyyy-MM-dd HH:mm')", "2024-05-01 02:00"),
        ("scheduledOrEmpty(format='yyyy-MM-dd')", "2024-05-01"),
    ],
)
def test_functions(text: str, value: object) -> None:
    result = ev(text)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("toNumber('abc')", "Not a valid number: abc"),
        ("toNumber('1 2')", "Not a valid number: 1 2"),
        ("toNumber('NaN')", "Not a valid number: NaN"),
        ("toNumber([1])", "Value of Number type expected instead of: List: [1]"),
        ("toBoolean('yes')", "Value of Boolean type expected instead of: String: 'yes'"),
        ("toBoolean(2)", "Value of Boolean type expected instead of: Number: 2"),
        ("stripMargin(1)", "Value of String type expected instead of: Number: 1"),
        ("replaceAll(1, 'a', 'b')", "Value of String type expected instead of: Number: 1"),
        ("replaceAll('a', '(', 'b')", "unterminated subpattern in regular expression pattern"),
        ("replaceAll('a', 'a', '$1')", "No group 1"),
        ("replaceAll('a', 'a', '$')", "group index is missing"),
        ("replaceAll('a', 'a', 'x\\')", "character to be escaped is missing"),
        ("replaceAll('a', 'a', '$x')", "Illegal group reference"),
        ("replaceAll('a', '\\p{Nope}', 'x')", "Unsupported character class"),
        ("match('abc', 'b', 'x')", "Does not match"),
        ("substring('hello', 2, 1)", "begin 2, end 1, length 5"),
        ("substring('hello', 6)", "begin 6, end 5, length 5"),
        ("substring('hello', 1.5)", "Integer expected"),
        ("min('a', 1)", "Value of Number type expected instead of: String: 'a'"),
        ("env('NOPE')", "No such environment variable: NOPE"),
        ("env()", "Unexpected arguments for 'env' function: env()"),
        ("env(nope=1)", "Unexpected arguments for 'env' function"),
        ("now()", "Unexpected arguments for 'now' function: now()"),
        ("now(format='yyyy', timezone='Mars/Base')", "Unknown time zone: Mars/Base"),
        ("now(format='qqq')", "Unsupported pattern letter in date-time pattern: q"),
        ("jobResourceVariable('JR')", "Unexpected arguments for 'jobResourceVariable' function"),
        ("subagentIds('C')", "No such SubagentBundle: C"),
        ("uniqueOrderId('fixed')", "Invalid pattern for makeUnique function"),
        ("nothing(1)", "Unknown function: nothing"),
        ("nothing()", "Unknown function: nothing"),
        ("nothing($unknown)", "No such named value: unknown"),
    ],
)
def test_function_problems(text: str, message: str) -> None:
    result = ev(text)
    assert isinstance(result, Problem), result
    assert message in result.message


def test_now_is_not_available_without_a_clock() -> None:
    result = ev("now(format='yyyy')", MapScope())
    assert isinstance(result, Problem)
    assert "now() function is not available here" in result.message


def test_scheduled_or_empty_without_scheduled_for_is_empty() -> None:
    assert ev("scheduledOrEmpty(format='yyyy')", MapScope()) == ""


def test_functions_of_a_plain_scope_are_not_available() -> None:
    for text in ("subagentIds()", "uniqueOrderId('x-%d')"):
        result = ev(text, MapScope())
        assert isinstance(result, Problem)
        assert "not available" in result.message


def test_missing_arguments() -> None:
    assert ev("stripMargin(missing)") is MISSING
    assert ev("substring(missing, 1)") is MISSING
    assert ev("env(missing)") is MISSING
    assert ev("now(format=missing)") is MISSING


class _FileScope(MapScope):
    """A scope that adds a function, as the job context adds `toFile`."""

    def call_function(self, name: str, arguments: object) -> object:
        if name != "toFile":
            return None
        return f"/tmp/file-for-{arguments!r}"


def test_a_scope_can_add_functions() -> None:
    result = ev("toFile('content', filename='*.txt')", _FileScope())
    assert result == "/tmp/file-for-[(None, 'content'), ('filename', '*.txt')]"
    assert isinstance(ev("nothing()", _FileScope()), Problem)
