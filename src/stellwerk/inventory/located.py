"""Problems located by JSON path (`$.jobs.a.parallelism`), and the translation of msgspec's messages into them."""

from __future__ import annotations

import re
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
    path = prefix + _name_map_keys(path, tree)[1:]
    if unknown := _UNKNOWN_FIELD.match(message):
        return Finding(child(path, unknown["field"]), "unknown field")
    if missing := _MISSING_FIELD.match(message):
        return Finding(child(path, missing["field"]), "missing required field")
    if path.endswith(".TYPE") and (tag := _INVALID_TAG.match(message)):
        return Finding(path, f"unknown TYPE {tag['tag']!r}")
    return Finding(path, message.replace("`", ""))


_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[\.\.\.\]")


def _name_map_keys(path: str, tree: Any) -> str:
    """msgspec writes `[...]` for a map key; name the first entry whose value is not a string (the maps of
    structs are decoded entry by entry, so only maps of strings are left)."""
    if "[...]" not in path:
        return path
    result, node = "$", tree
    for match in _SEGMENT.finditer(path):
        field, index = match[1], match[2]
        if field is not None:
            result, node = child(result, field), node.get(field) if isinstance(node, dict) else None
        elif index is not None:
            number = int(index)
            result = child(result, number)
            node = node[number] if isinstance(node, list) and number < len(node) else None
        else:
            key = (
                next((k for k, v in node.items() if not isinstance(v, str)), None)
                if isinstance(node, dict)
                else None
            )
            if key is None:
                return path
            result, node = child(result, key), node[key]
    return result
