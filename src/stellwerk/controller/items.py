"""UpdateItems: adding, changing and deleting items on the Controller (js7-reference §1.1). Pure.

A workflow without a versionId gets a new version (a workflow version never changes); a simple item that
exists is changed, otherwise added; an item still in use (by orders, workflows or FileWatches) is not deleted.
All operations of one UpdateItems apply, or none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import msgspec
from msgspec.structs import replace

from stellwerk.controller.effects import find_item, items_needed
from stellwerk.controller.scratch import try_all
from stellwerk.engine.clone import clone
from stellwerk.engine.state import EngineState
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import item_events as ie
from stellwerk.model.instructions import ExecuteAnonymous
from stellwerk.model.items import WorkflowControl, WorkflowPathControl
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow, walk


class AddOrChange(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="AddOrChange"):
    item: ie.AnyItem


class Delete(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Delete"):
    key: str


class UpdateItems(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="UpdateItems"):
    operations: tuple[AddOrChange | Delete, ...]


def update_items_events(
    state: EngineState, update: UpdateItems, new_version: Callable[[], str]
) -> list[e.KeyedEvent] | Problem:
    """The ItemAdded / ItemChanged / ItemDeleted events of `update`, or the Problem of the first bad operation."""
    scratch = clone(state)
    emitted: list[e.KeyedEvent] = []
    for operation in update.operations:
        if isinstance(operation, AddOrChange):
            events = _add_or_change(scratch, operation.item, new_version)
        else:
            events = _delete(scratch, operation.key)
        if isinstance(events, Problem):
            return events
        if problem := try_all(scratch, events):
            return problem
        emitted += events
    return emitted


def _add_or_change(
    state: EngineState, item: ie.AnyItem, new_version: Callable[[], str]
) -> list[e.KeyedEvent] | Problem:
    if isinstance(item, Workflow):
        if not item.path:
            return Problem("A workflow needs a path")
        item = item if item.version_id else replace(item, version_id=new_version())
    key = ie.item_key(item)
    if isinstance(item, WorkflowPathControl | WorkflowControl):
        return Problem(
            f"{key} is made by the ControlWorkflowPath and ControlWorkflow commands, not by UpdateItems"
        )
    if key.endswith(":"):
        return Problem(f"The {key[:-1]} needs a path or id")
    existing = find_item(state, key)
    if existing is None:
        return [e.KeyedEvent("", ie.ItemAdded(item=item))]
    if existing == item:
        return []
    if isinstance(item, Workflow):
        return Problem(f"{key} exists already with a different content (a workflow version does not change)")
    return [e.KeyedEvent("", ie.ItemChanged(item=item))]


def _delete(state: EngineState, key: str) -> list[e.KeyedEvent] | Problem:
    kind, _, name = key.partition(":")
    if kind in ("WorkflowPathControl", "WorkflowControl"):
        return Problem(
            f"{key} is changed by the ControlWorkflowPath and ControlWorkflow commands, not deleted"
        )
    if kind == "Workflow" and "~" not in name:
        keys = [f"Workflow:{w}" for w in state.workflows if w.path == name]
    else:
        keys = [key] if find_item(state, key) is not None else []
    if not keys:
        return Problem(f"Unknown item {key}")
    for each in keys:
        if users := list(_users(state, each)):
            return Problem(f"{each} is in use by {', '.join(users[:3])}")
    controls = _controls_going_with(state, keys)
    return [e.KeyedEvent("", ie.ItemDeleted(key=each)) for each in [*keys, *controls]]


def _controls_going_with(state: EngineState, keys: list[str]) -> list[str]:
    """The controls of deleted workflow versions, and of a workflow path none of whose versions remain."""
    versions = {key.removeprefix("Workflow:") for key in keys if key.startswith("Workflow:")}
    going = [f"WorkflowControl:{version}" for version in versions if version in state.workflow_controls]
    for path in {version.partition("~")[0] for version in versions}:
        remaining = [w for w in state.workflows if w.path == path and str(w) not in versions]
        if not remaining and path in state.workflow_path_controls:
            going.append(f"WorkflowPathControl:{path}")
    return sorted(going)


def _users(state: EngineState, key: str) -> Iterator[str]:
    kind, _, name = key.partition(":")
    if kind == "Workflow":
        yield from (f"Order:{o.id}" for o in state.orders.values() if f"Workflow:{o.workflow_id}" == key)
        return
    for workflow in state.workflows.values():
        if _refers_to(state, workflow, kind, name):
            yield f"Workflow:{workflow.id}"
    if kind == "Lock":
        lock_state = state.lock_states.get(name)
        if lock_state is not None:
            yield from (f"Order:{order_id}" for order_id in [*lock_state.holders, *lock_state.queue])
    if kind == "AgentRef":
        yield from (f"FileWatch:{w.path}" for w in state.file_watches.values() if w.agent_path == name)


def _refers_to(state: EngineState, workflow: Workflow, kind: str, name: str) -> bool:
    match kind:
        case "Lock":
            return any(
                isinstance(instruction, i.Lock) and any(d.lock_path == name for d in instruction.demands)
                for _, instruction in walk(workflow.instructions)
            )
        case "JobResource" | "Calendar":
            return any(ie.item_key(item) == f"{kind}:{name}" for item in items_needed(state, workflow)[1:])
        case "AgentRef":
            agents = {job.agent_path for job in workflow.jobs.values()}
            agents |= {
                instruction.job.agent_path
                for _, instruction in walk(workflow.instructions)
                if isinstance(instruction, ExecuteAnonymous)
            }
            return name in agents
    return False
