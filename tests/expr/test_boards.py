"""Board expressions of ExpectNotices/ConsumeNotices (js7-reference §3.4)."""

from __future__ import annotations

import pytest

from stellwerk.expr.boards import (
    BoardAnd,
    BoardName,
    BoardOr,
    board_names,
    evaluate_boards,
    parse_board_expression,
)
from stellwerk.model.problems import Problem


def test_and_binds_tighter_than_or() -> None:
    assert parse_board_expression("'A' || 'B' && 'C'") == BoardOr(
        BoardName("A"), BoardAnd(BoardName("B"), BoardName("C"))
    )


def test_parentheses_and_double_quotes() -> None:
    assert parse_board_expression('("A" || \'B\') && "C"') == BoardAnd(
        BoardOr(BoardName("A"), BoardName("B")), BoardName("C")
    )


def test_names_in_order_of_appearance_each_once() -> None:
    expression = parse_board_expression("'B' && ('A' || 'B') && 'C'")
    assert not isinstance(expression, Problem)
    assert board_names(expression) == ["B", "A", "C"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("'A' &&", "Expected a quoted board name or '(' at 1:7"),
        ("A", "Expected a quoted board name or '(' at 1:1"),
        ("('A'", "Expected ')' at 1:5"),
        ("'A' 'B'", "Expected '&&', '||' or end of expression at 1:5"),
        ('"A', "closing the board name"),
    ],
)
def test_errors(text: str, message: str) -> None:
    result = parse_board_expression(text)
    assert isinstance(result, Problem)
    assert message in result.message


_KLEENE_AND = [
    (True, True, True),
    (True, False, False),
    (True, None, None),
    (False, None, False),
    (None, False, False),
    (None, None, None),
    (False, False, False),
]


@pytest.mark.parametrize(("a", "b", "expected"), _KLEENE_AND)
def test_kleene_and(a: bool | None, b: bool | None, expected: bool | None) -> None:
    expression = parse_board_expression("'A' && 'B'")
    assert not isinstance(expression, Problem)
    assert evaluate_boards(expression, {"A": a, "B": b}.get) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (True, None, True),
        (None, True, True),
        (False, None, None),
        (None, None, None),
        (False, False, False),
        (False, True, True),
    ],
)
def test_kleene_or(a: bool | None, b: bool | None, expected: bool | None) -> None:
    expression = parse_board_expression("'A' || 'B'")
    assert not isinstance(expression, Problem)
    assert evaluate_boards(expression, {"A": a, "B": b}.get) is expected


def test_short_circuit_does_not_ask_for_the_other_boards() -> None:
    asked: list[str] = []

    def availability(name: str) -> bool | None:
        asked.append(name)
        return False

    expression = parse_board_expression("'A' && 'B'")
    assert not isinstance(expression, Problem)
    assert evaluate_boards(expression, availability) is False
    assert asked == ["A"]
