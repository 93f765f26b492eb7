"""Subagent selection (js7-reference §1.4): priorities, round-robin, availability, pools, waiting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stellwerk.engine.subagent_selection import (
    WAIT,
    Items,
    Load,
    SubagentLive,
    SubagentView,
    round_robin,
    select_subagent,
)
from stellwerk.model.items import SubagentBundle, SubagentItem
from stellwerk.model.problems import Problem

UP = SubagentLive()
DOWN = SubagentLive(available=False)


def items(bundle: dict[str, int | str], *, disabled: tuple[str, ...] = ()) -> Items:
    subagents = {
        sid: SubagentItem(id=sid, agent_path="A", uri=f"https://{sid}", disabled=sid in disabled)
        for sid in ("s1", "s2", "s3")
    }
    return Items(subagents=subagents, bundles={"B": SubagentBundle(id="B", subagent_to_priority=bundle)})


def view(**live: SubagentLive) -> SubagentView:
    return SubagentView(local_id="A", live={"s1": UP, "s2": UP, "s3": UP, **live})


@pytest.mark.parametrize(
    ("bundle", "live", "disabled", "load", "last", "expected"),
    [
        # Distinct priorities: fixed priority, the highest available wins.
        ({"s1": 2, "s2": 1}, {}, (), {}, None, "s1"),
        ({"s1": 2, "s2": 1}, {}, (), {}, "s1", "s1"),
        ({"s1": 2, "s2": 1}, {"s1": DOWN}, (), {}, None, "s2"),
        ({"s1": 2, "s2": 1}, {}, ("s1",), {}, None, "s2"),
        # Equal priorities: round-robin after the last one selected.
        ({"s1": 1, "s2": 1, "s3": 1}, {}, (), {}, None, "s1"),
        ({"s1": 1, "s2": 1, "s3": 1}, {}, (), {}, "s1", "s2"),
        ({"s1": 1, "s2": 1, "s3": 1}, {}, (), {}, "s3", "s1"),
        ({"s1": 1, "s2": 1, "s3": 1}, {"s2": DOWN}, (), {}, "s1", "s3"),
        # Expressions with the process count: s1 while it runs fewer than 2 processes, then missing.
        (
            {"s1": "if $js7SubagentProcessCount < 2 then 5 else missing", "s2": 1},
            {},
            (),
            {"s1": 1},
            None,
            "s1",
        ),
        (
            {"s1": "if $js7SubagentProcessCount < 2 then 5 else missing", "s2": 1},
            {},
            (),
            {"s1": 2},
            None,
            "s2",
        ),
        # Least busy first via the negated count.
        (
            {"s1": "0 - $js7SubagentProcessCount", "s2": "0 - $js7SubagentProcessCount"},
            {},
            (),
            {"s1": 3},
            None,
            "s2",
        ),
        # CPU and memory variables; absent where the Subagent did not report them (error → excluded).
        (
            {"s1": "if $js7CpuLoad < 0.5 then 2 else 0", "s2": 1},
            {"s1": SubagentLive(cpu_load=Decimal("0.9"))},
            (),
            {},
            None,
            "s2",
        ),
        (
            {"s1": "if $js7FreeMemorySize > 1000 then 2 else 0", "s2": 1},
            {"s1": SubagentLive(free_memory=5000)},
            (),
            {},
            None,
            "s1",
        ),
        ({"s1": "$js7CpuLoad", "s2": 0}, {}, (), {}, None, "s2"),
        # A priority that is no number excludes the member.
        ({"s1": "'high'", "s2": 0}, {}, (), {}, None, "s2"),
        # None available: wait.
        ({"s1": 1, "s2": 1}, {"s1": DOWN, "s2": DOWN}, (), {}, None, WAIT),
        ({"s1": 1, "s2": 1}, {"s1": DOWN}, ("s2",), {}, None, WAIT),
    ],
)
def test_bundle_selection(
    bundle: dict[str, int | str],
    live: dict[str, SubagentLive],
    disabled: tuple[str, ...],
    load: dict[str, int],
    last: str | None,
    expected: object,
) -> None:
    selected = select_subagent(
        "B", view(**live), items(bundle, disabled=disabled), Load(by_subagent=load), last
    )
    assert selected == expected


def test_cluster_process_count_counts_the_processes_started_through_the_bundle() -> None:
    bundle = {"s1": "if $js7ClusterProcessCount < 3 then 2 else missing", "s2": 1}
    load = Load(by_target_subagent={("B", "s1"): 2, ("other", "s1"): 5})
    assert select_subagent("B", view(), items(bundle), load, None) == "s1"
    load = Load(by_target_subagent={("B", "s1"): 2, ("B", "s2"): 1})
    assert select_subagent("B", view(), items(bundle), load, None) == "s2"


def test_no_target_and_the_empty_string_select_the_local_subagent() -> None:
    assert select_subagent(None, view(), items({}), Load(), None) == "A"
    assert select_subagent("", view(), items({}), Load(), None) == "A"


def test_a_subagent_id_selects_exactly_that_subagent_or_waits_for_it() -> None:
    assert select_subagent("s2", view(), items({}), Load(), None) == "s2"
    assert select_subagent("s2", view(s2=DOWN), items({}), Load(), None) is WAIT
    assert select_subagent("s2", view(), items({}, disabled=("s2",)), Load(), None) is WAIT


def test_an_unknown_target_is_a_problem() -> None:
    selected = select_subagent("nowhere", view(), items({}), Load(), None)
    assert isinstance(selected, Problem)
    assert "nowhere" in selected.message


def test_elastic_pool_round_robin_over_live_members() -> None:
    pool_view = SubagentView(
        local_id="A", live={"p1": UP, "p2": UP, "p3": DOWN}, pools={"P": ("p1", "p2", "p3")}
    )
    picks = []
    last = None
    for _ in range(4):
        selected = select_subagent("P", pool_view, Items(), Load(), last)
        assert isinstance(selected, str)
        picks.append(selected)
        last = selected
    assert picks == ["p1", "p2", "p1", "p2"]


def test_least_loaded_pool_prefers_the_least_busy_member() -> None:
    pool_view = SubagentView(
        local_id="A",
        live={"p1": UP, "p2": UP},
        pools={"P": ("p1", "p2")},
        least_loaded_pools=frozenset({"P"}),
    )
    assert select_subagent("P", pool_view, Items(), Load(by_subagent={"p1": 1}), "p2") == "p2"
    assert select_subagent("P", pool_view, Items(), Load(), "p1") == "p2"


def test_an_empty_pool_waits() -> None:
    pool_view = SubagentView(local_id="A", pools={"P": ()})
    assert select_subagent("P", pool_view, Items(), Load(), None) is WAIT


def test_round_robin_continues_after_a_member_that_left() -> None:
    assert round_robin(["a", "c"], "b") == "c"
    assert round_robin(["a", "c"], "d") == "a"
