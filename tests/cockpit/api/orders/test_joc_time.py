"""JOC's time parameters: dateFrom/dateTo and the scheduledFor of added orders."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stellwerk.cockpit.services.joc_time import TimeError, date_param, iso, scheduled_for
from stellwerk.cockpit.services.order_states import NEVER_MILLIS
from stellwerk.cockpit.services.orders import joc_order_id

NOW = int(datetime(2026, 3, 10, 12, 0, tzinfo=UTC).timestamp() * 1000)
HOUR = 3_600_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", NOW),
        ("-6h", NOW - 6 * HOUR),
        ("6h", NOW - 6 * HOUR),
        ("+1d", NOW + 24 * HOUR),
        ("1d2h", NOW - 26 * HOUR),
        ("2w+02:00", NOW - 14 * 24 * HOUR),
        ("2026-03-10T10:00:00Z", NOW - 2 * HOUR),
        ("2026-03-10T10:00:00.000+01:00", NOW - 3 * HOUR),
    ],
)
def test_date_parameters(text: str, expected: int) -> None:
    assert date_param(text, NOW) == expected


def test_a_timestamp_without_offset_is_in_the_requests_time_zone() -> None:
    assert date_param("2026-03-10 13:00:00", NOW, "Europe/Berlin") == NOW


@pytest.mark.parametrize("text", ["yesterday", "-6x", "2026-13-01T00:00:00Z"])
def test_a_bad_date_parameter_says_why(text: str) -> None:
    with pytest.raises(TimeError, match="neither"):
        date_param(text, NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("", None),
        ("now", None),
        ("now + 90", NOW + 90_000),
        ("now+01:30", NOW + 90 * 60_000),
        ("now + 1:00:30", NOW + HOUR + 30_000),
        ("never", NEVER_MILLIS),
        ("2026-03-10 14:30", NOW + 2 * HOUR + 30 * 60_000),
    ],
)
def test_scheduled_for(text: str | None, expected: int | None) -> None:
    assert scheduled_for(text, NOW) == expected


def test_scheduled_for_in_a_time_zone_and_errors() -> None:
    assert scheduled_for("2026-03-10 13:00:00", NOW, "Europe/Berlin") == NOW
    with pytest.raises(TimeError, match="now \\+ HH:MM"):
        scheduled_for("tomorrow", NOW)
    with pytest.raises(TimeError, match="time zone"):
        scheduled_for("2026-03-10 13:00", NOW, "Mars/Olympus")


def test_joc_order_ids_and_timestamps() -> None:
    order_id = joc_order_id("hello", NOW, 7)
    assert order_id.startswith("#2026-03-10#T") and order_id.endswith("-hello")
    digits = order_id.split("#T")[1].split("-")[0]
    assert len(digits) == 11 and digits.endswith("07")
    assert joc_order_id("hello", NOW, 8) != order_id
    assert joc_order_id("x", NOW - 13 * HOUR, 0, "Pacific/Kiritimati").startswith("#2026-03-10#")
    assert iso(NOW + 5) == "2026-03-10T12:00:00.005Z"
