"""EventIds: milliseconds x 1000, strictly increasing whatever the clock does, below 2^53."""

from __future__ import annotations

import pytest

from stellwerk.journal.event_id import EVENT_ID_LIMIT, EventIdGenerator, EventIdOverflow
from stellwerk.model import events as e
from tests.journal.journal_helpers import ManualClock


def test_the_event_id_is_the_clock_in_microsecond_steps() -> None:
    ids = EventIdGenerator(ManualClock(1_000))
    assert ids.next_id(1_000) == 1_000_000
    assert ids.next_id(1_000) == 1_000_001
    assert ids.next_id(1_005) == 1_005_000


def test_the_event_id_never_goes_back_with_the_clock() -> None:
    ids = EventIdGenerator(ManualClock(), last=5_000_000)
    assert ids.next_id(4_000) == 5_000_001
    assert ids.last == 5_000_001


def test_stamp_reads_the_clock_once_and_numbers_the_events() -> None:
    clock = ManualClock(2_000)
    ids = EventIdGenerator(clock)
    keyed = [e.KeyedEvent("a", e.OrderStarted()), e.KeyedEvent("b", e.OrderStarted())]
    stamped = ids.stamp(keyed)
    assert [(s.event_id, s.timestamp, s.keyed.key) for s in stamped] == [
        (2_000_000, 2_000, "a"),
        (2_000_001, 2_000, "b"),
    ]


def test_stamp_keeps_a_given_time_and_numbers_by_the_clock() -> None:
    ids = EventIdGenerator(ManualClock(2_000))
    keyed = [e.KeyedEvent("a", e.OrderStarted()), e.KeyedEvent("b", e.OrderStarted())]
    stamped = ids.stamp(keyed, [1_990, None])
    assert [(s.event_id, s.timestamp) for s in stamped] == [(2_000_000, 1_990), (2_000_001, 2_000)]


def test_an_event_id_reaching_2_to_the_53_is_refused() -> None:
    ids = EventIdGenerator(ManualClock(), last=EVENT_ID_LIMIT - 2)
    assert ids.next_id(0) == EVENT_ID_LIMIT - 1
    with pytest.raises(EventIdOverflow):
        ids.next_id(0)
