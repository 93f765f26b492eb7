"""Decoding inventory JSON into typed structs, with a Problem naming the JSON path of bad input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from stellwerk.model.problems import Problem

T = TypeVar("T")


def decode_inventory(raw: bytes | str | Mapping[str, Any], kind: type[T], what: str) -> T | Problem:
    """JSON text or already decoded JSON as `kind`; a Problem such as "Invalid calendar: … - at `$.includes`"."""
    try:
        if isinstance(raw, bytes | str):
            return msgspec.json.decode(raw, type=kind)
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as error:
        return Problem(f"Invalid {what}: {error}")
    except msgspec.DecodeError as error:
        return Problem(f"Invalid {what} JSON: {error}")
