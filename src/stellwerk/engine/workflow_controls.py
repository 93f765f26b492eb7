"""Workflow controls (js7-reference §3.0, §4.5). `ControlWorkflowPath` suspends every version of a workflow (its
orders start no new instruction until it is resumed) and skips its jobs by label; `ControlWorkflow` sets
breakpoints of one version (JOC: "stop" a job): an order arriving there is suspended, and goes on from there when
resumed. The commands make or change the control items (WorkflowPathControl, WorkflowControl); the Controller
gives them to the Agents that have the workflow, so that Agents honour them while alone. Pure.

Only Fresh (due) and Ready orders are held: an order in a job finishes it, one waiting (a retry delay, a cycle,
a notice) waits as before, and stops before its next instruction."""

from __future__ import annotations

from msgspec.structs import replace

from stellwerk.engine.instructions.common import move_on
from stellwerk.engine.state import EngineState
from stellwerk.engine.step import Events, Step
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from stellwerk.model.items import WorkflowControl, WorkflowPathControl
from stellwerk.model.position import Position, is_valid_shape, normalized
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow, WorkflowId, find_label, instruction_at

Result = list[e.KeyedEvent] | Problem
Control = WorkflowPathControl | WorkflowControl


def control_workflow_path_events(state: EngineState, command: c.ControlWorkflowPath) -> Result:
    path = command.workflow_path
    versions = [w for w in state.workflows.values() if w.path == path]
    if not versions:
        return Problem(f"Unknown workflow '{path}'")
    unknown = [label for label in command.skip if not any(find_label(w, label) for w in versions)]
    if unknown:
        return Problem(f"Unknown label '{unknown[0]}' in workflow '{path}'")
    current = state.workflow_path_controls.get(path) or WorkflowPathControl(path=path)
    skipped = set(current.skip) | {label for label, on in command.skip.items() if on}
    skipped -= {label for label, on in command.skip.items() if not on}
    suspended = current.suspended if command.suspend is None else command.suspend
    return _changed(state, current, replace(current, suspended=suspended, skip=tuple(sorted(skipped))))


def control_workflow_events(state: EngineState, command: c.ControlWorkflow) -> Result:
    workflow = state.workflows.get(command.workflow_id)
    if workflow is None:
        return Problem(f"Unknown workflow '{command.workflow_id}'")
    for field, positions in (
        ("addBreakpoints", command.add_breakpoints),
        ("removeBreakpoints", command.remove_breakpoints),
    ):
        for n, position in enumerate(positions):
            if not _is_instruction(workflow, position):
                return Problem(
                    f"{field}[{n}]: no instruction at position {list(position)} of '{workflow.id}'"
                )
    key = str(command.workflow_id)
    current = state.workflow_controls.get(key) or WorkflowControl(id=command.workflow_id)
    breakpoints = dict.fromkeys(current.breakpoints) | dict.fromkeys(map(normalized, command.add_breakpoints))
    for position in command.remove_breakpoints:
        breakpoints.pop(normalized(position), None)
    return _changed(state, current, replace(current, breakpoints=tuple(breakpoints)))


def _is_instruction(workflow: Workflow, position: Position) -> bool:
    return is_valid_shape(position) and not isinstance(
        instruction_at(workflow, position), i.ImplicitEnd | None
    )


def _changed(state: EngineState, current: Control, updated: Control) -> Result:
    """ItemAdded or ItemChanged with the next revision; nothing when the command changes nothing."""
    if updated == current:
        return []
    revised = replace(updated, item_revision=(current.item_revision or 0) + 1)
    exists = find_control(state, ie.item_key(current)) is not None
    event = ie.ItemChanged(item=revised) if exists else ie.ItemAdded(item=revised)
    return [e.KeyedEvent("", event)]


def find_control(state: EngineState, key: str) -> Control | None:
    kind, _, name = key.partition(":")
    if kind == "WorkflowPathControl":
        return state.workflow_path_controls.get(name)
    return state.workflow_controls.get(name) if kind == "WorkflowControl" else None


def controls_of(state: EngineState, workflow_id: WorkflowId) -> list[ie.AnyItem]:
    """The controls an Agent running orders of this workflow version needs."""
    found: list[ie.AnyItem] = []
    if (path_control := state.workflow_path_controls.get(workflow_id.path)) is not None:
        found.append(path_control)
    if (version_control := state.workflow_controls.get(str(workflow_id))) is not None:
        found.append(version_control)
    return found


def _controls(item: Control, workflow_id: WorkflowId) -> bool:
    if isinstance(item, WorkflowPathControl):
        return workflow_id.path == item.path
    return workflow_id == item.id


def agents_having_workflow(state: EngineState, item: Control) -> list[str]:
    """The Agents that have a workflow version the control is about (Controller)."""
    return sorted(
        agent
        for agent, keys in state.attached_items.items()
        if any(
            _controls(item, workflow_id) and f"Workflow:{workflow_id}" in keys
            for workflow_id in state.workflows
        )
    )


def orders_controlled(state: EngineState, item: Control) -> list[str]:
    """The orders a changed control may let move (or hold)."""
    return [order.id for order in state.orders.values() if _controls(item, order.workflow_id)]


def held(step: Step) -> Events | None:
    """An order held before its instruction: at a breakpoint it is suspended (at the Controller: an attached
    order detaches first), in a suspended workflow it waits. None: the controls do not hold it."""
    order = step.order
    if not (step.state.workflow_controls or step.state.workflow_path_controls) or not _may_step(step):
        return None  # the common case first: no controls at all
    version_control = step.state.workflow_controls.get(str(order.workflow_id))
    if (
        version_control is not None
        and not order.is_resumed
        and normalized(order.position) in version_control.breakpoints
    ):
        return [e.OrderDetachable()] if order.is_attached else [e.OrderSuspended()]
    path_control = step.state.workflow_path_controls.get(order.workflow_id.path)
    return [] if path_control is not None and path_control.suspended else None


def skipped(step: Step) -> Events | None:
    """A job whose label is skipped: the order moves past it (OrderMoved, reason SkippedDueToWorkflowPathControl)."""
    path_control = step.state.workflow_path_controls.get(step.order.workflow_id.path)
    if path_control is None or not path_control.skip:
        return None
    instruction = step.instruction
    if not isinstance(instruction, i.ExecuteNamed | i.ExecuteAnonymous):
        return None
    if instruction.label is None or instruction.label not in path_control.skip or not _may_step(step):
        return None
    return move_on(step, reason=e.SkippedDueToWorkflowPathControl())


def _may_step(step: Step) -> bool:
    order = step.order
    if isinstance(order.state, o.Fresh):
        return order.scheduled_for is None or order.scheduled_for <= step.now
    return isinstance(order.state, o.Ready)
