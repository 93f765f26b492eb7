"""Java DateTimeFormatter patterns for now() and scheduledOrEmpty()."""

from __future__ import annotations

import pytest

from stellwerk.expr.datetime_format import format_epoch_millis
from stellwerk.model.problems import Problem

# 2024-03-31T00:59:59.007Z: Berlin switches to summer time one second later
MILLIS = 1711846799007


@pytest.mark.parametrize(
    ("pattern", "zone", "text"),
    [
        ("yyyy-MM-dd", None, "2024-03-31"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", None, "2024-03-31T00:59:59.007Z"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "Europe/Berlin", "2024-03-31T01:59:59.007+01:00"),
        ("yy/M/d H:m:s", "UTC", "24/3/31 0:59:59"),
        ("MMM MMMM EEE EEEE", None, "Mar March Sun Sunday"),
        ("hh a", "Europe/Berlin", "01 AM"),
        ("D", None, "91"),
        ("xx x X Z", "Asia/Kolkata", "+0530 +0530 +0530 +0530"),
        ("XXX", "-03:00", "-03:00"),
        ("'o''clock' ''", None, "o'clock '"),
        ("VV z", "Europe/Berlin", "Europe/Berlin CET"),
        ("S SS SSSS", None, "0 00 0070"),
        ("Q QQQ", None, "1 Q1"),
    ],
)
def test_patterns(pattern: str, zone: str | None, text: str) -> None:
    assert format_epoch_millis(MILLIS, pattern, zone) == text


def test_summer_time_one_second_later() -> None:
    assert format_epoch_millis(MILLIS + 1000, "HH:mm:ss XXX", "Europe/Berlin") == "03:00:00 +02:00"


@pytest.mark.parametrize(
    ("pattern", "zone", "message"),
    [
        ("yyyy", "Nowhere/City", "Unknown time zone: Nowhere/City"),
        ("yyyy 'open", None, "incomplete string literal"),
        ("w", None, "Unsupported pattern letter in date-time pattern: w"),
        ("{yyyy}", None, "Reserved character"),
    ],
)
def test_problems(pattern: str, zone: str | None, message: str) -> None:
    result = format_epoch_millis(MILLIS, pattern, zone)
    assert isinstance(result, Problem)
    assert message in result.message
