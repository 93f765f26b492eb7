"""String literals: 'literal' (also ''with ' inside''), and "interpolated $name ${a.b} $(expr)" with escapes."""

from __future__ import annotations

from collections.abc import Callable

from stellwerk.expr.ast import Constant, Dot, Expression, InterpolatedString, NamedValue
from stellwerk.expr.lexer import Cursor, ParseError

_ESCAPES = {"\\": "\\", '"': '"', "t": "\t", "r": "\r", "n": "\n", "$": "$"}

ParseParenthesized = Callable[[Cursor], Expression]


def parse_single_quoted(cursor: Cursor) -> str:
    """Opened by n quotes, closed by the next n quotes; the content is taken literally and must not be empty."""
    start = cursor.pos
    text = cursor.text
    quotes = 0
    while cursor.peek(quotes) == "'":
        quotes += 1
    content_start = start + quotes
    index = content_start
    while index < len(text):
        if text[index] != "'":
            index += 1
            continue
        run = 0
        while index + run < len(text) and text[index + run] == "'":
            run += 1
        if run >= quotes and index > content_start:
            cursor.pos = index + quotes
            return text[content_start:index].replace("\r\n", "\n")
        index += run
    delimiter = "'" * quotes
    raise ParseError(
        f"Expected properly terminated {delimiter}…{delimiter}-quoted string"
        " — or use \"\" (but not '') for the empty string",
        start,
    )


def parse_double_quoted(cursor: Cursor, parse_parenthesized: ParseParenthesized) -> Expression:
    start = cursor.pos
    cursor.pos += 1
    parts: list[Expression] = []
    constant: list[str] = []
    while True:
        char = cursor.peek()
        if char == "":
            raise cursor.fail("'\"' closing the string", start)
        cursor.pos += 1
        if char == '"':
            break
        if char == "\\":
            constant.append(_escaped_char(cursor))
        elif char == "$":
            if constant:
                parts.append(Constant("".join(constant)))
                constant.clear()
            parts.append(_interpolation(cursor, parse_parenthesized))
        else:
            constant.append(char)
    if constant:
        parts.append(Constant("".join(constant)))
    if not parts:
        return Constant("")
    if len(parts) == 1 and isinstance(parts[0], Constant) and isinstance(parts[0].value, str):
        return parts[0]
    return InterpolatedString(tuple(parts))


def _escaped_char(cursor: Cursor) -> str:
    char = cursor.peek()
    if char not in _ESCAPES or char == "":
        raise ParseError(
            'Expected blackslash (\\) and one of the following characters: [\\"trn$]', cursor.pos
        )
    cursor.pos += 1
    return _ESCAPES[char]


def _interpolation(cursor: Cursor, parse_parenthesized: ParseParenthesized) -> Expression:
    if cursor.peek() == "(":
        return parse_parenthesized(cursor)
    return parse_dollar_name(cursor)


def parse_dollar_name(cursor: Cursor) -> Expression:
    """What follows a `$`: a name, digits (a regex group), or `{name.field…}`."""
    digits = cursor.take_digits()
    if digits is not None:
        return NamedValue(digits)
    name = cursor.take_identifier()
    if name is not None:
        return NamedValue(name)
    if cursor.peek() != "{":
        raise cursor.fail("a name, digits or '{' after '$'")
    cursor.pos += 1
    expression: Expression = NamedValue(cursor.expect_identifier())
    while True:
        cursor.skip_whitespace()
        if not cursor.take_symbol("."):
            break
        expression = Dot(expression, cursor.expect_identifier())
    cursor.expect_symbol("}")
    return expression
