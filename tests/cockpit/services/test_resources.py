"""The pure parts of the Resources: how much of a lock its holders take, and JOC's ids of notices (a plan's
notices by plan key)."""

from __future__ import annotations

import pytest

from stellwerk.cockpit.services.boards import joc_notice_id
from stellwerk.cockpit.services.locks import acquired


@pytest.mark.parametrize(
    ("holders", "limit", "expected"),
    [({}, 3, 0), ({"a": 1, "b": 2}, 5, 3), ({"a": None}, 4, 4)],
)
def test_an_exclusive_holder_takes_the_whole_limit(
    holders: dict[str, int | None], limit: int, expected: int
) -> None:
    assert acquired(holders, limit) == expected


@pytest.mark.parametrize(
    ("notice_id", "shown"),
    [
        (["month", "2026-01"], "2026-01"),
        (["DailyPlan", "2026-01-02", "daily"], "2026-01-02"),
        (["DailyPlan", "2026-01-02", "daily", "k"], "2026-01-02/k"),
    ],
)
def test_notice_ids_show_their_plan_and_key(notice_id: list[str], shown: str) -> None:
    assert joc_notice_id(notice_id) == shown
