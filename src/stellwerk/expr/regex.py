"""Java regular expressions and `$1` replacements on Python's `re`, compiled once and cached."""

from __future__ import annotations

import re
import warnings
from functools import lru_cache
from typing import TypeAlias

from stellwerk.model.problems import Problem

# A parsed replacement: literal text, a group number, or a group name in a 1-tuple.
ReplacementPart: TypeAlias = "str | int | tuple[str]"
Replacement: TypeAlias = tuple[ReplacementPart, ...]

_POSIX_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Space": " \\t\\n\\x0B\\f\\r",
    "XDigit": "0-9a-fA-F",
    "Blank": " \\t",
}


@lru_cache(maxsize=1024)
def compile_java_regex(pattern: str) -> re.Pattern[str] | Problem:
    translated = translate_java_regex(pattern)
    if isinstance(translated, Problem):
        return translated
    try:
        compiled, doubt = _compiled(translated)
    except re.error as error:
        position = error.pos if error.pos is not None else len(pattern)
        marked = pattern[:position] + "❓" + pattern[position:]
        return Problem(f"{error.msg} in regular expression pattern: “{marked}”")
    if doubt is not None:
        return Problem(
            f"{doubt} in a character class (a class operation in Java or in later Pythons), not supported "
            f"in regular expression pattern: “{pattern}”"
        )
    return compiled


def _compiled(translated: str) -> tuple[re.Pattern[str], str | None]:
    """re.compile, and the first FutureWarning it gives (without its position in the translated text): a set
    nested in a set or a doubled `&&`, `||`, `--`, `~~` in one, which Python reads as literal characters."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FutureWarning)
        compiled = re.compile(translated)
    doubts = [str(w.message) for w in caught if issubclass(w.category, FutureWarning)]
    return compiled, re.sub(r" at position \d+$", "", doubts[0]) if doubts else None


def translate_java_regex(pattern: str) -> str | Problem:
    """Rewrites the Java-only forms: (?<name>…), \\k<name>, \\z, \\Z, \\Q…\\E and \\p{Posix} classes."""
    out: list[str] = []
    index = 0
    class_start: int | None = None  # inside a character class: where its members begin
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            translated, index = _translate_escape(pattern, index, inside_class=class_start is not None)
            if isinstance(translated, Problem):
                return translated
            out.append(translated)
            continue
        if class_start is None:
            if pattern.startswith("(?<", index) and pattern[index + 3 : index + 4] not in ("=", "!"):
                out.append("(?P<")
                index += 3
                continue
            if char == "[":
                class_start = index + (2 if pattern.startswith("^", index + 1) else 1)
        elif char == "]" and index > class_start:  # a "]" first in a class is a member
            class_start = None
        out.append(char)
        index += 1
    return "".join(out)


def _translate_escape(pattern: str, index: int, *, inside_class: bool) -> tuple[str | Problem, int]:
    code = pattern[index + 1]
    if code == "z":
        return "\\Z", index + 2
    if code == "Z":
        return "(?=\\n?\\Z)", index + 2
    if code == "Q":
        end = pattern.find("\\E", index + 2)
        end = len(pattern) if end < 0 else end
        return re.escape(pattern[index + 2 : end]), end + 2
    if code == "k" and pattern[index + 2 : index + 3] == "<":
        end = pattern.find(">", index)
        return f"(?P={pattern[index + 3 : end]})", end + 1
    if code in "pP" and pattern[index + 2 : index + 3] == "{":
        end = pattern.find("}", index)
        name = pattern[index + 3 : end].removeprefix("Is")
        if name not in _POSIX_CLASSES:
            return Problem(f"Unsupported character class in regular expression: \\{code}{{{name}}}"), index
        if not inside_class:
            return f"[{'^' if code == 'P' else ''}{_POSIX_CLASSES[name]}]", end + 1
        if code == "P":
            return Problem(f"\\P{{{name}}} inside a character class is not supported: “{pattern}”"), index
        return _POSIX_CLASSES[name], end + 1
    return pattern[index : index + 2], index + 2


@lru_cache(maxsize=1024)
def parse_java_replacement(replacement: str, group_count: int) -> Replacement | Problem:
    """Java's replacement syntax: `$n` (as many digits as name a group), `${name}`, `\\x` for a literal x."""
    parts: list[ReplacementPart] = []
    literal: list[str] = []
    index = 0
    while index < len(replacement):
        char = replacement[index]
        if char == "\\":
            if index + 1 >= len(replacement):
                return Problem("character to be escaped is missing")
            literal.append(replacement[index + 1])
            index += 2
        elif char == "$":
            reference = _group_reference(replacement, index + 1, group_count)
            if isinstance(reference, Problem):
                return reference
            part, index = reference
            if literal:
                parts.append("".join(literal))
                literal.clear()
            parts.append(part)
        else:
            literal.append(char)
            index += 1
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


def _group_reference(text: str, index: int, group_count: int) -> tuple[ReplacementPart, int] | Problem:
    if index >= len(text):
        return Problem("Illegal group reference: group index is missing")
    if text[index] == "{":
        end = text.find("}", index)
        if end < 0:
            return Problem("named capturing group is missing trailing '}'")
        return (text[index + 1 : end],), end + 1
    if not ("0" <= text[index] <= "9"):
        return Problem("Illegal group reference")
    number = int(text[index])
    if number > group_count:
        return Problem(f"No group {number}")
    index += 1
    while index < len(text) and "0" <= text[index] <= "9" and number * 10 + int(text[index]) <= group_count:
        number = number * 10 + int(text[index])
        index += 1
    return number, index


def expand(match: re.Match[str], replacement: Replacement) -> str:
    pieces: list[str] = []
    for part in replacement:
        if isinstance(part, str):
            pieces.append(part)
        else:
            group = match.group(part if isinstance(part, int) else part[0])
            pieces.append(group or "")
    return "".join(pieces)


def replace(string: str, pattern: re.Pattern[str], replacement: str, *, count: int = 0) -> str | Problem:
    parts = parse_java_replacement(replacement, pattern.groups)
    if isinstance(parts, Problem):
        return parts
    try:
        return pattern.sub(lambda match: expand(match, parts), string, count=count)
    except IndexError as error:
        return Problem(f"No group with name {error}")
