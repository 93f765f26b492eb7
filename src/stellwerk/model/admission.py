"""Admission time schemes and cycle schedules (engine JSON); the arithmetic lives in stellwerk.calendar."""

from __future__ import annotations

import msgspec


class _Period(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE"):
    duration: int


class DailyPeriod(_Period, tag="DailyPeriod", frozen=True, kw_only=True):
    second_of_day: int = msgspec.field(name="secondOfDay")


class WeekdayPeriod(_Period, tag="WeekdayPeriod", frozen=True, kw_only=True):
    # 0 = Monday 00:00 local time.
    second_of_week: int = msgspec.field(name="secondOfWeek")


class MonthlyDatePeriod(_Period, tag="MonthlyDatePeriod", frozen=True, kw_only=True):
    second_of_month: int = msgspec.field(name="secondOfMonth")


class MonthlyLastDatePeriod(_Period, tag="MonthlyLastDatePeriod", frozen=True, kw_only=True):
    last_second_of_month: int = msgspec.field(name="lastSecondOfMonth")


class MonthlyWeekdayPeriod(_Period, tag="MonthlyWeekdayPeriod", frozen=True, kw_only=True):
    second_of_weeks: int = msgspec.field(name="secondOfWeeks")


class MonthlyLastWeekdayPeriod(_Period, tag="MonthlyLastWeekdayPeriod", frozen=True, kw_only=True):
    second_of_weeks: int = msgspec.field(name="secondOfWeeks")


class SpecificDatePeriod(_Period, tag="SpecificDatePeriod", frozen=True, kw_only=True):
    seconds_since_local_epoch: int = msgspec.field(name="secondsSinceLocalEpoch")


AdmissionPeriod = (
    DailyPeriod
    | WeekdayPeriod
    | MonthlyDatePeriod
    | MonthlyLastDatePeriod
    | MonthlyWeekdayPeriod
    | MonthlyLastWeekdayPeriod
    | SpecificDatePeriod
)


class MonthRestriction(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="MonthRestriction"):
    months: tuple[int, ...]


class RestrictedScheme(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    restriction: MonthRestriction | None = None
    periods: tuple[AdmissionPeriod, ...]


class AdmissionTimeScheme(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    periods: tuple[AdmissionPeriod, ...] = ()
    restricted_schemes: tuple[RestrictedScheme, ...] = msgspec.field(default=(), name="restrictedSchemes")


class Periodic(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Periodic"):
    period: int
    offsets: tuple[int, ...]


class Ticking(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Ticking"):
    interval: int


class Continuous(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Continuous", omit_defaults=True
):
    pause: int
    limit: int | None = None


Repeat = Periodic | Ticking | Continuous


class CycleScheme(msgspec.Struct, frozen=True, kw_only=True):
    admission_time_scheme: AdmissionTimeScheme = msgspec.field(name="admissionTimeScheme")
    repeat: Repeat


class CycleSchedule(msgspec.Struct, frozen=True, kw_only=True):
    schemes: tuple[CycleScheme, ...]


class CycleState(msgspec.Struct, frozen=True, kw_only=True):
    """Where an order stands in a Cycle; encoded into the cycle branch id."""

    end: int
    scheme_index: int = msgspec.field(default=0, name="schemeIndex")
    period_index: int = msgspec.field(default=0, name="periodIndex")
    index: int
    next: int
