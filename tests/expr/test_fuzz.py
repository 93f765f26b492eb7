"""Fuzz: random text and mutated valid expressions parse to an expression or to a Problem naming the position;
parsed expressions evaluate over random scopes to a value, MISSING, a function or a Problem, never raising."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from stellwerk.expr import MapScope, Missing, evaluate, parse, to_source
from stellwerk.expr.ast import Expression
from stellwerk.expr.runtime import FunctionValue
from stellwerk.model.problems import Problem
from stellwerk.model.values import is_value
from tests.fuzzing import fuzzed, mutated_text

from .support import SCOPE

VALID = [
    "$returnCode == 0 && $mode == 'fast'",
    "$flag || $mode == 'x' && !$flag",
    "1 + 2 * 3 - 4 / 5",
    "'a' ++ $name ++ \"b$name\" ++ \"c${x.host}\"",
    "$list(1) ++ $x.host",
    "$missing ? 'default'",
    "$x? ? $y",
    "if ($returnCode > 0) then 'bad' else 'good'",
    "[1, 'two', [true, false], {a: 1, `b c`: 'x'}]",
    "$mode in ['fast', 'slow']",
    "$name matches 'A.*'",
    "variable('returnCode', label=build, default=0)",
    "variable(key='returnCode', job=compile)",
    "argument('n', default=1)",
    "replaceAll($js7OrderId, '^#([0-9]{4}-[0-9]{2}-[0-9]{2})#.*$', '$1')",
    "match('2024-05-01', '([0-9]+)-.*', '$1')",
    "substring('abcdef', 1, 3)",
    "min(1, 2) + max(3, argument('n'))",
    "now(format='yyyy-MM-dd HH:mm', timezone='Europe/Berlin')",
    "scheduledOrEmpty(format='yyyy-MM-dd')",
    "env('HOME')",
    "JobResource:JR:url ++ jobResourceVariable('JR', 'n')",
    "subagentIds('B')",
    "uniqueOrderId('p-%03d')",
    "'12'.toNumber + 1 == 13 || \"true\".toBoolean",
    "\"|a\n  |b\".stripMargin ++ $list.mkString",
    "(x, i) => ($i + 1) ++ '.' ++ $x.host",
    "orderId ++ workflowPath ++ label ++ tryCount ++ maxTries",
    "$js7EpochMilli - $js7EpochSecond * 1000",
    "error('stop ' ++ $name)",
    "1 /* comment */ + // line\n 2",
    "-$pi * 2.50 / 3",
    "toNumber('1.5') * 1000",
]  # fmt: skip
TOKENS = [
    "$", "$a", "$returnCode", "${x.host}", "(", ")", "[", "]", "{", "}", ",", ".", ":", "?", "!", "-", "+", "++",
    "*", "/", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "=>", "=", "in", "matches", "if", "then", "else",
    "true", "false", "missing", "'", '"', "`", "'s'", '"t$a"', "0", "1.5", "-7", "1e9", "x", "orderId", " ",
    "\n", "/*", "*/", "//", "JobResource:", "variable(", "argument(", "error(", "toNumber", "max(", "\\", "\0",
]  # fmt: skip
_POSITION = re.compile(r" at (?P<line>\d+):(?P<column>\d+)$")
_TOO_DEEP = "Expression is nested deeper than "

texts = st.text(max_size=60)
token_texts = st.lists(st.sampled_from(TOKENS), max_size=20).map("".join)
# Deep nesting: the parser recurses, so a deep enough text must be "nested too deeply", not a RecursionError.
deep_texts = st.builds(
    lambda n, pair: pair[0] * n + "1" + pair[1] * n,
    st.integers(min_value=50, max_value=5000),
    st.sampled_from(
        [("(", ")"), ("[", "]"), ("-", ""), ("!", ""), ("if true then ", " else 0"), ("{a:", "}")]
    ),
)
pieces = st.sampled_from(TOKENS) | st.text(max_size=3)
mutated_valid = st.sampled_from(VALID).flatmap(lambda text: mutated_text(text, pieces))

values = st.recursive(
    st.booleans() | st.integers() | st.decimals(allow_nan=False, allow_infinity=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)
NAMES = ["a", "b", "c", "x", "y", "n", "name", "mode", "list", "pi", "returnCode", "missing", "js7OrderId"]
named_values = st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=4), values, max_size=6)
scopes = st.builds(
    MapScope,
    named_values=named_values,
    arguments=st.none() | named_values,
    by_label=st.dictionaries(st.just("build"), named_values, max_size=1),
    by_job=st.dictionaries(st.just("compile"), named_values, max_size=1),
    symbols=st.dictionaries(st.sampled_from(["orderId", "workflowPath", "label", "tryCount", "maxTries"]), values),
    now=st.none() | st.integers(min_value=0, max_value=4_000_000_000_000),
    scheduled=st.none() | st.integers(min_value=0, max_value=4_000_000_000_000),
    environment=st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
    job_resources=st.dictionaries(st.just("JR"), named_values, max_size=1),
    subagent_bundles=st.none() | st.dictionaries(st.sampled_from(["", "B"]), st.lists(st.text(max_size=3))),
    order_ids=st.none() | st.frozensets(st.text(max_size=6), max_size=3),
)  # fmt: skip


def _parsed_or_precise(text: str) -> Expression | Problem:
    """The expression, or a Problem naming a line and column inside the text (or saying it is too deep)."""
    result = parse(text)
    if isinstance(result, Problem) and not result.message.startswith(_TOO_DEEP):
        suffix = f" in: {text}"
        assert result.message.endswith(suffix), result.message
        position = _POSITION.search(result.message[: -len(suffix)])
        assert position, result.message
        lines = text.split("\n")
        line, column = int(position["line"]), int(position["column"])
        assert 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1, result.message
    return result


def _assert_evaluates(expression: Expression, scope: MapScope) -> None:
    result: Any = evaluate(expression, scope)
    assert isinstance(result, Problem | Missing | FunctionValue) or is_value(result), result


def test_the_valid_expressions_parse_and_evaluate() -> None:
    for text in VALID:
        expression = parse(text)
        assert not isinstance(expression, Problem), expression
        assert not isinstance(evaluate(expression, SCOPE), Problem) or text.startswith("error("), text


@fuzzed(300)
@given(texts | token_texts | deep_texts)
def test_random_text_parses_or_names_the_position(text: str) -> None:
    expression = _parsed_or_precise(text)
    if not isinstance(expression, Problem):
        _assert_evaluates(expression, SCOPE)
        to_source(expression)


@fuzzed(300)
@given(mutated_valid, scopes)
def test_mutated_expressions_parse_and_evaluate_over_random_scopes(text: str, scope: MapScope) -> None:
    expression = _parsed_or_precise(text)
    if not isinstance(expression, Problem):
        _assert_evaluates(expression, scope)
        _assert_evaluates(expression, SCOPE)


@fuzzed(200)
@given(mutated_valid | token_texts)
def test_what_parses_prints_as_source_that_parses_again(text: str) -> None:
    expression = parse(text)
    if not isinstance(expression, Problem):
        reparsed = parse(to_source(expression))
        assert reparsed == expression, (text, to_source(expression), reparsed)
