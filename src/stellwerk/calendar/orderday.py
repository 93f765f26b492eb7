"""The order day: the window of time a Cycle may use, found from the order id and the engine Calendar.

As JS7's `CalendarExecutor`: `orderIdPattern` must match the whole order id with exactly one group, the date text;
that text is parsed with `periodDatePattern`; the window is [date 00:00 + dateOffset, one day later) in the
workflow's zone, in wall-clock time (23 h on the spring-forward day, 25 h on the autumn day), or one week for week
patterns. A `dateOffset` outside [0, window length) is a Problem, as in JS7.

Date patterns: a subset of java.time's DateTimeFormatter letters, enough for the JOC patterns: `yyyy`/`uuuu`/`yy`,
`MM`/`M`, `dd`/`d`, and for weeks `YYYY` (week-based year) with `ww`/`w`, plus quoted literals ('W') and other
punctuation. A day 29–31 beyond the month's end is moved to the month's last day (java.time's SMART resolving).
Week patterns use ISO weeks (Monday, week 1 contains the first Thursday): JS7 marks its week calendar experimental
and its own test of it pending, so we pick the ISO definition. Orders ids are matched with Python's `re`, which
accepts the usual Java regex syntax but not every Java construct (e.g. `\\p{Alpha}`); such a pattern is a Problem.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from stellwerk.calendar.wallclock import SECOND_MS, Interval, last_of_month, local_day_ms, to_instant_ms
from stellwerk.model.items import Calendar
from stellwerk.model.problems import Problem

_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|.", re.DOTALL)

# letter → (kind of field, {width: regex}); a width not listed uses the "*" entry.
_FIELDS: dict[str, tuple[str, dict[int | Literal["*"], str]]] = {
    "y": ("year", {2: r"\d{2}", "*": r"\d{%d,9}"}),
    "u": ("year", {2: r"\d{2}", "*": r"\d{%d,9}"}),
    "Y": ("week_year", {2: r"\d{2}", "*": r"\d{%d,9}"}),
    "M": ("month", {1: r"\d{1,2}", 2: r"\d{2}"}),
    "d": ("day", {1: r"\d{1,2}", 2: r"\d{2}"}),
    "w": ("week", {1: r"\d{1,2}", 2: r"\d{2}"}),
}


def order_day(calendar: Calendar, order_id: str, zone: ZoneInfo) -> Interval | Problem:
    """The [start, end) window of the order's day (or week), or a Problem when the id does not carry one."""
    parser = _compile_date_pattern(calendar.period_date_pattern)
    if isinstance(parser, Problem):
        return parser.prefixed(f"Calendar:{calendar.path}")
    regex, is_weekly = parser
    window_days = 7 if is_weekly else 1
    if not 0 <= calendar.date_offset < window_days * 86400:
        return Problem(f"Calendar:{calendar.path}: Invalid dateOffset")
    text = _date_text(calendar, order_id)
    if isinstance(text, Problem):
        return text
    day = _parse_date(regex, is_weekly, text)
    if isinstance(day, Problem):
        return day
    offset_ms = calendar.date_offset * SECOND_MS
    start = to_instant_ms(local_day_ms(day) + offset_ms, zone)
    end = to_instant_ms(local_day_ms(day + timedelta(days=window_days)) + offset_ms, zone)
    return start, end


def _date_text(calendar: Calendar, order_id: str) -> str | Problem:
    try:
        pattern = re.compile(calendar.order_id_pattern)
    except re.error as error:
        return Problem(f"Calendar:{calendar.path}: invalid orderIdPattern: {error}")
    match = pattern.fullmatch(order_id)
    if match is None or len(match.groups()) != 1 or match.group(1) is None:
        return Problem(f"Order:{order_id} does not match the pattern defined in Calendar:{calendar.path}")
    return match.group(1)


def _compile_date_pattern(pattern: str) -> tuple[re.Pattern[str], bool] | Problem:
    parts: list[str] = []
    kinds: set[str] = set()
    for token in _TOKEN.finditer(pattern):
        text = token.group(0)
        if text.startswith("'"):
            parts.append(re.escape(text[1:-1].replace("''", "'") if len(text) > 2 else "'"))
        elif token.group(1):
            part = _field_regex(token.group(1), len(text))
            if isinstance(part, Problem):
                return part
            kind, regex = part
            if kind in kinds:
                return Problem(f"Date pattern {pattern!r} repeats a field: {text}")
            kinds.add(kind)
            parts.append(f"(?P<{kind}>{regex})")
        else:
            parts.append(re.escape(text))
    if kinds == {"year", "month", "day"}:
        return re.compile("".join(parts)), False
    if kinds == {"week_year", "week"}:
        return re.compile("".join(parts)), True
    return Problem(f"Date pattern {pattern!r} needs year, month and day, or week-based year and week")


def _field_regex(letter: str, width: int) -> tuple[str, str] | Problem:
    field = _FIELDS.get(letter)
    if field is None:
        return Problem(f"Unsupported letter in date pattern: {letter}")
    kind, widths = field
    regex = widths.get(width) or widths.get("*")
    if regex is None:
        return Problem(f"Unsupported width of date pattern letter {letter}: {width}")
    return kind, regex.replace("%d", str(width))


def _parse_date(regex: re.Pattern[str], is_weekly: bool, text: str) -> date | Problem:
    match = regex.fullmatch(text)
    if match is None:
        return Problem(f"Text {text!r} could not be parsed as a date")
    fields = {name: int(value) for name, value in match.groupdict().items()}
    try:
        if is_weekly:
            return date.fromisocalendar(_full_year(match, "week_year"), fields["week"], 1)
        year, month, day = _full_year(match, "year"), fields["month"], fields["day"]
        if 29 <= day <= 31 and 1 <= month <= 12:
            day = min(day, last_of_month(date(year, month, 1)).day)
        return date(year, month, day)
    except ValueError as error:
        return Problem(f"Text {text!r} could not be parsed as a date: {error}")


def _full_year(match: re.Match[str], group: str) -> int:
    digits = match.group(group)
    # Java's two-letter year means 2000..2099.
    return 2000 + int(digits) if len(digits) == 2 else int(digits)
