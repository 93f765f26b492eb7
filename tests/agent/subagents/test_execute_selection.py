"""The engine starts a process on the Subagent the Director's view selects: round-robin over a bundle, waiting
while none is available, the process counts in expressions, StickySubagent keeping the first choice."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.obstacles import obstacles
from stellwerk.engine.state import EngineState
from stellwerk.engine.subagent_selection import SubagentLive, SubagentView
from stellwerk.model import events as e
from stellwerk.model.items import SubagentBundle, SubagentItem
from tests.engine.harness import T0, add_order, process, rc, run, shell_job, state_with, workflow

A = "agentA"
UP = SubagentLive()


def bundle_state(
    priorities: dict[str, int | str], instructions: list[dict[str, Any]] | None = None
) -> EngineState:
    jobs = {"j": shell_job(A, processLimit=100, subagentBundleIdExpr="'B'")}
    body = {"instructions": instructions or [{"TYPE": "Execute.Named", "jobName": "j"}], "jobs": jobs}
    state = state_with(workflow("W", body))
    for sid in ("s1", "s2"):
        state.subagent_items[sid] = SubagentItem(id=sid, agent_path=A, uri=f"https://{sid}")
    state.subagent_bundles["B"] = SubagentBundle(id="B", subagent_to_priority=priorities)
    state.subagent_view = SubagentView(local_id=A, live={"s1": UP, "s2": UP})
    return state


def started_on(events: list[e.KeyedEvent]) -> list[tuple[str, str | None]]:
    return [(k.key, k.event.subagent_id) for k in events if isinstance(k.event, e.OrderProcessingStarted)]


def test_equal_priorities_alternate_between_the_subagents() -> None:
    state = bundle_state({"s1": 1, "s2": 1})
    for n in range(4):
        add_order(state, f"o{n}", "W")
    assert started_on(run(state)) == [("o0", "s1"), ("o1", "s2"), ("o2", "s1"), ("o3", "s2")]
    assert state.subagent_processing == {"s1": {"o0", "o2"}, "s2": {"o1", "o3"}}
    process(state, "o0", rc(0))
    assert state.subagent_processing["s1"] == {"o2"}


def test_orders_wait_while_no_subagent_is_available_and_start_when_one_is() -> None:
    state = bundle_state({"s1": 2, "s2": 1})
    state.subagent_view = SubagentView(local_id=A, live={"s1": SubagentLive(available=False)})
    add_order(state, "o", "W")
    assert started_on(run(state)) == []
    assert obstacles(state, "o", T0) == ["no Subagent available"]  # waiting, Ready and cancellable
    state.subagent_view = SubagentView(local_id=A, live={"s1": UP, "s2": UP})
    assert started_on(run(state, "o")) == [("o", "s1")]


def test_a_priority_expression_sees_the_process_count() -> None:
    state = bundle_state({"s1": "if $js7SubagentProcessCount < 2 then 2 else missing", "s2": 1})
    for n in range(3):
        add_order(state, f"o{n}", "W")
    assert started_on(run(state)) == [("o0", "s1"), ("o1", "s1"), ("o2", "s2")]


def test_an_unknown_bundle_fails_the_step() -> None:
    state = bundle_state({"s1": 1})
    del state.subagent_bundles["B"]
    add_order(state, "o", "W")
    events = run(state)
    assert started_on(events) == []
    assert any(isinstance(k.event, e.OrderOutcomeAdded) for k in events)


def test_sticky_subagent_keeps_the_first_choice_for_the_block() -> None:
    execute = {"TYPE": "Execute.Named", "jobName": "j"}
    sticky = {"TYPE": "StickySubagent", "agentPath": A, "subworkflow": {"instructions": [execute, execute]}}
    state = bundle_state({"s1": 1, "s2": 1}, [execute, sticky])
    add_order(state, "o", "W")
    assert started_on(run(state)) == [("o", "s1")]
    # Round-robin would take s2 next; the block's first job takes it and sticks, the second keeps it.
    assert started_on(process(state, "o", rc(0))) == [("o", "s2")]
    assert state.orders["o"].sticky_subagents[0].stuck_subagent_id == "s2"
    assert started_on(process(state, "o", rc(0))) == [("o", "s2")]


def test_a_least_loaded_pool_counts_the_processes_running_on_its_members() -> None:
    state = bundle_state({})
    state.subagent_view = SubagentView(
        local_id=A, live={"p1": UP, "p2": UP}, pools={"B": ("p1", "p2")}, least_loaded_pools=frozenset({"B"})
    )
    del state.subagent_bundles["B"]  # the job's target 'B' is now the pool
    for n in range(2):
        add_order(state, f"o{n}", "W")
    assert started_on(run(state)) == [("o0", "p1"), ("o1", "p2")]
    process(state, "o1", rc(0))  # p2 is idle now; round-robin would go on with p1, which still runs o0
    add_order(state, "o2", "W")
    assert started_on(run(state, "o2")) == [("o2", "p2")]
