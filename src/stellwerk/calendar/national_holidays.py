"""National and regional public holidays from the `holidays` package, as plain dates.

A code is an ISO 3166-1 country, optionally with a subdivision: "DE", "DE-BY", "US-NY", "AU-NSW".
JOC only stores holiday dates typed in or imported by hand; this lets a calendar name a region instead
(see `frequencies.Holidays`).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from stellwerk.model.problems import Problem


def region_problem(code: str) -> Problem | None:
    """None for a code the `holidays` package knows, else a Problem saying what is wrong."""
    country, _, subdivision = code.upper().partition("-")
    subdivisions = _supported().get(country)
    if subdivisions is None:
        return Problem(f"Unknown holiday country: {code!r} (expected an ISO 3166 code like 'DE' or 'DE-BY')")
    if subdivision and subdivision not in subdivisions:
        return Problem(f"Unknown holiday region: {code!r} ({country} has {', '.join(sorted(subdivisions))})")
    return None


def national_holiday_dates(code: str, first: date, last: date) -> frozenset[date] | Problem:
    """The public holidays of a country or region between two dates, both inclusive."""
    if first > last:
        return frozenset()
    found = _holidays_of_years(code, first.year, last.year)
    if isinstance(found, Problem):
        return found
    return frozenset(day for day in found if first <= day <= last)


@lru_cache(maxsize=1)
def _supported() -> dict[str, frozenset[str]]:
    import holidays  # here, not at the top: importing it takes about a second, and most calendars never need it

    return {country: frozenset(subs) for country, subs in holidays.list_supported_countries().items()}


@lru_cache(maxsize=256)
def _holidays_of_years(code: str, first_year: int, last_year: int) -> frozenset[date] | Problem:
    unknown = region_problem(code)
    if unknown is not None:
        return unknown
    import holidays

    country, _, subdivision = code.upper().partition("-")
    table = holidays.country_holidays(
        country, subdiv=subdivision or None, years=range(first_year, last_year + 1)
    )
    return frozenset(table.keys())
