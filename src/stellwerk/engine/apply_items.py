"""Applying item, Agent and file-order events to the engine state (the order events are in apply.py)."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.item_state import AgentRecord, ExternalOrderRecord
from stellwerk.engine.state import EngineState
from stellwerk.model import item_events as ie
from stellwerk.model.items import (
    AgentRef,
    Calendar,
    FileWatch,
    GlobalBoard,
    JobResource,
    LockItem,
    PlannableBoard,
    PlanSchema,
    SubagentBundle,
    SubagentItem,
    WorkflowControl,
    WorkflowPathControl,
)
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow, WorkflowId

NonOrderEvent = ie.ItemEvent | ie.AgentEvent | ie.ExternalOrderEvent


def apply_non_order_event(state: EngineState, key: str, event: NonOrderEvent) -> Problem | None:
    match event:
        case ie.ItemAdded() | ie.ItemChanged() | ie.ItemAttachedToMe():
            return _put_item(state, event)
        case ie.ItemDeleted():
            return _delete_item(state, event.key)
        case ie.ItemAttached():
            state.attached_items.setdefault(event.delegate_id, set()).add(event.key)
        case ie.ItemDetached() if state.role == "agent":
            return _delete_item(state, event.key)  # detached from this Agent: it forgets the item
        case ie.ItemDetached():
            state.attached_items.get(event.delegate_id, set()).discard(event.key)
        case ie.ExternalOrderAppeared() | ie.ExternalOrderVanished():
            return _external_order(state, key, event)
        case _:
            _agent_event(state, key, event)
    return None


def _put_item(
    state: EngineState, event: ie.ItemAdded | ie.ItemChanged | ie.ItemAttachedToMe
) -> Problem | None:
    key = ie.item_key(event.item)
    exists = key in all_item_keys(state)
    if isinstance(event, ie.ItemAdded) and exists:
        return Problem(f"Duplicate item {key}")
    if isinstance(event, ie.ItemChanged) and not exists:
        return Problem(f"Unknown item {key}")
    _store(state, event.item)
    return None


def _store(state: EngineState, item: ie.AnyItem) -> None:
    match item:
        case Workflow():
            state.add_workflow(item)
        case LockItem():
            state.locks[item.path] = item
        case GlobalBoard() | PlannableBoard():
            state.boards[item.path] = item
        case JobResource():
            state.job_resources[item.path] = item
        case Calendar():
            state.calendars[item.path] = item
        case FileWatch():
            state.file_watches[item.path] = item
        case AgentRef():
            state.agent_refs[item.path] = item
        case SubagentItem():
            state.subagent_items[item.id] = item
        case SubagentBundle():
            state.subagent_bundles[item.id] = item
        case PlanSchema():
            state.plan_schemas[item.id] = item
        case WorkflowPathControl():
            state.workflow_path_controls[item.path] = item
        case WorkflowControl():
            state.workflow_controls[str(item.id)] = item


def all_item_keys(state: EngineState) -> set[str]:
    keys = {f"Workflow:{workflow_id}" for workflow_id in state.workflows}
    for registry in _registries(state).values():
        keys.update(ie.item_key(item) for item in registry.values())
    return keys


def _delete_item(state: EngineState, key: str) -> Problem | None:
    if problem := deletion_problem(state, key):
        return problem
    kind, _, name = key.partition(":")
    if kind == "Workflow":
        _delete_workflow_version(state, name)
    else:
        del _registry_of_kind(state, kind)[name]
    return None


def deletion_problem(state: EngineState, key: str) -> Problem | None:
    """Why the item cannot be deleted (unknown, a lock held, a workflow version with orders), or None."""
    kind, _, name = key.partition(":")
    if kind == "Workflow":
        workflow_id = _workflow_id(state, name)
        if workflow_id is None:
            return Problem(f"Unknown item Workflow:{name}")
        if any(order.workflow_id == workflow_id for order in state.orders.values()):
            return Problem(f"Workflow:{name} is in use by orders")
        return None
    registry = _registry_of_kind(state, kind)
    if name not in registry:
        return Problem(f"Unknown item {key}")
    if kind == "Lock" and name in state.lock_states and state.lock_states[name].holders:
        return Problem(f"{key} is in use")
    return None


def _registry_of_kind(state: EngineState, kind: str) -> dict[str, Any]:
    return _registries(state).get("Board" if kind in {"GlobalBoard", "PlannableBoard"} else kind, {})


def _registries(state: EngineState) -> dict[str, dict[str, Any]]:
    """The simple items by kind (boards of both kinds share one registry)."""
    return {
        "Lock": state.locks,
        "Board": state.boards,
        "JobResource": state.job_resources,
        "Calendar": state.calendars,
        "FileWatch": state.file_watches,
        "AgentRef": state.agent_refs,
        "SubagentItem": state.subagent_items,
        "SubagentBundle": state.subagent_bundles,
        "PlanSchema": state.plan_schemas,
        "WorkflowPathControl": state.workflow_path_controls,
        "WorkflowControl": state.workflow_controls,
    }


def _workflow_id(state: EngineState, printed_id: str) -> WorkflowId | None:
    path, _, version = printed_id.partition("~")
    return next((w for w in state.workflows if w.path == path and w.version_id == version), None)


def _delete_workflow_version(state: EngineState, printed_id: str) -> None:
    workflow_id = _workflow_id(state, printed_id)
    assert workflow_id is not None
    path = workflow_id.path
    del state.workflows[workflow_id]
    if state.latest_workflow.get(path) == workflow_id:
        remaining = [w for w in state.workflows if w.path == path]
        if remaining:
            state.latest_workflow[path] = remaining[-1]
        else:
            del state.latest_workflow[path]


def external_order_problem(
    state: EngineState, watch: str, event: ie.ExternalOrderAppeared | ie.ExternalOrderVanished
) -> Problem | None:
    """Why the file event does not apply (its file is known already, or unknown), or None."""
    record = state.external_orders.get((watch, event.external_order_name))
    if isinstance(event, ie.ExternalOrderAppeared) and record is not None and not record.vanished:
        return Problem(f"File order {event.external_order_name} of {watch} exists already")
    if isinstance(event, ie.ExternalOrderVanished) and record is None:
        return Problem(f"Unknown file order {event.external_order_name} of {watch}")
    return None


def _external_order(
    state: EngineState, watch: str, event: ie.ExternalOrderAppeared | ie.ExternalOrderVanished
) -> Problem | None:
    if problem := external_order_problem(state, watch, event):
        return problem
    name = (watch, event.external_order_name)
    if isinstance(event, ie.ExternalOrderAppeared):
        state.external_orders[name] = ExternalOrderRecord(
            arguments=dict(event.arguments), order_id=event.order_id
        )
    else:
        state.external_orders[name].vanished = True
    return None


def _agent_event(state: EngineState, key: str, event: ie.AgentEvent) -> None:
    match event:
        case ie.AgentDedicated():
            record = state.agents.setdefault(key or event.agent_path, AgentRecord())
            record.agent_run_id, record.controller_id = event.agent_run_id, event.controller_id
        case ie.AgentEventsObserved():
            state.agents.setdefault(key, AgentRecord()).observed_event_id = event.until_event_id
        case ie.AgentCoupled():
            state.agents.setdefault(key, AgentRecord()).coupling_problem = None
        case ie.AgentCouplingFailed():
            state.agents.setdefault(key, AgentRecord()).coupling_problem = event.problem
        case ie.AgentResetStarted():
            record = state.agents.setdefault(key, AgentRecord())
            record.resetting, record.reset_force = True, event.force
        case ie.AgentReset():
            state.agents[key] = AgentRecord()
        case ie.JournalEventsReleased():
            state.released[event.user_id] = max(state.released.get(event.user_id, 0), event.until_event_id)
