"""JOC's time parameters as epoch milliseconds: `dateFrom`/`dateTo` ("0" = now, a period relative to now such as
`-6h`, `1d`, `2w+02:00`, or an ISO 8601 timestamp) and `scheduledFor` of added orders ("now", "now + 01:30",
"now + 90", "never", or a local `yyyy-mm-dd HH:MM[:SS]` in the request's time zone). Pure: `now` is given."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stellwerk.cockpit.services.order_states import NEVER_MILLIS

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400, "M": 30 * 86_400, "y": 365 * 86_400}
_RELATIVE = re.compile(r"^(?P<sign>[+-]?)(?P<parts>(?:\d+[smhdwMy])+)(?:Z|[+-]\d{2}(?::?\d{2})?)?$")
_PART = re.compile(r"(\d+)([smhdwMy])")
_NOW_PLUS = re.compile(r"^now(?:\s*\+\s*(?:(?P<clock>\d+:\d{1,2}(?::\d{1,2})?)|(?P<seconds>\d+))?)?$")
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}\s\d{1,2}:\d{1,2}(?::\d{1,2})?$")


class TimeError(ValueError):
    """A time parameter that does not parse; the message says why."""


def zone(name: str | None) -> ZoneInfo:
    """The time zone of a request (`timeZone`), UTC when none is given."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeError(f"unknown time zone {name!r}") from None


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def date_param(text: str, now: int, time_zone: str | None = None) -> int:
    """A `dateFrom`/`dateTo` value: "0" is now; an unsigned or `-` period lies in the past, `+` in the
    future; a timestamp without offset is in `time_zone`."""
    text = text.strip()
    if text in ("0", "+0", "-0"):
        return now
    relative = _RELATIVE.match(text)
    if relative:
        seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(relative["parts"]))
        return now + seconds * 1000 if relative["sign"] == "+" else now - seconds * 1000
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise TimeError(f"{text!r} is neither 0, a period like -6h nor an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(time_zone))
    return _millis(moment)


def scheduled_for(text: str | None, now: int, time_zone: str | None = None) -> int | None:
    """The start time of an added order; None to start now."""
    if text is None or text.strip() in ("", "now"):
        return None
    text = text.strip()
    if text == "never":
        return NEVER_MILLIS
    later = _NOW_PLUS.match(text)
    if later:
        if later["seconds"]:
            return now + int(later["seconds"]) * 1000
        if later["clock"]:
            hours, minutes, *seconds = (int(part) for part in later["clock"].split(":"))
            delta = timedelta(hours=hours, minutes=minutes, seconds=seconds[0] if seconds else 0)
            return now + int(delta.total_seconds() * 1000)
        return None
    if _LOCAL.match(text):
        parts = text.split()
        clock = parts[1] if parts[1].count(":") == 2 else f"{parts[1]}:00"
        try:
            local = datetime.strptime(f"{parts[0]} {clock}", "%Y-%m-%d %H:%M:%S")
        except ValueError as error:
            raise TimeError(f"{text!r}: {error}") from None
        return _millis(local.replace(tzinfo=zone(time_zone)))
    raise TimeError(f"{text!r} is not now, now + HH:MM[:SS], now + SECONDS, never or yyyy-mm-dd HH:MM[:SS]")


def iso(millis: int | None) -> str | None:
    """JOC's timestamp of epoch milliseconds (UTC, milliseconds, `Z`)."""
    if millis is None:
        return None
    moment = datetime.fromtimestamp(millis / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def local_date(millis: int, time_zone: str | None = None) -> str:
    """The date (yyyy-mm-dd) of an instant in a time zone."""
    return datetime.fromtimestamp(millis / 1000, zone(time_zone)).strftime("%Y-%m-%d")
