"""Argument lists: `f(a, name=b)`, and the special forms `argument(...)` and `variable(...)`."""

from __future__ import annotations

from collections.abc import Callable

from stellwerk.expr.ast import Argument, Expression, VariableLookup, Where
from stellwerk.expr.lexer import Cursor, ParseError

ParseExpression = Callable[[], Expression]

# Built-in functions whose argument count JS7 checks while parsing.
_ARITIES: dict[str, tuple[int, ...]] = {
    "toBoolean": (1,),
    "toNumber": (1,),
    "stripMargin": (1,),
    "mkString": (1,),
    "impure": (1,),
    "replaceAll": (3,),
    "substring": (2, 3),
    "match": (3,),
    "min": (2,),
    "max": (2,),
}
_COUNT_WORDS = {1: "one argument", 2: "two arguments", 3: "three arguments"}


def parse_call_arguments(cursor: Cursor, name: str, expression: ParseExpression) -> tuple[Argument, ...]:
    start = cursor.pos
    pairs = _keyed_arguments(cursor, expression, raw_keys=(), allowed=None)
    arguments = tuple(Argument(value, key) for key, value in pairs if not isinstance(value, str))
    arities = _ARITIES.get(name)
    if arities is not None and (
        len(arguments) not in arities or any(argument.name is not None for argument in arguments)
    ):
        expected = " or ".join(_COUNT_WORDS[count] for count in arities)
        raise ParseError(f"{name} function expects exactly {expected}", start)
    return arguments


def parse_variable_lookup(cursor: Cursor, word: str, expression: ParseExpression) -> VariableLookup:
    """`argument(key, default=…)`, `variable(key, label=L | job=J, default=…)`; `key=` may name the key."""
    start = cursor.pos
    raw_keys = ("label", "job") if word == "variable" else ()
    allowed = {"", "key", "default", *raw_keys}
    pairs = _keyed_arguments(cursor, expression, raw_keys, allowed=(word, allowed))
    keys = [key or "" for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ParseError(f"Expected unique keywords (duplicates: {', '.join(duplicates)})", start)
    by_key = {key or "": value for key, value in pairs}
    return VariableLookup(
        key=_one_of(by_key, ("key", ""), "Expected one of keywords key=, or a first argument", start),
        where=_where(by_key, word, start),
        where_name=_where_name(by_key),
        default=_expression_or_none(by_key.get("default")),
    )


def _one_of(
    by_key: dict[str, Expression | str], keys: tuple[str, ...], message: str, start: int
) -> Expression:
    found = [by_key[key] for key in keys if key in by_key]
    if len(found) != 1 or isinstance(found[0], str):
        raise ParseError(message, start)
    return found[0]


def _where(by_key: dict[str, Expression | str], word: str, start: int) -> Where:
    if word == "argument":
        return "argument"
    if "label" in by_key and "job" in by_key:
        raise ParseError("Expected non-contradicting keywords: label; job", start)
    if "label" in by_key:
        return "label"
    return "job" if "job" in by_key else "last"


def _where_name(by_key: dict[str, Expression | str]) -> str | None:
    name = by_key.get("label", by_key.get("job"))
    return name if isinstance(name, str) else None


def _expression_or_none(value: Expression | str | None) -> Expression | None:
    return None if isinstance(value, str) else value


def _keyed_arguments(
    cursor: Cursor,
    expression: ParseExpression,
    raw_keys: tuple[str, ...],
    allowed: tuple[str, set[str]] | None,
) -> list[tuple[str | None, Expression | str]]:
    """`(a, key=b, …)`; the value of a key in `raw_keys` is a bare name (a label or a job name).

    `allowed` is (function name, keys) for the special forms that accept only some keys.
    """
    cursor.expect_symbol("(")
    cursor.skip_whitespace()
    pairs: list[tuple[str | None, Expression | str]] = []
    if cursor.take_symbol(")"):
        return pairs
    while True:
        cursor.skip_whitespace()
        key_position = cursor.pos
        key = _key_or_none(cursor)
        if allowed is not None and key is not None and key not in allowed[1]:
            raise ParseError(f"Unexpected keyword {key}= in {allowed[0]}(...)", key_position)
        value: Expression | str = cursor.expect_identifier() if key in raw_keys else expression()
        pairs.append((key, value))
        cursor.skip_whitespace()
        if cursor.take_symbol(")"):
            return pairs
        if not cursor.take_symbol(","):
            raise cursor.fail("',' or ')'")


def _key_or_none(cursor: Cursor) -> str | None:
    start = cursor.pos
    try:
        name = cursor.take_identifier()
    except ParseError:
        name = None
    if name is not None:
        cursor.skip_whitespace()
        if cursor.take_symbol("="):
            cursor.skip_whitespace()
            return name
    cursor.pos = start
    return None
