"""Bytes to a plain JSON-like tree (dicts, lists, str, bool, int, Decimal, None), JSON or YAML, within limits."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from typing import Any

import msgspec
import msgspec.yaml

from stellwerk.inventory.limits import MAX_DOCUMENT_DEPTH, MAX_DOCUMENT_NODES, MAX_INPUT_BYTES
from stellwerk.inventory.located import Finding, Rejected, child

_json_decoder = msgspec.json.Decoder(float_hook=Decimal)


def parse_document(data: bytes, *, is_yaml: bool) -> dict[str, Any] | Finding:
    """The document's top-level object; numbers with a fraction become Decimal (JS7 numbers are decimals)."""
    if len(data) > MAX_INPUT_BYTES:
        return Finding("$", f"input of {len(data)} bytes exceeds the limit of {MAX_INPUT_BYTES} bytes")
    try:
        raw = msgspec.yaml.decode(data) if is_yaml else _json_decoder.decode(data)
    except RecursionError:
        return Finding("$", f"nesting deeper than {MAX_DOCUMENT_DEPTH} levels")
    except (msgspec.DecodeError, UnicodeDecodeError, ValueError) as error:
        return Finding("$", f"malformed {'YAML' if is_yaml else 'JSON'}: {_first_line(str(error))}")
    try:
        tree = _Normalizer().normalize(raw, "$", 0)
    except Rejected as rejected:
        return rejected.finding
    if not isinstance(tree, dict):
        return Finding("$", f"expected an object, got {_kind(tree)}")
    return tree


# A path kept as links (parent link, key) and rendered only for a finding.
_Link = tuple[Any, str | int] | None


class _Normalizer:
    """Iterative, so that the nesting limit, not Python's stack, bounds what a document may do."""

    def __init__(self) -> None:
        self.nodes = 0

    def normalize(self, root: object, path: str, depth: int) -> Any:
        holder: list[Any] = [None]
        stack: list[tuple[object, int, Any, Any, _Link]] = [(root, depth, holder, 0, None)]
        while stack:
            value, level, parent, key, link = stack.pop()
            self.nodes += 1
            if self.nodes > MAX_DOCUMENT_NODES:
                raise Rejected(
                    Finding(_render(path, link), f"document has more than {MAX_DOCUMENT_NODES} values")
                )
            if level > MAX_DOCUMENT_DEPTH:
                raise Rejected(
                    Finding(_render(path, link), f"nesting deeper than {MAX_DOCUMENT_DEPTH} levels")
                )
            parent[key] = self._node(value, level, link, stack, path)
        return holder[0]

    def _node(self, value: object, level: int, link: _Link, stack: list[Any], path: str) -> Any:
        match value:
            case None | bool() | int() | str():
                return value
            case Decimal() | float():
                return _number(value, _render(path, link))
            case datetime.date():  # YAML turns 2024-05-01 into a date; JS7 wants the text
                return value.isoformat()
            case list():
                array: list[Any] = [None] * len(value)
                stack.extend((v, level + 1, array, i, (link, i)) for i, v in reversed(list(enumerate(value))))
                return array
            case dict():
                obj: dict[str, Any] = {}
                for k, v in reversed(list(value.items())):
                    if not isinstance(k, str):
                        raise Rejected(Finding(_render(path, link), f"object key {k!r} is not a string"))
                    stack.append((v, level + 1, obj, k, (link, k)))
                return _ordered(obj, value)
        raise Rejected(Finding(_render(path, link), f"unsupported value of type {type(value).__name__}"))


def _ordered(obj: dict[str, Any], source: dict[Any, Any]) -> dict[str, Any]:
    obj.update(dict.fromkeys(source))  # keep the document's key order; values are filled in later
    return obj


def _render(path: str, link: _Link) -> str:
    keys: list[str | int] = []
    while link is not None:
        link, key = link
        keys.append(key)
    for key in reversed(keys):
        path = child(path, key)
    return path


def _number(value: Decimal | float, path: str) -> Decimal:
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not number.is_finite() or (isinstance(value, float) and not math.isfinite(value)):
        raise Rejected(Finding(path, "number is not finite"))
    return number


def _first_line(text: str) -> str:
    return " ".join(text.split())


def _kind(value: object) -> str:
    return {list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a scalar")
