"""Group commit: concurrent persist calls share fdatasyncs, and return only when their events are durable."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from stellwerk.journal.journaled import JournaledState
from stellwerk.journal.writer import INLINE_SYNC_LIMIT, JournalStopped
from stellwerk.model import events as e
from stellwerk.model.problems import Problem
from tests.engine.harness import state_with
from tests.journal.journal_helpers import CountingSync, ManualClock, two_step_workflow


async def _open(directory: Path, sync: object) -> JournaledState:
    journaled = await JournaledState.open(
        directory,
        base="controller",
        clock=ManualClock(),
        initial_state=lambda: state_with(two_step_workflow()),
        sync=sync,  # type: ignore[arg-type]
    )
    assert not isinstance(journaled, Problem), journaled
    return journaled


def _added(journaled: JournaledState, order_id: str) -> list[e.KeyedEvent]:
    workflow_id = journaled.state.latest_workflow["W"]
    return [e.KeyedEvent(order_id, e.OrderAdded(workflow_id=workflow_id))]


async def test_many_concurrent_persist_calls_share_few_fdatasyncs(tmp_path: Path) -> None:
    sync = CountingSync()
    journaled = await _open(tmp_path, sync)
    results = await asyncio.gather(*(journaled.persist(_added(journaled, f"o{n}")) for n in range(500)))
    assert 1 <= sync.calls <= 3
    ids = [stamped.event_id for result in results for stamped in result]
    assert ids == sorted(ids) and len(set(ids)) == 500
    assert len(journaled.state.orders) == 500
    await journaled.close()
    assert journaled.segment.path.read_bytes().count(b'"TYPE":"OrderAdded"') == 500


async def test_sequential_persist_calls_sync_each_time(tmp_path: Path) -> None:
    sync = CountingSync()
    journaled = await _open(tmp_path, sync)
    for n in range(5):
        await journaled.persist(_added(journaled, f"o{n}"))
    assert sync.calls == 5
    await journaled.close()


async def test_persist_returns_only_after_the_fdatasync(tmp_path: Path) -> None:
    release = threading.Event()
    entered = threading.Event()

    def blocking_sync(fd: int) -> None:
        entered.set()
        assert release.wait(10)
        os.fdatasync(fd)

    journaled = await _open(tmp_path, blocking_sync)
    persisting = asyncio.create_task(journaled.persist(_added(journaled, "o1")))
    assert await asyncio.to_thread(entered.wait, 10)
    await asyncio.sleep(0.01)
    assert not persisting.done()
    assert "o1" not in journaled.state.orders  # not applied before it is durable
    release.set()
    stamped = await persisting
    assert stamped[0].keyed.key == "o1" and "o1" in journaled.state.orders
    await journaled.close()


async def test_a_failing_fdatasync_stops_the_journal(tmp_path: Path) -> None:
    def failing_sync(fd: int) -> None:
        raise OSError(5, "I/O error")

    journaled = await _open(tmp_path, failing_sync)
    with pytest.raises(JournalStopped) as failed:
        await journaled.persist(_added(journaled, "o1"))
    assert isinstance(failed.value.__cause__, OSError)
    assert "o1" not in journaled.state.orders
    with pytest.raises(JournalStopped):
        await journaled.persist(_added(journaled, "o2"))
    await journaled.close()


async def test_an_empty_persist_writes_nothing(tmp_path: Path) -> None:
    sync = CountingSync()
    journaled = await _open(tmp_path, sync)
    assert await journaled.persist([]) == ()
    await journaled.close()
    assert sync.calls == 0


class _ThreadRecordingSync:
    """A stand-in for fdatasync (durability is not the point here) that notes the thread it runs in and takes
    `seconds`: a real one may take longer than the limit now and then on a busy machine."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.threads: list[int] = []

    def __call__(self, fd: int) -> None:
        self.threads.append(threading.get_ident())
        time.sleep(self.seconds)


@pytest.mark.parametrize(("seconds", "inline_after_the_first"), [(0.0, True), (INLINE_SYNC_LIMIT * 2, False)])
async def test_a_fast_disk_syncs_in_the_loops_thread_a_slow_one_in_another(
    tmp_path: Path, seconds: float, inline_after_the_first: bool
) -> None:
    sync = _ThreadRecordingSync(seconds)
    journaled = await _open(tmp_path, sync)
    for n in range(4):
        await journaled.persist(_added(journaled, f"o{n}"))
    await journaled.close()
    loop_thread = threading.get_ident()
    assert sync.threads[0] != loop_thread  # a disk not yet seen
    assert all((thread == loop_thread) is inline_after_the_first for thread in sync.threads[1:4]), (
        sync.threads
    )
