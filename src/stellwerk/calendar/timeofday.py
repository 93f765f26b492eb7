"""JOC's wall-clock times of day, "HH:mm" or "HH:mm:ss", as seconds since local midnight."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

HhMmSs = Annotated[str, msgspec.Meta(pattern=r"^([0-1][0-9]|2[0-4])(:[0-5][0-9]){1,2}$")]
"""The inventory schema's `hhmmss` string; the pattern lets through 24:30, which `seconds_of_day` refuses."""

DAY_SECONDS = 24 * 3600

_PARTS = re.compile(r"^(\d\d):(\d\d)(?::(\d\d))?$")


def seconds_of_day(text: str, *, allow_midnight_end: bool = False) -> int:
    """Seconds since midnight; `24:00[:00]` only where it means the end of the day. Raises ValueError."""
    match = _PARTS.match(text)
    if match is None:
        raise ValueError(f"Expected a time of day HH:mm[:ss], got {text!r}")
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    total = hours * 3600 + minutes * 60 + seconds
    limit = DAY_SECONDS if allow_midnight_end else DAY_SECONDS - 1
    if total > limit or minutes > 59 or seconds > 59:
        raise ValueError(f"Time of day out of range: {text!r}")
    return total


def format_seconds_of_day(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
