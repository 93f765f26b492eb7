"""The Cleanup settings: ages, validation naming the bad field, and the run windows (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stellwerk.cockpit.services.cleanup.settings import (
    CleanupSettings,
    age_ms,
    cleanup_settings,
    next_window,
)
from stellwerk.model.problems import Problem


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90d", 90 * 86_400_000), ("12h", 12 * 3_600_000), ("2w", 14 * 86_400_000), ("30", 30 * 86_400_000),
     ("45m", 45 * 60_000), ("10s", 10_000), ("0", None), ("0d", None)],
)  # fmt: skip
def test_ages(text: str, expected: int | None) -> None:
    assert age_ms(text) == expected


@pytest.mark.parametrize(
    ("stored", "field"),
    [
        ({"order_history_age": "ninety days"}, "cleanup.order_history_age"),
        ({"period_begin": "25:00"}, "cleanup.period_begin"),
        ({"period": "1,8"}, "cleanup.period"),
        ({"period": "monday"}, "cleanup.period"),
        ({"time_zone": "Mars/Olympus"}, "cleanup.time_zone"),
        ({"batch_size": 0}, "cleanup.batch_size"),
        ({"batch_pause": "-1"}, "cleanup.batch_pause"),
        ({"deployment_history_versions": -1}, "cleanup.deployment_history_versions"),
        ({"batch_size": "many"}, "cleanup"),
    ],
)
def test_a_bad_setting_is_a_problem_naming_it(stored: dict[str, object], field: str) -> None:
    problem = cleanup_settings(stored)
    assert isinstance(problem, Problem)
    assert problem.message.startswith(field)


def test_defaults_are_joc_s_and_unknown_names_are_left_alone() -> None:
    assert cleanup_settings({"something_else": 1}) == CleanupSettings()
    assert CleanupSettings().weekdays == frozenset(range(1, 8))


def test_the_window_holding_now_or_the_next_one_on_a_weekday_of_the_period() -> None:
    daily = CleanupSettings()
    assert next_window(daily, ms("2026-11-19T02:00")) == (ms("2026-11-19T01:00"), ms("2026-11-19T04:00"))
    assert next_window(daily, ms("2026-11-19T05:00")) == (ms("2026-11-20T01:00"), ms("2026-11-20T04:00"))
    sundays = CleanupSettings(period="7")  # 2026-11-22 is a Sunday
    assert next_window(sundays, ms("2026-11-19T05:00")) == (ms("2026-11-22T01:00"), ms("2026-11-22T04:00"))
    overnight = CleanupSettings(period_begin="23:00", period_end="02:00")
    assert next_window(overnight, ms("2026-11-19T01:00")) == (ms("2026-11-18T23:00"), ms("2026-11-19T02:00"))
    berlin = CleanupSettings(time_zone="Europe/Berlin")
    assert next_window(berlin, ms("2026-11-19T05:00")) == (ms("2026-11-20T00:00"), ms("2026-11-20T03:00"))
    assert next_window(CleanupSettings(period=""), ms("2026-11-19T05:00")) is None
