"""JournaledState: persist -> apply -> publish, replay equals the live state, rollover, release and deletion."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from stellwerk.engine.state import EngineState
from stellwerk.journal.journaled import InapplicableJournaledEvent, JournaledState, JournalSettings
from stellwerk.journal.replicator import WrittenBatch
from stellwerk.journal.writer import JournalStopped
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.problems import Problem
from tests.engine.harness import T0
from tests.journal.journal_helpers import (
    ManualClock,
    drive,
    encoded_locks,
    encoded_notices,
    encoded_orders,
    order_adds,
    rich_state,
)

BASE = "controller"


class RecordingReplicator:
    def __init__(self) -> None:
        self.batches: list[WrittenBatch] = []

    async def replicate(self, written: WrittenBatch, data: bytes) -> None:
        assert written.end - written.start == len(data)
        self.batches.append(written)


async def _open(directory: Path, **kwargs: object) -> JournaledState:
    journaled = await JournaledState.open(
        directory,
        base=BASE,
        clock=ManualClock(),
        initial_state=rich_state,
        **kwargs,  # type: ignore[arg-type]
    )
    assert not isinstance(journaled, Problem), journaled
    return journaled


def _segment_names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob(f"{BASE}--*.journal"))


def _assert_same(replayed: EngineState, live: EngineState) -> None:
    assert encoded_orders(replayed) == encoded_orders(live)
    assert encoded_locks(replayed) == encoded_locks(live)
    assert encoded_notices(replayed) == encoded_notices(live)
    assert replayed.expecting == live.expecting


async def test_replay_of_the_journal_equals_the_live_state(tmp_path: Path) -> None:
    journaled = await _open(tmp_path)
    adds = order_adds(journaled.state)
    await journaled.persist(adds[:-1])
    assert await drive(journaled, T0) > 10
    # Halfway: orders wait for the lock and for notices.
    assert any(isinstance(order.state, o.ExpectingNotices) for order in journaled.state.orders.values())
    await journaled.close()
    reopened = await _open(tmp_path)
    _assert_same(reopened.state, journaled.state)
    await reopened.persist(adds[-1:])
    await drive(reopened, T0 + 1000)
    waiting = {order.id for order in reopened.state.orders.values() if not order.is_terminated}
    assert waiting == {"expect-2"}  # nobody posts its notice
    await reopened.close()
    replayed = await _open(tmp_path)
    _assert_same(replayed.state, reopened.state)
    await replayed.close()


async def test_events_are_replicated_then_applied_then_published_in_file_order(tmp_path: Path) -> None:
    replicator = RecordingReplicator()
    journaled = await _open(tmp_path, replicator=replicator)
    adds = order_adds(journaled.state)
    results = await asyncio.gather(*(journaled.persist([keyed]) for keyed in adds))
    published = journaled.stream.after(0)
    assert not isinstance(published, Problem)
    assert [s.keyed for s in published] == adds
    assert [r[0] for r in results] == published
    assert replicator.batches[-1].last_event_id == journaled.last_event_id
    assert replicator.batches[-1].end == journaled.segment.path.stat().st_size
    await journaled.close()


async def test_a_snapshot_begins_a_new_segment_from_which_the_state_recovers(tmp_path: Path) -> None:
    journaled = await _open(tmp_path)
    journaled.register_reader("history")
    await journaled.persist(order_adds(journaled.state))
    await drive(journaled, T0)
    first_last_event_id = journaled.last_event_id
    segment = await journaled.take_snapshot()
    assert segment.file_event_id == first_last_event_id
    assert _segment_names(tmp_path) == [f"{BASE}--0.journal", segment.name]
    await journaled.close()
    reopened = await _open(tmp_path)
    _assert_same(reopened.state, journaled.state)
    await reopened.close()


async def test_old_segments_go_only_when_every_reader_released_them(tmp_path: Path) -> None:
    journaled = await _open(tmp_path)
    journaled.register_reader("history")
    journaled.register_reader("silent")
    await journaled.persist(order_adds(journaled.state)[:2])
    second = await journaled.take_snapshot()
    await journaled.persist(order_adds(journaled.state)[2:4])
    await journaled.take_snapshot()
    assert journaled.release("history", journaled.last_event_id) == []  # "silent" never released
    deleted = journaled.release("silent", second.file_event_id)
    assert deleted == [tmp_path / f"{BASE}--0.journal"]
    assert journaled.release("silent", journaled.last_event_id) == [second.path]
    await journaled.close()


async def test_a_segment_bigger_than_the_size_setting_rolls_over(tmp_path: Path) -> None:
    journaled = await _open(tmp_path, settings=JournalSettings(segment_size_limit=4_000))
    journaled.register_reader("history")
    await journaled.persist(order_adds(journaled.state))
    await drive(journaled, T0)
    await journaled.close()
    assert len(_segment_names(tmp_path)) >= 2
    reopened = await _open(tmp_path)
    _assert_same(reopened.state, journaled.state)
    await reopened.close()


async def test_an_event_that_does_not_apply_is_a_bug_that_stops_the_journal(tmp_path: Path) -> None:
    journaled = await _open(tmp_path)
    with pytest.raises(JournalStopped) as stopped:
        await journaled.persist([e.KeyedEvent("nobody", e.OrderStarted())])
    assert isinstance(stopped.value.__cause__, InapplicableJournaledEvent)
    with pytest.raises(JournalStopped):
        await journaled.persist(order_adds(journaled.state)[:1])
    await journaled.close()


async def test_a_journal_of_another_state_type_is_refused(tmp_path: Path) -> None:
    journaled = await _open(tmp_path)
    await journaled.close()
    result = await JournaledState.open(
        tmp_path, base=BASE, clock=ManualClock(), settings=JournalSettings(type_name="AgentState")
    )
    assert isinstance(result, Problem) and "not a AgentState" in result.message
