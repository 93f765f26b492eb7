"""Grammar and precedence: what parses to what (shown as canonical source), and where parsing fails."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from stellwerk.expr import MapScope, evaluate, parse, to_source
from stellwerk.expr.ast import (
    Apply,
    Argument,
    Binary,
    Catch,
    Constant,
    Dot,
    FunctionCall,
    FunctionExpr,
    IfThenElse,
    InterpolatedString,
    JobResourceVariable,
    ListExpr,
    NamedValue,
    OrMissing,
    Unary,
    VariableLookup,
)
from stellwerk.expr.parser import MAX_EXPRESSION_DEPTH
from stellwerk.expr.runtime import MISSING
from stellwerk.model.problems import Problem


def tree(text: str) -> object:
    result = parse(text)
    assert not isinstance(result, Problem), result
    return result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", Binary("+", Constant(1), Binary("*", Constant(2), Constant(3)))),
        ("1 - 2 - 3", Binary("-", Binary("-", Constant(1), Constant(2)), Constant(3))),
        ("1 -1", Binary("-", Constant(1), Constant(1))),
        ("-1", Constant(-1)),
        ("- $a", Unary("-", NamedValue("a"))),
        ("!$a && $b", Binary("&&", Unary("!", NamedValue("a")), NamedValue("b"))),
        (
            "$a || $b && $c",
            Binary("||", NamedValue("a"), Binary("&&", NamedValue("b"), NamedValue("c"))),
        ),
        (
            "$a == 1 && $b != 2",
            Binary(
                "&&",
                Binary("==", NamedValue("a"), Constant(1)),
                Binary("!=", NamedValue("b"), Constant(2)),
            ),
        ),
        ("1 < 2 == true", Binary("==", Binary("<", Constant(1), Constant(2)), Constant(True))),
        ("'a' ++ 1 + 2", Binary("+", Binary("++", Constant("a"), Constant(1)), Constant(2))),
        (
            "$a in [1] || true",
            Binary("in", NamedValue("a"), Binary("||", ListExpr((Constant(1),)), Constant(True))),
        ),
        ("$a?", OrMissing(NamedValue("a"))),
        ("$a ? 7", Catch(NamedValue("a"), Constant(7))),
        ("$a ? -1", Catch(NamedValue("a"), Constant(-1))),
        ("$a? ? $b", Catch(OrMissing(NamedValue("a")), NamedValue("b"))),
        ("-$a?", Unary("-", OrMissing(NamedValue("a")))),
        ("$a.b.c", Dot(Dot(NamedValue("a"), "b"), "c")),
        ("${a.b}", Dot(NamedValue("a"), "b")),
        ("$list(0)", Apply(NamedValue("list"), Constant(0))),
        ("$x.toNumber", FunctionCall("toNumber", (Argument(NamedValue("x")),))),
        ("$x.a.toNumber", Dot(Dot(NamedValue("x"), "a"), "toNumber")),
        ("$1", NamedValue("1")),
        ("$`weird name, with dot.`", NamedValue("weird name, with dot.")),
        ("${`a``b`}", NamedValue("a`b")),
        ("orderId", FunctionCall("orderId")),
        ("myFunction()", FunctionCall("myFunction", ())),
        (
            "f(named=1, 'S')",
            FunctionCall("f", (Argument(Constant(1), "named"), Argument(Constant("S")))),
        ),
        ("f(label == 1)", FunctionCall("f", (Argument(Binary("==", FunctionCall("label"), Constant(1))),))),
        ("missing", Constant(MISSING)),
        ("JobResource:JR:url", JobResourceVariable("JR", "url")),
        ("JobResource:folder-1/JR", JobResourceVariable("folder-1/JR")),
        ("argument('n')", VariableLookup(Constant("n"), "argument")),
        (
            "argument ( key = 'n', default = 0 )",
            VariableLookup(Constant("n"), "argument", None, Constant(0)),
        ),
        ("variable('rc', label=build)", VariableLookup(Constant("rc"), "label", "build")),
        (
            "variable(key='rc', job=compile, default=1)",
            VariableLookup(Constant("rc"), "job", "compile", Constant(1)),
        ),
        (
            "if $a then 1 else if $b then 2 else 3",
            IfThenElse(NamedValue("a"), Constant(1), IfThenElse(NamedValue("b"), Constant(2), Constant(3))),
        ),
        ("x => $x", FunctionExpr(("x",), NamedValue("x"))),
        ("() => 1", FunctionExpr((), Constant(1))),
        (
            "(x, i) => $i ++ $x",
            FunctionExpr(("x", "i"), Binary("++", NamedValue("i"), NamedValue("x"))),
        ),
        ("1 /* comment */ + // line\n 2", Binary("+", Constant(1), Constant(2))),
        ("$a/$b", Binary("/", NamedValue("a"), NamedValue("b"))),
    ],
)
def test_parses_to_tree(text: str, expected: object) -> None:
    assert tree(text) == expected


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("(1 + 2) * 3", "(1 + 2) * 3"),
        ("1+2", "1 + 2"),
        ("($a == 1) == true", "$a == 1 == true"),
        ("$a == (1 == true)", "$a == (1 == true)"),
        ("!($a && $b)", "!($a && $b)"),
        ("[1, 'a', [true]]", "[1, 'a', [true]]"),
        ("{a: 1, `b c`: 'x'}", "{a: 1, `b c`: 'x'}"),
        ("{}", "{}"),
        ("[]", "[]"),
        ("1.50", "1.5"),
        ("2.0", "2"),
        ('"it\'s"', '"it\'s"'),
        (
            "$returnCode==$expected.toNumber|| !($result=='1')||true&&$returnCode>0",
            "$returnCode == toNumber($expected) || !($result == '1') || true && $returnCode > 0",
        ),
        ("if ($a) then (x => 1) else 2", "if $a then (x => 1) else 2"),
        ("error('x')", "error('x')"),
        ("`if`()", "`if`()"),
    ],
)
def test_canonical_source(text: str, canonical: str) -> None:
    assert to_source(tree(text)) == canonical  # type: ignore[arg-type]
    assert tree(canonical) == tree(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'x'", "x"),
        ("'a\\x'", "a\\x"),
        ("'$a'", "$a"),
        ("'ONE\r\nTWO'", "ONE\nTWO"),
        ("''->'<-''", "->'<-"),
        ("'''->''<-'''", "->''<-"),
        ('""', ""),
        ('"ö"', "ö"),
        ('"\\\\\\t\\"\\r\\n\\$"', '\\\t"\r\n$'),
    ],
)
def test_string_literals(text: str, value: str) -> None:
    assert tree(text) == Constant(value)


def test_interpolated_string_parts() -> None:
    assert tree('"-->$A$BB<--"') == InterpolatedString(
        (Constant("-->"), NamedValue("A"), NamedValue("BB"), Constant("<--"))
    )
    assert tree('"$A:B"') == InterpolatedString((NamedValue("A"), Constant(":B")))
    assert tree('"${A}B"') == InterpolatedString((NamedValue("A"), Constant("B")))
    assert tree('"$1x"') == InterpolatedString((NamedValue("1"), Constant("x")))
    assert tree('"$("A")"') == Constant("A")
    assert tree('"$(1 + $a)!"') == InterpolatedString(
        (Binary("+", Constant(1), NamedValue("a")), Constant("!"))
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("$a == (1 + 2", "Expected ')' at 1:13 in: $a == (1 + 2"),
        ("1 +", "Expected an expression at 1:4 in: 1 +"),
        ("1 2", "Expected end of expression at 1:3 in: 1 2"),
        ("", "Expected an expression at 1:1 in: "),
        ("$a ==\n  )", "Expected an expression at 2:3 in: $a ==\n  )"),
        ("foo", "Unknown symbol: foo at 1:1 in: foo"),
        ("then", "Unexpected 'then' keyword, maybe parentheses around it are missing? at 1:1 in: then"),
        ("'abc", "Expected properly terminated '…'-quoted string"),
        ("''", "or use \"\" (but not '') for the empty string"),
        ('"abc', "Expected '\"' closing the string at 1:1"),
        ('"\\x"', 'Expected blackslash (\\) and one of the following characters: [\\"trn$] at 1:3'),
        ('"$"', "Expected a name, digits or '{' after '$' at 1:3"),
        ("toNumber(1, 2)", "toNumber function expects exactly one argument"),
        ("substring('a')", "substring function expects exactly two arguments or three arguments"),
        ("replaceAll('a', 'b')", "replaceAll function expects exactly three arguments"),
        ("min(a=1, b=2)", "min function expects exactly two arguments"),
        ("{a: 1, a: 2}", "Duplicate field names in object: a"),
        ("(x, x) => 1", "Duplicate parameter names"),
        ("variable('a', label=L, job=J)", "Expected non-contradicting keywords: label; job"),
        ("argument('a', label=L)", "Unexpected keyword label= in argument(...)"),
        ("argument(default=1)", "Expected one of keywords key="),
        ("variable('a', 'b')", "Expected unique keywords"),
        ("if $a then 1", "Expected 'else' at 1:13"),
        ("[1, 2", "Expected ',' or ']' at 1:6"),
        ("$``", "Identifier in backticks (`) must not be empty"),
        ("1 /* open", "Expected '*/' closing the comment"),
        ("error", "Expected '(' at 1:6"),
        ("JobResource:", "Expected the name of a JobResource"),
    ],
)
def test_errors_name_the_position(text: str, message: str) -> None:
    result = parse(text)
    assert isinstance(result, Problem)
    assert message in result.message


def test_parse_is_cached() -> None:
    assert parse("$a + 1") is parse("$a + 1")


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    result = parse("(" * 5000 + "1" + ")" * 5000)
    assert isinstance(result, Problem)


@pytest.mark.parametrize(
    "chain",
    [
        lambda n: "'a'" + " ++ 'a'" * n,
        lambda n: "true" + " && true" * n,
        lambda n: "$x" + ".a" * n,
        lambda n: "-" * n + "1",
        lambda n: "1" + " ? 1" * n,
        lambda n: "x => " * n + "1",
    ],
)
def test_a_long_chain_is_a_problem_when_parsed_not_a_crash_when_evaluated(
    chain: Callable[[int], str],
) -> None:
    """Chains parse in a loop, but evaluating and printing recurse into the tree: 600 terms of `++` parsed
    and then raised RecursionError in evaluate. Now the parser refuses a tree deeper than the limit."""
    result = parse(chain(600))
    assert isinstance(result, Problem), result
    assert result.message.startswith(f"Expression is nested deeper than {MAX_EXPRESSION_DEPTH} levels: ")
    long_enough = parse(chain(MAX_EXPRESSION_DEPTH - 2))
    assert not isinstance(long_enough, Problem), long_enough
    evaluate(long_enough, MapScope(named_values={"x": {"a": 1}}))
    assert len(to_source(long_enough)) > MAX_EXPRESSION_DEPTH  # printed whole, no RecursionError
