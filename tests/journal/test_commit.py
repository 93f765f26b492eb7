"""`JournaledState.commit`: applied at once, written behind, published only when durable; a rollover's
snapshot shows exactly what is written."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from stellwerk.engine.source import next_events
from stellwerk.journal.format import parse_segment
from stellwerk.journal.journaled import JournaledState
from stellwerk.model import events as e
from stellwerk.model.problems import Problem
from tests.engine.harness import T0
from tests.journal.journal_helpers import ManualClock, encoded_orders, order_adds, rich_state, step_events


class GatedSync:
    """An fdatasync that waits for the test's permission."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.open.set()

    def __call__(self, fd: int) -> None:
        assert self.open.wait(10)


async def _open(directory: Path, sync: GatedSync) -> JournaledState:
    journaled = await JournaledState.open(
        directory, base="controller", clock=ManualClock(), initial_state=rich_state, sync=sync
    )
    assert not isinstance(journaled, Problem), journaled
    return journaled


async def _commit_everything(journaled: JournaledState) -> list[asyncio.Future[object]]:
    """What the engine derives, committed order by order without waiting for durability."""
    futures: list[asyncio.Future[object]] = []
    for _ in range(50):
        transactions = step_events(journaled.state, T0)
        if not transactions:
            break
        for events in transactions:
            fresh = (
                events
                if isinstance(events[0].event, e.OrderProcessed)
                else next_events(journaled.state, events[0].key, T0)
            )
            if fresh:
                futures.append(journaled.commit(fresh))  # type: ignore[arg-type]
    return futures


async def test_committed_events_apply_at_once_and_publish_when_durable(tmp_path: Path) -> None:
    sync = GatedSync()
    journaled = await _open(tmp_path, sync)
    sync.open.clear()
    adds = order_adds(journaled.state)
    done = journaled.commit(adds)
    assert all(keyed.key in journaled.state.orders for keyed in adds)  # applied now
    await asyncio.sleep(0.05)
    assert not done.done()
    assert journaled.stream.after(0, None) == []  # nothing published before it is durable
    sync.open.set()
    stamped = await done
    assert [s.keyed for s in stamped] == adds
    assert [s.keyed for s in journaled.stream.after(0, None)] == adds  # type: ignore[union-attr]
    await journaled.close()


async def test_commits_behind_a_slow_sync_are_grouped_and_recover_to_the_live_state(tmp_path: Path) -> None:
    sync = GatedSync()
    journaled = await _open(tmp_path, sync)
    sync.open.clear()
    futures = [journaled.commit(order_adds(journaled.state)), *await _commit_everything(journaled)]
    assert len(futures) > 10
    sync.open.set()
    await asyncio.gather(*futures)
    live = encoded_orders(journaled.state)
    await journaled.close()
    reopened = await _open(tmp_path, GatedSync())
    assert encoded_orders(reopened.state) == live
    await reopened.close()


async def test_a_rollover_while_commits_wait_snapshots_only_what_is_written(tmp_path: Path) -> None:
    sync = GatedSync()
    journaled = await _open(tmp_path, sync)
    sync.open.clear()
    first = journaled.commit(order_adds(journaled.state))
    await asyncio.sleep(0.05)  # the writer now waits in fdatasync with the first transaction
    rollover = asyncio.ensure_future(journaled.take_snapshot())
    await asyncio.sleep(0)
    futures = [first, *await _commit_everything(journaled)]
    sync.open.set()
    await asyncio.gather(rollover, *futures)
    live = encoded_orders(journaled.state)
    await journaled.close()
    reopened = await _open(tmp_path, GatedSync())
    assert encoded_orders(reopened.state) == live  # no event applied twice, none lost
    await reopened.close()


async def test_a_given_time_of_an_event_is_journaled_and_read_back(tmp_path: Path) -> None:
    """The Controller keeps an Agent's time of the events it takes over (their EventIds are its own)."""
    sync = GatedSync()
    journaled = await _open(tmp_path, sync)
    adds = order_adds(journaled.state)
    times = [T0 - 5 - n for n in range(len(adds))]
    stamped = await journaled.commit(adds, times)
    assert [s.timestamp for s in stamped] == times
    segment = journaled.segment.path
    await journaled.close()
    parsed = parse_segment(segment.read_bytes())
    assert not isinstance(parsed, Problem)
    read = [s for transaction in parsed.transactions for s in transaction]
    assert [s.timestamp for s in read if s.keyed in adds] == times
