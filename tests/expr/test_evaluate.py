"""Operators, missing values, `?`, interpolation, name lookup and lambdas (js7-reference §5.2, §4.3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stellwerk.expr import MISSING, FunctionValue, MapScope, apply_function, evaluate, parse
from stellwerk.expr.ast import Expression
from stellwerk.model.problems import Problem

from .support import SCOPE, ev


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # arithmetic, exact decimals, int results normalized
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 - 10", -3),
        ("0.1 + 0.2", Decimal("0.3")),
        ("1.5 * 2", 3),
        ("6 / 3", 2),
        ("7 / 2", Decimal("3.5")),
        ("1 / 3", Decimal("0.3333333333333333333333333333333333")),
        ("-(2 + 3)", -5),
        ("- $pi", Decimal("-3.14")),
        ("$pi * 100", 314),
        # equality: structural, no coercion
        ("1 == 1.0", True),
        ("1 == '1'", False),
        ("1 == true", False),
        ("true == true", True),
        ("[1, 'a'] == [1, 'a']", True),
        ("[1, 'a'] == ['a', 1]", False),
        ("{a: 1} == {a: 1.0}", True),
        ("{a: 1} == {b: 1}", False),
        ("missing == missing", True),
        ('missing == ""', False),
        ("1 != 2", True),
        # ordering
        ("1 < 2", True),
        ("2 <= 2", True),
        ("1.5 > 1", True),
        ("'a' < 'b'", True),
        ("'b' >= 'c'", False),
        # ++ converts numbers and booleans, concatenates lists
        ("'a' ++ 1", "a1"),
        ("1 ++ 2", "12"),
        ("true ++ '!'", "true!"),
        ('1.50 ++ ""', "1.5"),
        ("[1] ++ [2, 3]", [1, 2, 3]),
        # booleans
        ("true && false", False),
        ("false || true", True),
        ("!true", False),
        ("false && $unknown", False),
        ("true || $unknown", True),
        ("!false && true", True),
        # in, matches
        ("2 in [1, 2]", True),
        ("'2' in [1, 2]", False),
        ("$returnCode in [0, 3, 50]", True),
        ("'abc' matches 'a.*'", True),
        ("'xabc' matches 'a.*'", False),
        ('missing matches ""', True),
        ("12 matches '[0-9]+'", True),
        # if then else
        ("if $returnCode == 3 then 'three' else 'other'", "three"),
        ("if false then 1 else if true then 2 else 3", 2),
        # lists, objects, fields, indexes
        ("[1, 1 + 1]", [1, 2]),
        ("{a: 1, b: 'x' ++ 'y'}", {"a": 1, "b": "xy"}),
        ("$x.host", "alpha"),
        ("${x.port}", 80),
        ("{a: {b: 5}}.a.b", 5),
        ("$list(1)", "two"),
        ("[10, 20](0)", 10),
        # constants
        ("missing", MISSING),
        ('"it\'s"', "it's"),
    ],
)
def test_operators(text: str, value: object) -> None:
    result = ev(text)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 / 0", "Division by zero"),
        ("1 / 0 ? 0", "Division by zero"),  # `?` binds tighter than `/`: 1 / (0 ? 0)
        ("1 + 'a'", "Value of Number type expected instead of: String: 'a'"),
        ("'a' - 1", "Value of Number type expected instead of: String: 'a'"),
        ("true + 1", "Value of Number type expected instead of: Boolean: true"),
        ("1 < 'a'", "Number and String are not comparable"),
        ("true < false", "Boolean and Boolean are not comparable"),
        ("1 && true", "Value of Boolean type expected instead of: Number: 1"),
        ("true && 1", "Value of Boolean type expected instead of: Number: 1"),
        ("!'x'", "Value of Boolean type expected instead of: String: 'x'"),
        ("-'x'", "Value of Number type expected instead of: String: 'x'"),
        ("'a' ++ [1]", "Value of String type expected instead of: List: [1]"),
        ("1 in 1", "Value of List type expected instead of: Number: 1"),
        ("'a' matches '('", "in regular expression pattern"),
        ("if 1 then 2 else 3", "Value of Boolean type expected instead of: Number: 1"),
        ("$unknown", "No such named value: unknown"),
        ("$x.nothing", "Unknown name: $x.nothing"),
        ("$name.field", "Value of Object type expected instead of: String: 'Alice'"),
        ("$list(3)", "Index 3 out of range 0...2"),
        ("$list(-1)", "Index -1 out of range 0...2"),
        ("$list('a')", "Value of Number type expected instead of: String: 'a'"),
        ("'abc'(0)", "Value of List type expected instead of: String: 'abc'"),
        ("error('bad ' ++ $name)", "Expression returned error: bad Alice"),
        ("[1, $unknown]", "No such named value: unknown"),
        ("{a: error('e')}", "Expression returned error: e"),
        ('"x$unknown"', "No such named value: unknown"),
    ],
)
def test_problems(text: str, message: str) -> None:
    result = ev(text)
    assert isinstance(result, Problem), result
    assert message in result.message


@pytest.mark.parametrize(
    "text",
    [
        "missing + 1",
        "1 * missing",
        "-missing",
        "!missing",
        "missing < 1",
        "'a' >= missing",
        "missing ++ 'a'",
        "'a' ++ missing",
        "missing && true",
        "true && missing",
        "false || missing",
        "if missing then 1 else 2",
        "missing.field",
        "missing(0)",
        "[1](missing)",
        "2 in missing",
        "'a' matches missing",
        "$unknown?",
        "error('x')?",
        "toNumber(missing)",
        "min(missing, 1)",
        "replaceAll(missing, 'a', 'b')",
    ],
)
def test_missing_propagates(text: str) -> None:
    assert ev(text) is MISSING


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$unknown ? 7", 7),
        ("missing ? 'default'", "default"),
        ("error('x') ? 1", 1),
        ("$returnCode ? 7", 3),
        ("$unknown? ? $returnCode", 3),
        ("(1 / 0) ? 0", 0),
        ("$x.nothing ? 'none'", "none"),
        ("$unknown ? -1", -1),
        ('"$(missing)|$($unknown?)|"', "||"),
        ("mkString(missing)", ""),
        ("missing == 1", False),
        ("missing in [1]", False),
    ],
)
def test_question_mark_and_absence(text: str, value: object) -> None:
    assert ev(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"Hello $name!"', "Hello Alice!"),
        ('"${name}s"', "Alices"),
        ('"$name.x"', "Alice.x"),
        ('"${x.host}:${x.port}"', "alpha:80"),
        ("\"$(1 + 2) = $('three')\"", "3 = three"),
        ('"$list"', "[1, 'two', 3]"),
        ('"$x"', "{'host':'alpha', 'port':80}"),
        ('"$pi $flag"', "3.14 true"),
        ('"cost: \\$5"', "cost: $5"),
        ("'no $name here'", "no $name here"),
        ('"$returnCode$mode"', "3fast"),
    ],
)
def test_interpolation(text: str, value: str) -> None:
    assert ev(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$mode", "fast"),
        ("argument('n')", 7),
        ("argument(key='mode')", "fast"),
        ("argument('returnCode', default=0)", "0"),  # JS7 converts a default to a string
        ("variable('returnCode')", 3),
        ("variable('returnCode', label=build)", 1),
        ("variable(key='artifact', label=build)", "a.jar"),
        ("variable('returnCode', job=compile)", 2),
        ("variable('nothing', job=compile, default='x')", "x"),
        ("variable('nothing', default=missing)", MISSING),
        ("orderId", "#2024-05-01#P0102030405-daily"),
        ("orderId()", "#2024-05-01#P0102030405-daily"),
        ("tryCount + 1", 3),
        ("maxTries", 3),
        ("timedOut", False),
        ("label", "L"),
        ("workflow.timezone", "Europe/Berlin"),
        ("$js7OrderId", "#2024-05-01#P0102030405-daily"),
        ("$js7WorkflowPath", "W"),
        ("$js7WorkflowPosition", "W~v1:0"),
        ("$js7Label", "L"),
        ("$js7ControllerId", "C"),
        ("$js7TryCount", 2),
        ("$js7MaxTries", 3),
        ("$js7WorkflowTimezone", "Europe/Berlin"),
        ("$js7EpochMilli", 1714543200123),
        ("$js7EpochSecond", 1714543200),
        ("$js7JobName", "hello"),
        ("JobResource:JR:url", "https://x"),
        ("JobResource:JR", {"url": "https://x", "n": 1}),
    ],
)
def test_lookups(text: str, value: object) -> None:
    assert ev(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("argument('returnCode')", "No such order argument: returnCode"),
        (
            "variable('x', label=build)",
            "Workflow instruction at label build did not return a named value 'x'",
        ),
        ("variable('x', job=compile)", "Last execution of job 'compile' did not return a named value 'x'"),
        ("variable('x', label=nolabel)", "Workflow instruction at label nolabel"),
        ("variable('nothing')", "No such named value: nothing"),
        ("variable(1)", "Value of String type expected instead of: Number: 1"),
        ("job", "Unknown function: job"),
        ("$js7Nothing", "No such named value: js7Nothing"),
        ("JobResource:NONE:x", "No such JobResource: NONE"),
        ("JobResource:JR:none", "Unknown name: JobResource:JR:none"),
    ],
)
def test_lookup_problems(text: str, message: str) -> None:
    result = ev(text)
    assert isinstance(result, Problem)
    assert message in result.message


def test_an_argument_wins_over_a_predefined_name() -> None:
    scope = MapScope(named_values={"js7OrderId": "mine"}, symbols={"orderId": "real"})
    assert ev("$js7OrderId", scope) == "mine"


def test_epoch_names_need_now() -> None:
    result = ev("$js7EpochMilli", MapScope())
    assert isinstance(result, Problem)
    assert "No such named value: js7EpochMilli" in result.message


def _function(text: str) -> FunctionValue:
    expression = parse(text)
    assert not isinstance(expression, Problem)
    function = evaluate(expression, SCOPE)
    assert isinstance(function, FunctionValue)
    return function


def test_fork_list_child_to_id() -> None:
    function = _function('(x, i) => ($i + 1) ++ "." ++ $x.host')
    assert apply_function(function, [{"host": "alpha"}, 0], SCOPE) == "1.alpha"
    assert apply_function(function, [{"host": "beta"}, 1], SCOPE) == "2.beta"


def test_fork_list_child_to_arguments() -> None:
    function = _function("(x) => $x")
    assert apply_function(function, [{"host": "alpha"}], SCOPE) == {"host": "alpha"}


def test_parameters_shadow_the_scope_and_the_scope_stays_visible() -> None:
    function = _function("mode => $mode ++ '/' ++ $name")
    assert apply_function(function, ["slow"], SCOPE) == "slow/Alice"


def test_surplus_arguments_are_ignored_and_missing_parameters_are_unknown() -> None:
    assert apply_function(_function("x => $x"), [1, 2], SCOPE) == 1
    result = apply_function(_function("(x, y) => $y"), [1], SCOPE)
    assert isinstance(result, Problem)
    assert "No such named value: y" in result.message


def test_function_value_applied_in_the_language() -> None:
    assert ev("(x => $x * 2)(21)") == 42


def test_function_returning_a_function_is_a_problem_for_apply_function() -> None:
    assert isinstance(apply_function(_function("x => y => 1"), [1], SCOPE), Problem)


def test_evaluating_twice_gives_the_same_result() -> None:
    expression: Expression | Problem = parse("$returnCode == 3 && $mode == 'fast'")
    assert not isinstance(expression, Problem)
    assert evaluate(expression, SCOPE) is True
    assert evaluate(expression, SCOPE) is True


def test_a_missing_element_of_a_list_or_object_is_a_problem() -> None:
    """A list or object holds values only (found by the expression fuzz test: it leaked MISSING into a list)."""
    for text, message in (
        ("[missing, 1]", "list element 0"),
        ("[1, $nothing ?]", "list element 1"),
        ("{a: missing}", "field 'a'"),
    ):
        expression = parse(text)
        assert not isinstance(expression, Problem), expression
        result = evaluate(expression, MapScope())
        assert isinstance(result, Problem) and message in result.message, (text, result)
