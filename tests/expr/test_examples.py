"""The expressions of the conformance examples (js7-reference §10) and a speed check."""

from __future__ import annotations

import timeit

from stellwerk.expr import MapScope, apply_function, evaluate, evaluate_text, parse
from stellwerk.expr.runtime import FunctionValue
from stellwerk.model.problems import Problem


def test_date_from_a_daily_plan_order_id() -> None:
    scope = MapScope(symbols={"orderId": "#2024-05-01#P0102030405-daily"})
    text = "replaceAll($js7OrderId, '^#([0-9]{4}-[0-9]{2}-[0-9]{2})#.*$', '$1')"
    assert evaluate_text(text, scope) == "2024-05-01"


def test_if_predicate_on_return_code_and_parameter() -> None:
    text = "$returnCode == 3 && $mode == 'fast'"
    assert evaluate_text(text, MapScope(named_values={"returnCode": 3, "mode": "fast"})) is True
    assert evaluate_text(text, MapScope(named_values={"returnCode": 3, "mode": "slow"})) is False
    assert evaluate_text(text, MapScope(named_values={"returnCode": 0})) is False
    assert isinstance(evaluate_text(text, MapScope(named_values={"returnCode": 3})), Problem)


def test_fork_list_over_hosts() -> None:
    scope = MapScope(named_values={"hosts": [{"host": "alpha"}, {"host": "beta"}]})
    hosts = evaluate_text("$hosts", scope)
    to_id = evaluate_text('(x, i) => ($i + 1) ++ "." ++ $x.host', scope)
    to_arguments = evaluate_text("(x) => $x", scope)
    assert isinstance(hosts, list)
    assert isinstance(to_id, FunctionValue)
    assert isinstance(to_arguments, FunctionValue)
    ids = [apply_function(to_id, [element, index], scope) for index, element in enumerate(hosts)]
    assert ids == ["1.alpha", "2.beta"]
    assert [apply_function(to_arguments, [element], scope) for element in hosts] == hosts


def test_a_day_later() -> None:
    scope = MapScope(now=1714543200000)
    assert evaluate_text("$js7EpochMilli + 24 * 60 * 60 * 1000", scope) == 1714629600000


def test_timed_out_predicate_and_quoted_prompt() -> None:
    assert evaluate_text("timedOut", MapScope(symbols={"timedOut": True})) is True
    assert evaluate_text("'Approve deployment?'", MapScope()) == "Approve deployment?"


def test_return_code_comparison_takes_microseconds() -> None:
    expression = parse("$returnCode == 0")
    assert not isinstance(expression, Problem)
    scope = MapScope(named_values={"returnCode": 0})
    assert evaluate(expression, scope) is True
    seconds = min(timeit.repeat(lambda: evaluate(expression, scope), number=10_000, repeat=3)) / 10_000
    assert seconds < 20e-6  # measured about 1 µs; the margin is for slow CI machines
