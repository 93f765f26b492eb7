"""Java regular expressions and replacements on Python's re."""

from __future__ import annotations

import re

import pytest

from stellwerk.expr.regex import compile_java_regex, parse_java_replacement, replace, translate_java_regex
from stellwerk.model.problems import Problem


@pytest.mark.parametrize(
    ("java", "python"),
    [
        ("(?<year>\\d{4})", "(?P<year>\\d{4})"),
        ("(?<=a)b(?<!c)", "(?<=a)b(?<!c)"),
        ("(?<q>.)\\k<q>", "(?P<q>.)(?P=q)"),
        ("a\\z", "a\\Z"),
        ("\\Qa.b\\E", "a\\.b"),
        ("\\p{Digit}\\P{Alpha}", "[0-9][^a-zA-Z]"),
        ("[a-z]+\\.\\d", "[a-z]+\\.\\d"),
        # Inside a class a POSIX class is its ranges: "[[a-zA-Z]_]" would be a nested set.
        ("[\\p{Alpha}_]", "[a-zA-Z_]"),
        ("[^\\p{Digit}\\p{Space}]", "[^0-9 \\t\\n\\x0B\\f\\r]"),
    ],
)
def test_translation(java: str, python: str) -> None:
    assert translate_java_regex(java) == python


def test_compiled_patterns_are_cached() -> None:
    first = compile_java_regex("a+b")
    assert isinstance(first, re.Pattern)
    assert compile_java_regex("a+b") is first


@pytest.mark.parametrize(
    ("replacement", "groups", "parts"),
    [
        ("x", 0, ("x",)),
        ("$1-$2", 2, (1, "-", 2)),
        ("$12", 1, (1, "2")),
        ("$12", 12, (12,)),
        ("${name}!", 1, (("name",), "!")),
        ("\\$1\\\\", 1, ("$1\\",)),
    ],
)
def test_replacement_parsing(replacement: str, groups: int, parts: tuple[object, ...]) -> None:
    assert parse_java_replacement(replacement, groups) == parts


def test_unmatched_group_is_empty_and_unknown_name_is_a_problem() -> None:
    pattern = compile_java_regex("(a)|(b)")
    assert isinstance(pattern, re.Pattern)
    assert replace("b", pattern, "[$1]") == "[]"
    named = compile_java_regex("(?<x>a)")
    assert isinstance(named, re.Pattern)
    assert isinstance(replace("a", named, "${y}"), Problem)


def test_a_posix_class_inside_a_class_matches_as_in_java() -> None:
    pattern = compile_java_regex("^[\\p{Alpha}_]+$")
    assert isinstance(pattern, re.Pattern)
    assert pattern.match("snake_Case") and not pattern.match("a1")


@pytest.mark.parametrize(
    ("java", "doubt"),
    [
        ("[[a]b]", "Possible nested set"),  # a union in Java
        ("[a-z&&[^aeiou]]", "Possible set intersection"),  # an intersection in Java
        ("[a||b]", "Possible set union"),  # a union in later Python
        ("[\\P{Alpha}_]", "\\P{Alpha} inside a character class"),
    ],
)
def test_class_operations_python_reads_otherwise_are_a_problem_not_a_warning(java: str, doubt: str) -> None:
    """Python warned (a FutureWarning, an error under pytest) and read them as literal characters, where Java
    reads a union or an intersection (and a later Python a class operation)."""
    result = compile_java_regex(java)
    assert isinstance(result, Problem), result
    assert doubt in result.message and java in result.message
