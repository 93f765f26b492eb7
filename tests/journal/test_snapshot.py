"""The engine state as snapshot elements and back: orders, locks, notices and items are kept; indexes rebuilt."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from stellwerk.engine.apply import apply_event
from stellwerk.engine.derive import derive
from stellwerk.engine.item_state import AgentRecord, ExternalOrderRecord
from stellwerk.engine.state import EngineState
from stellwerk.journal.snapshot import (
    NOT_JOURNALED_FIELDS,
    REBUILT_FIELDS,
    SNAPSHOT_FIELDS,
    load_snapshot,
    snapshot_objects,
)
from stellwerk.model import order as o
from stellwerk.model.codec import encode
from stellwerk.model.items import AgentRef, Calendar, JobResource
from stellwerk.model.problems import Problem
from tests.engine.harness import T0
from tests.journal.journal_helpers import (
    encoded_locks,
    encoded_notices,
    encoded_orders,
    order_adds,
    rich_state,
)


def _running_state() -> EngineState:
    state = rich_state()
    state.job_resources["JR"] = JobResource(path="JR", variables={"a": "'1'"})
    state.calendars["dailyPlan"] = Calendar()
    state.agent_refs["agentA"] = AgentRef(path="agentA", directors=("sub",))
    state.agents["agentA"] = AgentRecord(agent_run_id="run-1", controller_id="c", observed_event_id=42)
    state.attached_items["agentA"] = {"Workflow:W~v1", "Lock:L1"}
    state.released["history"] = 1234
    state.external_orders[("fw", "file.txt")] = ExternalOrderRecord(arguments={"n": Decimal("1.5")})
    for keyed in order_adds(state):
        assert apply_event(state, keyed) is None
    order_ids = [k.key for k in order_adds(state)[:-1]]  # the poster stays Fresh
    derive(state, order_ids, T0)
    return state


def _reloaded(state: EngineState) -> EngineState:
    loaded = load_snapshot(snapshot_objects(state))
    assert not isinstance(loaded, Problem), loaded
    return loaded


def test_the_running_state_is_what_the_snapshot_should_keep() -> None:
    state = _running_state()
    assert state.lock_state("L1").holders == {"lock-a": None}
    assert state.lock_state("L1").queue == ["lock-b"]
    assert set(state.expecting) == {("B", "key-1"), ("B", "key-2")}
    assert any(isinstance(order.state, o.Processing) for order in state.orders.values())


def test_snapshot_and_load_give_equal_orders_locks_and_notices() -> None:
    state = _running_state()
    derive(state, ["post-1"], T0)  # posts key-1: a notice, and expect-1 reads it
    assert state.notices
    loaded = _reloaded(state)
    assert encoded_orders(loaded) == encoded_orders(state)
    assert encoded_locks(loaded) == encoded_locks(state)
    assert encoded_notices(loaded) == encoded_notices(state)


def test_items_and_bookkeeping_survive() -> None:
    state = _running_state()
    loaded = _reloaded(state)
    assert list(loaded.workflows) == list(state.workflows)
    assert loaded.latest_workflow == state.latest_workflow
    assert loaded.workflows == state.workflows
    for name in ("locks", "boards", "job_resources", "calendars", "agent_refs", "attached_items", "released"):
        assert getattr(loaded, name) == getattr(state, name), name
    assert encode(loaded.agents) == encode(state.agents)
    assert encode(list(loaded.external_orders.items())) == encode(list(state.external_orders.items()))
    assert (loaded.controller_id, loaded.role) == (state.controller_id, state.role)


def test_the_derived_indexes_are_rebuilt_from_the_orders() -> None:
    state = _running_state()
    loaded = _reloaded(state)
    assert loaded.expecting == state.expecting
    assert {k: v for k, v in loaded.processing.items() if v} == {
        k: v for k, v in state.processing.items() if v
    }


def test_the_latest_workflow_version_stays_the_latest_even_when_added_first() -> None:
    state = rich_state()
    v1 = next(w for w in state.workflows.values() if w.version_id == "v1" and w.path == "W")
    state.add_workflow(v1)  # v1 is the latest again, though v2 was added after it
    assert _reloaded(state).latest_workflow["W"] == v1.id


def test_every_engine_state_field_is_snapshotted_rebuilt_or_declared_not_journaled() -> None:
    fields = {f.name for f in dataclasses.fields(EngineState)}
    assert fields == SNAPSHOT_FIELDS | REBUILT_FIELDS | NOT_JOURNALED_FIELDS


def test_an_order_of_an_unknown_workflow_is_a_problem() -> None:
    state = _running_state()
    objects = [obj for obj in snapshot_objects(state) if not obj.startswith(b'{"TYPE":"Workflow"')]
    result = load_snapshot(objects)
    assert isinstance(result, Problem) and "unknown workflow" in result.message


def test_an_undecodable_element_is_a_problem_naming_it() -> None:
    result = load_snapshot([b'{"TYPE":"EngineMeta","controllerId":"c"}', b'{"TYPE":"Nonsense"}'])
    assert isinstance(result, Problem) and "Snapshot element 2" in result.message
