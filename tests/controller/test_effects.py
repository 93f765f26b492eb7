"""Which Agent commands the Controller's events call for, and what coupling re-sends. Pure."""

from __future__ import annotations

from stellwerk.controller.effects import Intent, commands_for, coupling_intents, intents_of
from stellwerk.engine.apply import apply_event
from stellwerk.engine.state import EngineState
from stellwerk.model import agent_commands as ac
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from stellwerk.model.items import FileWatch, JobResource
from tests.controller.support import shell_job, workflow

W = workflow(
    "W",
    [{"TYPE": "Execute.Named", "jobName": "j"}],
    {"j": shell_job("agentA", "exit 0", jobResourcePaths=["JR"])},
    versionId="v1",
)


def state_with(*events: e.KeyedEvent) -> EngineState:
    state = EngineState(role="controller")
    state.add_workflow(W)
    state.job_resources["JR"] = JobResource(path="JR")
    for keyed in events:
        assert apply_event(state, keyed) is None, keyed
    return state


ADDED = e.KeyedEvent("o1", e.OrderAdded(workflow_id=W.id))
ATTACHABLE = e.KeyedEvent("o1", e.OrderAttachable(agent_path="agentA"))


def test_an_attachable_order_is_attached_with_the_items_it_needs() -> None:
    state = state_with(ADDED, ATTACHABLE)
    assert intents_of(state, [ATTACHABLE]) == [("agentA", Intent("attach", "o1"))]
    known: set[str] = set()
    commands = commands_for(state, "agentA", Intent("attach", "o1"), known)
    assert [type(x).__name__ for x in commands] == ["AttachItem", "AttachItem", "AttachOrder"]
    attach = commands[-1]
    assert isinstance(attach, ac.AttachOrder)
    assert attach.order.attached_state == o.Attached(agent_path="agentA")
    assert known == {"Workflow:W~v1", "JobResource:JR"}
    assert commands_for(state, "agentA", Intent("attach", "o1"), known) == [attach], "items are sent once"
    assert commands_for(state, "agentB", Intent("attach", "o1"), set()) == [], "not this Agent's order"


def test_a_detachable_order_is_detached_and_marks_go_to_the_agent() -> None:
    attached = e.KeyedEvent("o1", e.OrderAttached(agent_path="agentA"))
    marked = e.KeyedEvent("o1", e.OrderCancellationMarked(mode=o.FreshOrStarted()))
    state = state_with(ADDED, ATTACHABLE, attached, marked)
    assert intents_of(state, [marked]) == [("agentA", Intent("mark", "o1"))]
    assert commands_for(state, "agentA", Intent("mark", "o1"), set()) == [
        ac.MarkOrder(order_id="o1", mark=o.Cancelling())
    ]
    detachable = e.KeyedEvent("o1", e.OrderDetachable())
    state = state_with(ADDED, ATTACHABLE, attached, detachable)
    assert intents_of(state, [detachable]) == [("agentA", Intent("detach", "o1"))]
    assert commands_for(state, "agentA", Intent("detach", "o1"), set()) == [ac.DetachOrder(order_id="o1")]
    assert commands_for(state, "agentA", Intent("mark", "o1"), set()) == [], "no mark"


def test_coupling_resends_what_the_agent_lacks() -> None:
    state = state_with(ADDED, ATTACHABLE)
    state.file_watches["fw"] = FileWatch(
        path="fw", workflow_path="W", agent_path="agentA", directory_expr="'/in'"
    )
    assert coupling_intents(state, "agentA", []) == [Intent("attach", "o1"), Intent("item", "FileWatch:fw")]
    assert coupling_intents(state, "agentA", ["o1"]) == [Intent("item", "FileWatch:fw")]
    state.attached_items["agentA"] = {"FileWatch:fw"}
    assert coupling_intents(state, "agentA", ["o1"]) == []
    assert coupling_intents(state, "agentB", []) == []


def test_a_file_watch_is_attached_to_its_agent_and_detached_when_deleted() -> None:
    watch = FileWatch(path="fw", workflow_path="W", agent_path="agentA", directory_expr="'/in'")
    added = e.KeyedEvent("", ie.ItemAdded(item=watch))
    state = state_with(added)
    assert intents_of(state, [added]) == [("agentA", Intent("item", "FileWatch:fw"))]
    assert commands_for(state, "agentA", Intent("item", "FileWatch:fw"), set()) == [ac.AttachItem(item=watch)]
    state.attached_items["agentA"] = {"FileWatch:fw"}
    deleted = e.KeyedEvent("", ie.ItemDeleted(key="FileWatch:fw"))
    assert intents_of(state, [deleted]) == [("agentA", Intent("detach_item", "FileWatch:fw"))]
