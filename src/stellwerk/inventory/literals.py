"""Inventory literal values as engine expression texts: "fast" -> "'fast'", 3 -> "3", true -> "true"."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOUBLE_QUOTED_ESCAPES = {"\\": "\\\\", '"': '\\"', "$": "\\$", "\t": "\\t", "\r": "\\r", "\n": "\\n"}
_EPOCH = re.compile(r"\$epoch(Second|Milli)")


def quote_string(text: str) -> str:
    """A string literal: single-quoted (no escapes) unless the text holds a single quote or is empty
    (JS7 does not accept `''`)."""
    if text and "'" not in text:
        return f"'{text}'"
    return '"' + "".join(_DOUBLE_QUOTED_ESCAPES.get(c, c) for c in text) + '"'


def number_text(number: int | Decimal) -> str:
    return str(number) if isinstance(number, int) else format(number, "f")


def literal_expression(value: Any) -> str | None:
    """The expression that evaluates to `value`; None if it has no literal form (null, odd object keys)."""
    match value:
        case bool():
            return "true" if value else "false"
        case int() | Decimal():
            return number_text(value)
        case str():
            return quote_string(value)
        case list():
            items = [literal_expression(v) for v in value]
            return None if None in items else "[" + ", ".join(str(i) for i in items) + "]"
        case dict():
            return _object_expression(value)
    return None


def _object_expression(value: dict[str, Any]) -> str | None:
    fields: list[str] = []
    for key, item in value.items():
        text = literal_expression(item)
        if text is None or not _IDENTIFIER.fullmatch(key):
            return None
        fields.append(f"{key}: {text}")
    return "{" + ", ".join(fields) + "}"


def rename_epoch_symbols(text: str) -> str:
    """JOC rewrites the old `$epochMilli`/`$epochSecond` to `$js7EpochMilli`/`$js7EpochSecond` everywhere."""
    return _EPOCH.sub(r"$js7Epoch\1", text)


def rename_epoch_everywhere(tree: Any) -> Any:
    match tree:
        case str():
            return rename_epoch_symbols(tree)
        case list():
            return [rename_epoch_everywhere(v) for v in tree]
        case dict():
            return {k: rename_epoch_everywhere(v) for k, v in tree.items()}
    return tree
