"""Board expressions of ExpectNotices/ConsumeNotices: `'A' || 'B' && 'C'`, evaluated in Kleene logic."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import msgspec

from stellwerk.expr.lexer import Cursor, ParseError, line_and_column
from stellwerk.expr.strings import parse_single_quoted
from stellwerk.model.problems import Problem


class BoardName(msgspec.Struct, frozen=True):
    name: str


class BoardAnd(msgspec.Struct, frozen=True):
    left: BoardExpression
    right: BoardExpression


class BoardOr(msgspec.Struct, frozen=True):
    left: BoardExpression
    right: BoardExpression


BoardExpression = BoardName | BoardAnd | BoardOr


@lru_cache(maxsize=1024)
def parse_board_expression(text: str) -> BoardExpression | Problem:
    cursor = Cursor(text)
    try:
        expression = _or(cursor)
        cursor.skip_whitespace()
        if not cursor.at_end():
            raise cursor.fail("'&&', '||' or end of expression")
    except ParseError as error:
        line, column = line_and_column(text, error.position)
        return Problem(f"{error.message} at {line}:{column} in: {text}")
    return expression


def _or(cursor: Cursor) -> BoardExpression:
    expression = _and(cursor)
    while True:
        cursor.skip_whitespace()
        if not cursor.take_symbol("||"):
            return expression
        expression = BoardOr(expression, _and(cursor))


def _and(cursor: Cursor) -> BoardExpression:
    expression = _operand(cursor)
    while True:
        cursor.skip_whitespace()
        if not cursor.take_symbol("&&"):
            return expression
        expression = BoardAnd(expression, _operand(cursor))


def _operand(cursor: Cursor) -> BoardExpression:
    cursor.skip_whitespace()
    char = cursor.peek()
    if char == "(":
        cursor.pos += 1
        expression = _or(cursor)
        cursor.expect_symbol(")")
        return expression
    if char == "'":
        return BoardName(parse_single_quoted(cursor))
    if char == '"':
        return BoardName(_double_quoted(cursor))
    raise cursor.fail("a quoted board name or '('")


def _double_quoted(cursor: Cursor) -> str:
    start = cursor.pos
    end = cursor.text.find('"', start + 1)
    if end < 0:
        raise cursor.fail("'\"' closing the board name", start)
    cursor.pos = end + 1
    return cursor.text[start + 1 : end]


def board_names(expression: BoardExpression) -> list[str]:
    """The board names in order of appearance, each once."""
    if isinstance(expression, BoardName):
        return [expression.name]
    names = board_names(expression.left)
    names.extend(name for name in board_names(expression.right) if name not in names)
    return names


def evaluate_boards(expression: BoardExpression, availability: Callable[[str], bool | None]) -> bool | None:
    """Kleene's three-valued logic: None is unknown; `False && unknown` is False, `True || unknown` is True."""
    if isinstance(expression, BoardName):
        return availability(expression.name)
    left = evaluate_boards(expression.left, availability)
    if isinstance(expression, BoardAnd):
        if left is False:
            return False
        right = evaluate_boards(expression.right, availability)
        return False if right is False else (None if left is None or right is None else True)
    if left is True:
        return True
    right = evaluate_boards(expression.right, availability)
    return True if right is True else (None if left is None or right is None else False)
