"""The time-based rollover (`JournalSettings.snapshot_period`): a segment with events in it that is older than
the period is followed by a new one beginning with a snapshot, so released segments get deleted; a segment
without new events is not rolled over."""

from __future__ import annotations

import asyncio
from pathlib import Path

from stellwerk.journal.journaled import JournaledState, JournalSettings
from stellwerk.model.problems import Problem
from tests.journal.journal_helpers import ManualClock, order_adds, rich_state

PERIOD = 0.1


async def _open(directory: Path) -> JournaledState:
    settings = JournalSettings(snapshot_period=PERIOD)
    journaled = await JournaledState.open(
        directory, base="controller", clock=ManualClock(), initial_state=rich_state, settings=settings
    )
    assert not isinstance(journaled, Problem), journaled
    return journaled


async def _until(condition: object, seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def segment_files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


async def test_an_aged_segment_with_events_rolls_over_and_released_ones_go(tmp_path: Path) -> None:
    journaled = await _open(tmp_path)
    journaled.register_reader("cockpit")
    first = journaled.segment
    await asyncio.sleep(PERIOD * 2)
    assert journaled.segment == first, "no events, no rollover"
    stamped = await journaled.persist(order_adds(journaled.state)[:1])
    await _until(lambda: journaled.segment != first)
    assert len(segment_files(tmp_path)) == 2
    journaled.release("cockpit", stamped[-1].event_id)
    assert segment_files(tmp_path) == [journaled.segment.path.name]
    second = journaled.segment
    await asyncio.sleep(PERIOD * 2)
    assert journaled.segment == second, "the new segment has no events yet"
    await journaled.close()
