"""Java `DateTimeFormatter` patterns (yyyy-MM-dd'T'HH:mm:ss.SSSXXX …) applied to epoch milliseconds."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stellwerk.model.problems import Problem

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MONTHS = ("January February March April May June July August September October November December").split()
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_OFFSET_ZONE = re.compile(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?")
_TOKEN = re.compile(r"'(?:[^']|'')*'|''|([A-Za-z])\1*|[^A-Za-z']+|'")

Token = tuple[str, int]  # (letter, count), or (literal text, 0)


def format_epoch_millis(millis: int, pattern: str, zone_name: str | None) -> str | Problem:
    zone = resolve_zone(zone_name or "UTC")
    if isinstance(zone, Problem):
        return zone
    tokens = tokenize(pattern)
    if isinstance(tokens, Problem):
        return tokens
    moment = (_EPOCH + timedelta(milliseconds=millis)).astimezone(zone)
    pieces: list[str] = []
    for text, count in tokens:
        if count == 0:
            pieces.append(text)
            continue
        piece = _field(text, count, moment)
        if isinstance(piece, Problem):
            return piece
        pieces.append(piece)
    return "".join(pieces)


@lru_cache(maxsize=256)
def resolve_zone(name: str) -> tzinfo | Problem:
    if name in ("Z", "UTC", "GMT"):
        return UTC
    offset = _OFFSET_ZONE.fullmatch(name)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return Problem(f"Unknown time zone: {name}")


@lru_cache(maxsize=256)
def tokenize(pattern: str) -> tuple[Token, ...] | Problem:
    tokens: list[Token] = []
    for match in _TOKEN.finditer(pattern):
        text = match.group(0)
        if text == "'":
            return Problem(f"Pattern ends with an incomplete string literal: {pattern}")
        if text.startswith("'"):
            tokens.append((text[1:-1].replace("''", "'") if text != "''" else "'", 0))
        elif match.group(1):
            tokens.append((text[0], len(text)))
        else:
            if any(char in "#{}" for char in text):
                return Problem(f"Reserved character in date-time pattern: {pattern}")
            tokens.append((text.replace("[", "").replace("]", ""), 0))
    return tuple(tokens)


def _padded(width: int) -> Callable[[int], str]:
    return lambda number: str(number).zfill(width)


def _field(letter: str, count: int, moment: datetime) -> str | Problem:
    formatter = _FIELDS.get(letter)
    if formatter is None:
        return Problem(f"Unsupported pattern letter in date-time pattern: {letter}")
    return formatter(count, moment)


def _year(count: int, moment: datetime) -> str:
    return str(moment.year % 100).zfill(2) if count == 2 else str(moment.year).zfill(count)


def _month(count: int, moment: datetime) -> str:
    name = _MONTHS[moment.month - 1]
    return {3: name[:3], 4: name, 5: name[0]}.get(count, str(moment.month).zfill(count))


def _weekday(count: int, moment: datetime) -> str:
    name = _WEEKDAYS[moment.weekday()]
    return {4: name, 5: name[0]}.get(count, name[:3])


def _fraction(count: int, moment: datetime) -> str:
    return str(moment.microsecond).zfill(6).ljust(count, "0")[:count]


def _offset(count: int, moment: datetime, *, z_for_zero: bool, colon: bool) -> str:
    offset = moment.utcoffset() or timedelta(0)
    if z_for_zero and not offset:
        return "Z"
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    if count == 1:
        return f"{sign}{hours:02}" + (f"{minutes:02}" if minutes else "")
    return f"{sign}{hours:02}{':' if colon else ''}{minutes:02}"


def _zone_name(count: int, moment: datetime) -> str:
    return str(moment.tzinfo) if count >= 4 or moment.tzname() is None else str(moment.tzname())


_FIELDS: dict[str, Callable[[int, datetime], str]] = {
    "y": _year,
    "u": _year,
    "M": _month,
    "L": _month,
    "d": lambda n, m: _padded(n)(m.day),
    "D": lambda n, m: _padded(n)(m.timetuple().tm_yday),
    "H": lambda n, m: _padded(n)(m.hour),
    "k": lambda n, m: _padded(n)(m.hour or 24),
    "K": lambda n, m: _padded(n)(m.hour % 12),
    "h": lambda n, m: _padded(n)(m.hour % 12 or 12),
    "m": lambda n, m: _padded(n)(m.minute),
    "s": lambda n, m: _padded(n)(m.second),
    "S": _fraction,
    "A": lambda n, m: _padded(n)(((m.hour * 60 + m.minute) * 60 + m.second) * 1000 + m.microsecond // 1000),
    "n": lambda n, m: _padded(n)(m.microsecond * 1000),
    "E": _weekday,
    "a": lambda n, m: "AM" if m.hour < 12 else "PM",
    "G": lambda n, m: "Anno Domini" if n == 4 else "AD",
    "Q": lambda n, m: {3: f"Q{(m.month + 2) // 3}"}.get(n, str((m.month + 2) // 3).zfill(n)),
    "X": lambda n, m: _offset(n, m, z_for_zero=True, colon=n >= 3),
    "x": lambda n, m: _offset(n, m, z_for_zero=False, colon=n >= 3),
    "Z": lambda n, m: _offset(2, m, z_for_zero=n == 5, colon=n == 5),
    "V": lambda n, m: str(m.tzinfo),
    "z": _zone_name,
}
