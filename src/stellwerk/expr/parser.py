"""Recursive-descent parser for JS7 expressions, precedence as in js7-reference §5.1 (lowest first)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from stellwerk.expr.ast import (
    Apply,
    Argument,
    Binary,
    BinaryOperator,
    Catch,
    Constant,
    Dot,
    ErrorExpr,
    Expression,
    FunctionCall,
    FunctionExpr,
    IfThenElse,
    JobResourceVariable,
    ListExpr,
    ObjectExpr,
    OrMissing,
    Unary,
    nesting_depth,
)
from stellwerk.expr.calls import parse_call_arguments, parse_variable_lookup
from stellwerk.expr.lexer import Cursor, ParseError, is_identifier_part, line_and_column
from stellwerk.expr.runtime import MISSING
from stellwerk.expr.strings import parse_dollar_name, parse_double_quoted, parse_single_quoted
from stellwerk.model.problems import Problem

KEYWORDS = frozenset(
    {"argument", "false", "else", "error", "in", "if", "matches", "missing", "then", "true", "variable"}
)
KNOWN_SYMBOLS = frozenset(
    {
        "controllerId",
        "job",
        "maxTries",
        "label",
        "orderId",
        "timedOut",
        "tryCount",
        "workflow",
        "workflowPath",
        "workflowPosition",
    }
)
LEGACY_SUFFIXES = frozenset({"toNumber", "toBoolean", "stripMargin", "mkString"})
# Chains (`a ++ b ++ …`, `$x.a.b…`, `- - 1`) parse in loops, but evaluating and printing recurse into the
# tree, about three Python frames per level: deeper trees are refused, so that those never overflow the stack.
MAX_EXPRESSION_DEPTH = 100
_CONSTANT_KEYWORDS = {"true": True, "false": False, "missing": MISSING}
# Words that end an operand, so `a ? then` is `a?` followed by `then`, not `a ? <symbol then>`.
_STOP_WORDS = frozenset({"then", "else", "in", "matches", "if"})
_JOB_RESOURCE = "JobResource:"
_T = TypeVar("_T")

_LEVELS: tuple[tuple[BinaryOperator, ...], ...] = (
    ("in", "matches"),
    ("||",),
    ("&&",),
    ("==", "!="),
    ("<=", ">=", "<", ">"),
    ("++", "+", "-"),
    ("*", "/"),
)


@lru_cache(maxsize=4096)
def parse(text: str) -> Expression | Problem:
    """Parses an expression (or a function like `(x, i) => …`); a Problem names the position of the error."""
    cursor = Cursor(text)
    try:
        expression = _Parser(cursor).expression()
        cursor.skip_whitespace()
        if not cursor.at_end():
            raise cursor.fail("end of expression")
    except ParseError as error:
        line, column = line_and_column(text, error.position)
        return Problem(f"{error.message} at {line}:{column} in: {text}")
    except RecursionError:
        return _too_deep(text)
    if nesting_depth(expression) > MAX_EXPRESSION_DEPTH:
        return _too_deep(text)
    return expression


def _too_deep(text: str) -> Problem:
    return Problem(f"Expression is nested deeper than {MAX_EXPRESSION_DEPTH} levels: {text[:50]}")


class _Parser:
    __slots__ = ("cursor",)

    def __init__(self, cursor: Cursor) -> None:
        self.cursor = cursor

    def expression(self) -> Expression:
        cursor = self.cursor
        cursor.skip_whitespace()
        function = self._function_or_none()
        if function is not None:
            return function
        if cursor.take_keyword("if"):
            return self._if_then_else()
        return self._binary(0)

    def parenthesized(self) -> Expression:
        self.cursor.expect_symbol("(")
        expression = self.expression()
        self.cursor.expect_symbol(")")
        return expression

    def _if_then_else(self) -> Expression:
        condition = self._binary(0)
        self._expect_keyword("then")
        then = self.expression()
        self._expect_keyword("else")
        return IfThenElse(condition, then, self.expression())

    def _expect_keyword(self, word: str) -> None:
        self.cursor.skip_whitespace()
        if not self.cursor.take_keyword(word):
            raise self.cursor.fail(f"'{word}'")

    def _binary(self, level: int) -> Expression:
        if level == len(_LEVELS):
            return self._prefix()
        operators = _LEVELS[level]
        left = self._binary(level + 1)
        while True:
            self.cursor.skip_whitespace()
            operator = self._take_operator(operators)
            if operator is None:
                return left
            left = Binary(operator, left, self._binary(level + 1))

    def _take_operator(self, operators: tuple[BinaryOperator, ...]) -> BinaryOperator | None:
        cursor = self.cursor
        for operator in operators:
            found = cursor.take_keyword(operator) if operator[0].isalpha() else cursor.take_symbol(operator)
            if found:
                return operator
        return None

    def _prefix(self) -> Expression:
        cursor = self.cursor
        cursor.skip_whitespace()
        if cursor.take_symbol("!"):
            return Unary("!", self._prefix())
        if cursor.peek() == "-" and not cursor.at_number():
            cursor.pos += 1
            return Unary("-", self._prefix())
        return self._question_mark()

    def _question_mark(self) -> Expression:
        cursor = self.cursor
        expression = self._postfix()
        while True:
            cursor.skip_whitespace()
            if not cursor.take_symbol("?"):
                return expression
            cursor.skip_whitespace()
            if self._at_operand():
                expression = Catch(expression, self._postfix())
            else:
                expression = OrMissing(expression)

    def _at_operand(self) -> bool:
        cursor = self.cursor
        if cursor.peek() in ("(", "[", "{", "'", '"', "$", "`") or cursor.at_number():
            return True
        return cursor.at_identifier() and not any(cursor.at_keyword(word) for word in _STOP_WORDS)

    def _postfix(self) -> Expression:
        expression = self._factor()
        suffixes: list[str | Expression] = []
        cursor = self.cursor
        while True:
            before = cursor.pos
            cursor.skip_whitespace()
            if cursor.peek() == "(":
                suffixes.append(self.parenthesized())
            elif cursor.take_symbol("."):
                suffixes.append(cursor.expect_identifier())
            else:
                cursor.pos = before
                break
        if len(suffixes) == 1 and suffixes[0] in LEGACY_SUFFIXES:
            return _legacy_call(str(suffixes[0]), expression)
        for suffix in suffixes:
            expression = Dot(expression, suffix) if isinstance(suffix, str) else Apply(expression, suffix)
        return expression

    def _factor(self) -> Expression:
        cursor = self.cursor
        cursor.skip_whitespace()
        char = cursor.peek()
        if char == "(":
            return self.parenthesized()
        if cursor.at_number():
            return Constant(cursor.take_number())
        if char == "'":
            return Constant(parse_single_quoted(cursor))
        if char == '"':
            return parse_double_quoted(cursor, self.parenthesized_at)
        if char == "[":
            return ListExpr(tuple(self._sequence("[", "]", self.expression)))
        if char == "{":
            return self._object()
        if char == "$":
            cursor.pos += 1
            return parse_dollar_name(cursor)
        if cursor.at_identifier():
            return self._word()
        raise cursor.fail("an expression")

    def parenthesized_at(self, cursor: Cursor) -> Expression:
        return self.parenthesized()

    def _word(self) -> Expression:
        cursor = self.cursor
        start = cursor.pos
        if cursor.peek() != "`":
            for word, value in _CONSTANT_KEYWORDS.items():
                if cursor.take_keyword(word):
                    return Constant(value)
            if cursor.text.startswith(_JOB_RESOURCE, start):
                return self._job_resource()
            if cursor.take_keyword("error"):
                return ErrorExpr(self.parenthesized())
            for word in ("argument", "variable"):
                if cursor.take_keyword(word):
                    return parse_variable_lookup(cursor, word, self.expression)
        name = cursor.expect_identifier()
        after_name = cursor.pos
        cursor.skip_whitespace()
        if cursor.peek() == "(":
            return FunctionCall(name, parse_call_arguments(cursor, name, self.expression))
        cursor.pos = after_name
        if name in KNOWN_SYMBOLS:
            return FunctionCall(name)
        if name in KEYWORDS:
            raise ParseError(f"Unexpected '{name}' keyword, maybe parentheses around it are missing?", start)
        raise ParseError(f"Unknown symbol: {name}", start)

    def _job_resource(self) -> Expression:
        cursor = self.cursor
        cursor.pos += len(_JOB_RESOURCE)
        start = cursor.pos
        while is_identifier_part(cursor.peek()) or cursor.peek() in ("-", "/", "."):
            cursor.pos += 1
        path = cursor.text[start : cursor.pos]
        if not path:
            raise cursor.fail("the name of a JobResource")
        if cursor.peek() == ":":
            cursor.pos += 1
            name = cursor.take_identifier()
            if name is None:
                raise cursor.fail("a variable name after ':'")
            return JobResourceVariable(path, name)
        return JobResourceVariable(path)

    def _object(self) -> Expression:
        fields = self._sequence("{", "}", self._object_field)
        names = [name for name, _ in fields]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ParseError(f"Duplicate field names in object: {', '.join(duplicates)}", self.cursor.pos)
        return ObjectExpr(tuple(fields))

    def _object_field(self) -> tuple[str, Expression]:
        name = self.cursor.expect_identifier()
        self.cursor.expect_symbol(":")
        return name, self.expression()

    def _sequence(self, opening: str, closing: str, element: Callable[[], _T]) -> list[_T]:
        cursor = self.cursor
        cursor.expect_symbol(opening)
        cursor.skip_whitespace()
        elements: list[_T] = []
        if cursor.take_symbol(closing):
            return elements
        while True:
            elements.append(element())
            cursor.skip_whitespace()
            if cursor.take_symbol(closing):
                return elements
            if not cursor.take_symbol(","):
                raise cursor.fail(f"',' or '{closing}'")

    def _function_or_none(self) -> FunctionExpr | None:
        cursor = self.cursor
        start = cursor.pos
        parameters = _scan_parameters(cursor)
        if parameters is not None:
            cursor.skip_whitespace()
            if cursor.take_symbol("=>"):
                if len(set(parameters)) != len(parameters):
                    raise ParseError("Duplicate parameter names", start)
                return FunctionExpr(tuple(parameters), self.expression())
        cursor.pos = start
        return None


def _scan_parameters(cursor: Cursor) -> list[str] | None:
    try:
        if cursor.peek() != "(":
            name = cursor.take_identifier()
            return None if name is None else [name]
        cursor.pos += 1
        cursor.skip_whitespace()
        if cursor.take_symbol(")"):
            return []
        names: list[str] = []
        while True:
            cursor.skip_whitespace()
            name = cursor.take_identifier()
            if name is None:
                return None
            names.append(name)
            cursor.skip_whitespace()
            if cursor.take_symbol(")"):
                return names
            if not cursor.take_symbol(","):
                return None
    except ParseError:
        return None


def _legacy_call(name: str, operand: Expression) -> Expression:
    return FunctionCall(name, (Argument(operand),))
