"""File-order decisions without I/O: stability, order ids, appeared and vanished."""

from __future__ import annotations

from stellwerk.agent.file_orders import (
    FileStat,
    StabilityTracker,
    file_order_events,
    matching,
    order_id_of,
    watched_directory,
)
from stellwerk.engine.apply import apply_event
from stellwerk.engine.state import EngineState
from stellwerk.model import item_events as ie
from stellwerk.model.items import FileWatch
from stellwerk.model.problems import Problem

NOW = 1_714_543_200_000


def watch(**fields: object) -> FileWatch:
    settings: dict[str, object] = {
        "path": "fw", "workflow_path": "W", "agent_path": "agentA", "directory_expr": "'/in'", "pattern": "(\\w+)\\.csv",
        **fields,
    }  # fmt: skip
    return FileWatch(**settings)  # type: ignore[arg-type]


def test_a_file_is_stable_when_unchanged_for_the_delay() -> None:
    tracker = StabilityTracker()
    assert tracker.stable("fw", {"a": FileStat(1, 1)}, now=10.0, delay=2) == set()
    assert tracker.stable("fw", {"a": FileStat(2, 2)}, now=11.0, delay=2) == set()  # grew: waits anew
    assert tracker.stable("fw", {"a": FileStat(2, 2)}, now=12.5, delay=2) == set()
    assert tracker.stable("fw", {"a": FileStat(2, 2)}, now=13.0, delay=2) == {"a"}
    assert tracker.stable("fw", {}, now=14.0, delay=2) == set()
    assert tracker.stable("fw", {"a": FileStat(2, 2)}, now=14.5, delay=2) == set()  # back: waits anew


def test_order_ids_from_the_default_an_expression_or_order_expr() -> None:
    plain = watch()
    match = matching(plain, "data.csv")
    assert match is not None and not isinstance(match, Problem)
    assert order_id_of(plain, "data.csv", match, {}, NOW) == "file:fw:data.csv"
    legacy = watch(order_id_expression="'#' ++ $1 ++ '#' ++ env('X')")
    assert order_id_of(legacy, "data.csv", match, {"X": "x"}, NOW) == "#data#x"
    new = watch(order_expr="{ orderId: $0 }")
    assert order_id_of(new, "data.csv", match, {}, NOW) == "data.csv"
    assert matching(plain, "data.txt") is None
    assert watched_directory(watch(directory_expr="env('IN')"), {"IN": "/x"}, NOW) == "/x"
    assert isinstance(watched_directory(watch(directory_expr="env('IN')"), {}, NOW), Problem)


def test_appeared_for_new_stable_files_vanished_for_gone_ones_and_appeared_again() -> None:
    state = EngineState(role="agent")
    fw = watch()
    listing = {"a.csv": FileStat(1, 1), "b.txt": FileStat(1, 1)}
    events, problems = file_order_events(state, fw, "/in", listing, {"a.csv", "b.txt"}, {}, NOW)
    assert problems == []
    assert [k.event for k in events] == [
        ie.ExternalOrderAppeared(
            external_order_name="a.csv", arguments={"file": "/in/a.csv"}, order_id="file:fw:a.csv"
        )
    ]
    assert apply_event(state, events[0]) is None
    assert file_order_events(state, fw, "/in", listing, {"a.csv"}, {}, NOW)[0] == []
    gone, _ = file_order_events(state, fw, "/in", {}, set(), {}, NOW)
    assert [k.event for k in gone] == [ie.ExternalOrderVanished(external_order_name="a.csv")]
    assert apply_event(state, gone[0]) is None
    again, _ = file_order_events(state, fw, "/in", listing, {"a.csv"}, {}, NOW)
    assert [type(k.event).__name__ for k in again] == ["ExternalOrderAppeared"]
