"""Printing and re-parsing: random trees survive the round trip with the same value (hypothesis)."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from stellwerk.expr import parse, to_source
from stellwerk.expr.ast import (
    Apply,
    Argument,
    Binary,
    Catch,
    Constant,
    Dot,
    Expression,
    FunctionCall,
    IfThenElse,
    InterpolatedString,
    ListExpr,
    NamedValue,
    ObjectExpr,
    OrMissing,
    Unary,
)
from stellwerk.expr.evaluate import evaluate
from stellwerk.expr.operators import values_equal
from stellwerk.expr.runtime import MISSING
from stellwerk.model.problems import Problem

from .support import SCOPE, ev

_OPERATORS = ["*", "/", "+", "-", "++", "<", "<=", ">", ">=", "==", "!=", "&&", "||", "in", "matches"]
_NAMES = ["returnCode", "mode", "pi", "flag", "list", "x", "unknown", "1", "weird name"]
_FIELDS = ["host", "port", "a", "b c"]

_constants = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False).map(
        lambda d: d.normalize() if d != d.to_integral_value() else int(d)
    ),
    st.text(max_size=8),
    st.booleans(),
    st.just(MISSING),
).map(Constant)


def _composite(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    return st.one_of(
        st.builds(Binary, st.sampled_from(_OPERATORS), children, children),
        st.builds(Unary, st.sampled_from(["!", "-"]), children),
        st.builds(OrMissing, children),
        st.builds(Catch, children, children),
        st.builds(IfThenElse, children, children, children),
        st.builds(Dot, children, st.sampled_from(_FIELDS)),
        st.builds(Apply, children, children),
        st.lists(children, max_size=3).map(lambda elements: ListExpr(tuple(elements))),
        st.dictionaries(st.sampled_from(_FIELDS), children, max_size=2).map(
            lambda fields: ObjectExpr(tuple(fields.items()))
        ),
        st.lists(
            st.one_of(children, st.text(min_size=1, max_size=4).map(Constant)), min_size=2, max_size=3
        ).map(lambda parts: InterpolatedString(tuple(parts))),
        st.builds(lambda a, b: FunctionCall("max", (Argument(a), Argument(b))), children, children),
    )


expressions = st.recursive(
    st.one_of(_constants, st.sampled_from(_NAMES).map(NamedValue), st.just(FunctionCall("orderId"))),
    _composite,
    max_leaves=12,
)


def _same(a: object, b: object) -> bool:
    if isinstance(a, Problem) or isinstance(b, Problem):
        return isinstance(a, Problem) and isinstance(b, Problem) and a.message == b.message
    return values_equal(a, b)


@settings(max_examples=400, deadline=None)
@given(expressions)
def test_printed_tree_reparses_to_the_same_value(expression: Expression) -> None:
    source = to_source(expression)
    reparsed = parse(source)
    assert not isinstance(reparsed, Problem), (source, reparsed)
    assert not isinstance(parse(to_source(reparsed)), Problem)
    assert _same(evaluate(reparsed, SCOPE), evaluate(expression, SCOPE)), source


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from(["+", "-", "*"]),
)
def test_integer_arithmetic_agrees_with_python(a: int, b: int, operator: str) -> None:
    expected = {"+": a + b, "-": a - b, "*": a * b}[operator]
    assert ev(f"{a} {operator} {b}") == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_division_is_exact_to_34_digits(a: int, b: int) -> None:
    result = ev(f"{a} / {b}")
    assert isinstance(result, int | Decimal)
    with localcontext(prec=80):
        error = abs(Decimal(result) - Decimal(a) / Decimal(b))
        assert error <= abs(Decimal(a) / Decimal(b)) * Decimal(10) ** -33


def test_examples_of_printing() -> None:
    tree = Binary("*", Binary("+", Constant(1), Constant(2)), Unary("-", Constant(-3)))
    assert to_source(tree) == "(1 + 2) * -(-3)"
    assert to_source(Apply(FunctionCall("orderId"), Constant(0))) == "(orderId)(0)"
    assert to_source(NamedValue("a b")) == "$`a b`"
    assert to_source(InterpolatedString((NamedValue("a"), Constant("b")))) == '"$(\\$a)b"'.replace("\\", "")
    assert to_source(Constant("it's")) == '"it\'s"'
    assert to_source(Constant("a\r")) == '"a\\r"'
