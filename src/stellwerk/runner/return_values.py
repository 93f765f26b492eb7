"""The return-values file: `NAME=VALUE` lines a job writes to the file named by $JS7_RETURN_VALUES."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

RETURN_VALUES_VARIABLE = "JS7_RETURN_VALUES"
V1_RETURN_VALUES_VARIABLE = "SCHEDULER_RETURN_VALUES"
_READ_BYTES = 65536


def parse_return_values(text: str) -> dict[str, str]:
    """String values by name; lines without '=' or without a name are ignored; a value may contain '='.
    The last line of a name wins."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        name, separator, value = line.partition("=")
        if separator and name.strip():
            values[name.strip()] = value
    return values


def read_return_values(path: Path) -> dict[str, str]:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return {}
    try:
        data = b"".join(iter(lambda: os.read(descriptor, _READ_BYTES), b""))
    finally:
        os.close(descriptor)
    return parse_return_values(data.decode(errors="replace")) if data else {}


def format_return_values(values: Mapping[str, object]) -> str:
    """The lines for `values`; raises ValueError for a name or value that does not fit on one line."""
    lines = []
    for name, value in values.items():
        text = value_text(value)
        if not name or "=" in name or _has_line_break(name) or _has_line_break(text):
            raise ValueError(f"Return value {name!r} cannot be written as one NAME=VALUE line")
        lines.append(f"{name}={text}\n")
    return "".join(lines)


def value_text(value: object) -> str:
    """A value as the string a process sees: numbers as decimal text, booleans as true/false,
    lists and objects as JSON."""
    match value:
        case str():
            return value
        case bool():
            return "true" if value else "false"
        case int() | float() | Decimal():
            return str(value)
    return json.dumps(value, default=str, separators=(",", ":"))


def _has_line_break(text: str) -> bool:
    return len(text.splitlines()) > 1 or text.endswith(("\n", "\r"))
