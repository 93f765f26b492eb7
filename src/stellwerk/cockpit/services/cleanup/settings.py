"""The Cleanup service's settings (section `cleanup` of the settings table) and, from them, when it runs and which
rows are past their retention (pure).

Names and defaults as JOC's: the service runs on the weekdays of `period` (1 = Monday … 7 = Sunday) from
`period_begin` to `period_end` in `time_zone`; it purges in transactions of `batch_size` rows; order and task
history older than `order_history_age`, their logs older than `order_history_logs_age`, the Daily Plan older than
`daily_plan_history_age`, the audit log older than `audit_log_age`; of the deployment history it keeps the last
`deployment_history_versions` per object. Ages are a number and a unit (`90d`, `12h`, `2w`); `0` keeps forever,
as does 0 versions. `batch_pause` (Stellwerk's) is the pause between two batches, so other writers get their turn."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec

from stellwerk.calendar.timeofday import seconds_of_day
from stellwerk.calendar.wallclock import resolve_zone
from stellwerk.model.problems import Problem

SECTION = "cleanup"
_AGE = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400, "": 86_400}
_AGE_FIELDS = ("order_history_age", "order_history_logs_age", "daily_plan_history_age", "audit_log_age")


class CleanupSettings(msgspec.Struct, frozen=True, kw_only=True):
    time_zone: str = "Etc/UTC"
    period: str = "1,2,3,4,5,6,7"
    period_begin: str = "01:00:00"
    period_end: str = "04:00:00"
    batch_size: int = 1000
    batch_pause: str = "0.1"  # seconds between two batches
    order_history_age: str = "90d"
    order_history_logs_age: str = "90d"
    daily_plan_history_age: str = "30d"
    audit_log_age: str = "90d"
    deployment_history_versions: int = 10

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def weekdays(self) -> frozenset[int]:
        """ISO weekdays (1 = Monday) the service runs on."""
        return frozenset(int(day) for day in self.period.replace(" ", "").split(",") if day)

    @property
    def pause_seconds(self) -> float:
        return float(self.batch_pause)


def age_ms(text: str) -> int | None:
    """Milliseconds of an age like `90d`; None for `0` (keep forever). Raises ValueError."""
    match = _AGE.match(text)
    if match is None:
        raise ValueError(f"Expected an age like 90d, 12h, 2w or 0, got {text!r}")
    seconds = int(match[1]) * _UNIT_SECONDS[match[2]]
    return seconds * 1000 or None


def cutoff_ms(age: str, now_ms: int) -> int | None:
    """The instant before which rows of that age are purged; None when they are kept forever."""
    milliseconds = age_ms(age)
    return None if milliseconds is None else now_ms - milliseconds


def cleanup_settings(stored: dict[str, object]) -> CleanupSettings | Problem:
    """The settings from the stored section; a Problem names the bad field."""
    known = {name: stored[name] for name in CleanupSettings.__struct_fields__ if name in stored}
    try:
        settings = msgspec.convert(known, CleanupSettings)
    except msgspec.ValidationError as error:
        return Problem(f"{SECTION}: {error}")
    return _checked(settings)


def _checked(settings: CleanupSettings) -> CleanupSettings | Problem:
    for name in ("period_begin", "period_end"):
        try:
            seconds_of_day(getattr(settings, name), allow_midnight_end=name == "period_end")
        except ValueError as error:
            return Problem(f"{SECTION}.{name}: {error}")
    for name in _AGE_FIELDS:
        try:
            age_ms(getattr(settings, name))
        except ValueError as error:
            return Problem(f"{SECTION}.{name}: {error}")
    try:
        weekdays = settings.weekdays
    except ValueError:
        return Problem(f"{SECTION}.period: weekdays 1 (Monday) to 7 (Sunday) separated by commas are wanted")
    if not weekdays <= set(range(1, 8)):
        return Problem(f"{SECTION}.period: weekdays 1 (Monday) to 7 (Sunday) separated by commas are wanted")
    try:
        pause = settings.pause_seconds
    except ValueError:
        pause = -1.0
    if not 0 <= pause <= 60:
        return Problem(f"{SECTION}.batch_pause: seconds from 0 to 60 are wanted")
    if isinstance(resolve_zone(settings.time_zone), Problem):
        return Problem(f"{SECTION}.time_zone: unknown time zone {settings.time_zone!r}")
    if settings.batch_size < 1:
        return Problem(f"{SECTION}.batch_size: at least 1 is wanted")
    if settings.deployment_history_versions < 0:
        return Problem(f"{SECTION}.deployment_history_versions: 0 (keep all) or more is wanted")
    return settings


def next_window(settings: CleanupSettings, now_ms: int) -> tuple[int, int] | None:
    """The run window (begin, end) in epoch milliseconds that holds `now` or comes next; None when `period`
    names no weekday (the service then never runs by itself). An end at or before the begin is on the next
    day."""
    weekdays = settings.weekdays
    if not weekdays:
        return None
    zone = settings.zone
    begin_s = seconds_of_day(settings.period_begin)
    end_s = seconds_of_day(settings.period_end, allow_midnight_end=True)
    length_s = end_s - begin_s if end_s > begin_s else end_s + 86_400 - begin_s
    today = datetime.fromtimestamp(now_ms / 1000, zone).date()
    for days in range(-1, 9):
        day = today + timedelta(days=days)
        if day.isoweekday() not in weekdays:
            continue
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        begin = int((midnight + timedelta(seconds=begin_s)).timestamp() * 1000)
        end = begin + length_s * 1000
        if end > now_ms:
            return begin, end
    raise AssertionError("a weekday of the period lies within a week")  # pragma: no cover


def plan_date_cutoff(settings: CleanupSettings, now_ms: int) -> date | None:
    """The first plan date the Daily Plan keeps; None when it keeps all."""
    cutoff = cutoff_ms(settings.daily_plan_history_age, now_ms)
    if cutoff is None:
        return None
    return datetime.fromtimestamp(cutoff / 1000, settings.zone).date()
