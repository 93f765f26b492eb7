"""MapScope, EmptyScope and the parameter scope of applied lambdas."""

from __future__ import annotations

from stellwerk.expr import EMPTY_SCOPE, MapScope, ParameterScope, evaluate_text
from stellwerk.expr.scope import HasFunctions, HasOrderIds, HasSubagentIds, Scope
from stellwerk.model.problems import Problem

from .support import SCOPE


def test_empty_scope_evaluates_constants_only() -> None:
    assert evaluate_text("[1, 'a'] ++ [true]", EMPTY_SCOPE) == [1, "a", True]
    for text in ("$a", "orderId", "now(format='yyyy')", "env('HOME')", "JobResource:JR:x"):
        assert isinstance(evaluate_text(text, EMPTY_SCOPE), Problem), text


def test_arguments_default_to_the_named_values() -> None:
    scope = MapScope(named_values={"a": 1})
    assert evaluate_text("argument('a')", scope) == 1
    assert isinstance(evaluate_text("argument('a')", MapScope(named_values={"a": 1}, arguments={})), Problem)


def test_parameter_scope_shadows_names_and_delegates_the_rest() -> None:
    scope: Scope = ParameterScope({"mode": "slow"}, SCOPE)
    assert evaluate_text("$mode", scope) == "slow"
    assert evaluate_text("$name", scope) == "Alice"
    assert evaluate_text("argument('mode')", scope) == "fast"
    assert evaluate_text("variable('returnCode', label=build)", scope) == 1
    assert evaluate_text("variable('returnCode', job=compile)", scope) == 2
    assert evaluate_text("orderId", scope) == "#2024-05-01#P0102030405-daily"
    assert evaluate_text("$js7EpochSecond", scope) == 1714543200
    assert evaluate_text("scheduledOrEmpty(format='yyyy')", scope) == "2024"
    assert evaluate_text("env('HOME')", scope) == "/home/a"
    assert evaluate_text("JobResource:JR", scope) == {"url": "https://x", "n": 1}
    assert evaluate_text("JobResource:JR:n", scope) == 1
    assert evaluate_text("subagentIds('B')", scope) == ["B1", "B2"]
    assert evaluate_text("uniqueOrderId('o-%d')", scope) == "o-3"
    assert isinstance(evaluate_text("nothing()", scope), Problem)


def test_optional_capabilities() -> None:
    assert isinstance(SCOPE, HasSubagentIds)
    assert isinstance(SCOPE, HasOrderIds)
    assert not isinstance(SCOPE, HasFunctions)
