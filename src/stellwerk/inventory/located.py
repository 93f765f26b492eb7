"""Problems located by JSON path (`$.jobs.a.parallelism`), and the translation of msgspec's messages into them."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, TypeVar

import msgspec

from stellwerk.model.problems import Problem


class Finding(msgspec.Struct, frozen=True):
    """A problem at a JSON path of a document; `str()` gives "$.path: message"."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def in_file(self, file_name: str) -> Problem:
        return Problem(f"{file_name}: {self}")


class Rejected(Exception):
    """Internal to the converters: unwinds a deep walk; the public functions return `finding` instead."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(str(finding))
        self.finding = finding


def child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


_AT_PATH = re.compile(r"^(?P<message>.*) - at `(?P<path>\$[^`]*)`$", re.DOTALL)
_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `(?P<field>.*)`$", re.DOTALL)
_MISSING_FIELD = re.compile(r"^Object missing required field `(?P<field>.*)`$", re.DOTALL)
_INVALID_TAG = re.compile(r"^Invalid value '(?P<tag>.*)'$", re.DOTALL)


_T = TypeVar("_T")


def convert_struct(tree: Any, type_: type[_T], prefix: str = "$") -> _T:
    """msgspec.convert, raising Rejected with the finding located under `prefix`."""
    try:
        return msgspec.convert(tree, type_)
    except msgspec.ValidationError as error:
        raise Rejected(from_validation_error(error, tree, prefix)) from None


def from_validation_error(error: msgspec.ValidationError, tree: Any = None, prefix: str = "$") -> Finding:
    """msgspec's "Expected `int`, got `str` - at `$.a`" becomes Finding("$.a", "Expected int, got str")."""
    text = str(error)
    match = _AT_PATH.match(text)
    message, path = (match["message"], match["path"]) if match else (text, "$")
    path = prefix + _name_map_keys(path, tree, _got_type(message))[1:]
    if unknown := _UNKNOWN_FIELD.match(message):
        return Finding(child(path, unknown["field"]), "unknown field")
    if missing := _MISSING_FIELD.match(message):
        return Finding(child(path, missing["field"]), "missing required field")
    if path.endswith(".TYPE") and (tag := _INVALID_TAG.match(message)):
        return Finding(path, f"unknown TYPE {tag['tag']!r}")
    return Finding(path, message.replace("`", ""))


_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[\.\.\.\]")
_GOT = re.compile(r"^Expected `[^`]*`, got `(?P<got>[a-z]+)`$")
# msgspec's names of the JSON types of the values a document holds.
_TYPE_NAMES: dict[type, str] = {
    str: "str",
    bool: "bool",
    int: "int",
    float: "float",
    Decimal: "decimal",
    type(None): "null",
    list: "array",
    dict: "object",
}


def _got_type(message: str) -> str | None:
    """The type msgspec found: `int` in "Expected `str`, got `int`"."""
    match = _GOT.match(message)
    return match["got"] if match else None


def _name_map_keys(path: str, tree: Any, got: str | None = None) -> str:
    """msgspec writes `[...]` for a map key; name the entry. When the map's value itself has the wrong type
    (`got`), that is the first entry of that type (the entries before it passed); otherwise the first entry
    whose value is not a string (the maps of structs are decoded entry by entry, so only maps of strings are
    left)."""
    if "[...]" not in path:
        return path
    result, node = "$", tree
    segments = list(_SEGMENT.finditer(path))
    for number, match in enumerate(segments):
        field, index = match[1], match[2]
        if field is not None:
            result, node = child(result, field), node.get(field) if isinstance(node, dict) else None
        elif index is not None:
            position = int(index)
            result = child(result, position)
            node = node[position] if isinstance(node, list) and position < len(node) else None
        else:
            key = _failing_key(node, got if number == len(segments) - 1 else None)
            if key is None:
                return path
            result, node = child(result, key), node[key]
    return result


def _failing_key(node: Any, got: str | None) -> str | None:
    """The key of the entry of the map `node` that msgspec rejected, if it can be told."""
    if not isinstance(node, dict):
        return None
    if got is not None:
        return next((k for k, v in node.items() if _TYPE_NAMES.get(type(v)) == got), None)
    return next((k for k, v in node.items() if not isinstance(v, str)), None)
