"""Commands (js7-reference §4.5): `execute_command(state, command, now)` returns the events that carry the
command out, or a Problem that changes nothing. Pure: the caller applies the events (then derives what follows,
for the orders `touched_orders` names).

Commands naming several orders, AddOrders and Batch are all or nothing. Unknown order ids are a Problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stellwerk.engine.agent_reset import reset_agent_events
from stellwerk.engine.apply import apply_events
from stellwerk.engine.clone import clone
from stellwerk.engine.derive import touched_by
from stellwerk.engine.instructions.common import move_on
from stellwerk.engine.mark_commands import cancel_order, go_order, resume_order, step_of, suspend_order
from stellwerk.engine.order_adding import add_order_events, add_orders_events
from stellwerk.engine.state import EngineState, board_of
from stellwerk.engine.step import Events, Step
from stellwerk.engine.workflow_controls import control_workflow_events, control_workflow_path_events
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import instruction_at

Result = list[e.KeyedEvent] | Problem
PerOrder = Callable[[Step], Events | Problem]


def execute_command(state: EngineState, command: c.Command, now: int) -> Result:
    """The events for `command`, or a Problem. `state` is not changed."""
    match command:
        case c.Batch():
            added = [inner.order for inner in command.commands if isinstance(inner, c.AddOrder)]
            if len(added) == len(command.commands):
                return add_orders_events(state, added, now)
            return _all_or_nothing(state, command.commands, now)
        case c.AddOrders():
            return add_orders_events(state, command.orders, now)
        case c.AddOrder():
            return add_order_events(state, command.order, now)
        case c.CancelOrders():
            return _per_order(state, command.order_ids, now, lambda step: cancel_order(step, command.mode))
        case c.SuspendOrders():
            return _per_order(state, command.order_ids, now, lambda step: suspend_order(step, command.mode))
        case c.ResumeOrder():
            return _per_order(state, (command.order_id,), now, lambda step: resume_order(step, command))
        case c.ResumeOrders():
            return _per_order(state, command.order_ids, now, lambda step: resume_order(step, _one(command)))
        case c.GoOrder():
            return _per_order(state, (command.order_id,), now, lambda step: go_order(step, command.position))
    return _other_command(state, command, now)


def _other_command(state: EngineState, command: c.Command, now: int) -> Result:
    match command:
        case c.AnswerOrderPrompt():
            return _per_order(state, (command.order_id,), now, _answer_prompt)
        case c.DeleteOrdersWhenTerminated():
            return _per_order(state, command.order_ids, now, _delete_when_terminated)
        case c.ChangeOrder():
            return _per_order(state, (command.order_id,), now, lambda step: _change(step, command.priority))
        case c.PostNotice() | c.DeleteNotice():
            return _notice_command(state, command)
        case c.TransferOrders():
            return _transfer(state, command)
        case c.ControlWorkflowPath():
            return control_workflow_path_events(state, command)
        case c.ControlWorkflow():
            return control_workflow_events(state, command)
        case c.ResetAgent():
            return reset_agent_events(state, command, now)
    return Problem(f"Unsupported command {type(command).__name__}")


def _one(command: c.ResumeOrders) -> c.ResumeOrder:
    return c.ResumeOrder(
        order_id="", as_succeeded=command.as_succeeded, restart_killed_job=command.restart_killed_job
    )


def _all_or_nothing(state: EngineState, commands: tuple[c.Command, ...], now: int) -> Result:
    """Each command sees the effects of the ones before; one Problem rejects them all. A mixed batch (an order
    added, then cancelled) needs the earlier commands applied, so it works on a copy; AddOrders needs none."""
    scratch = clone(state) if len(commands) > 1 else state
    emitted: list[e.KeyedEvent] = []
    for command in commands:
        result = execute_command(scratch, command, now)
        if isinstance(result, Problem):
            return result
        if scratch is not state and (problem := apply_events(scratch, result)):
            return problem
        emitted.extend(result)
    return emitted


def _per_order(state: EngineState, order_ids: tuple[str, ...], now: int, events_of: PerOrder) -> Result:
    if len(set(order_ids)) != len(order_ids):
        return Problem("OrderIds must be unique")
    unknown = [order_id for order_id in order_ids if order_id not in state.orders]
    if unknown:
        return Problem("; ".join(f"Unknown Order:{order_id}" for order_id in unknown))
    emitted: list[e.KeyedEvent] = []
    for order_id in order_ids:
        result = events_of(step_of(state, state.orders[order_id], now))
        if isinstance(result, Problem):
            return result
        emitted.extend(e.KeyedEvent(order_id, event) for event in result)
    return emitted


def _answer_prompt(step: Step) -> Events | Problem:
    if not isinstance(step.order.state, o.Prompting):
        return Problem(f"Order:{step.order.id} is not prompting")
    return [e.OrderPromptAnswered(), *move_on(step)]


def _delete_when_terminated(step: Step) -> Events | Problem:
    order = step.order
    if order.parent is not None:
        return Problem(f"Cannot delete a child order: Order:{order.id}")
    if order.external_order is not None:
        return Problem(f"Cannot delete a file watching Order:{order.id}")
    if order.is_terminated:
        return [e.OrderDeleted()]
    if order.deletion_marked or order.delete_when_terminated:
        return []
    return [e.OrderDeletionMarked()]


def _change(step: Step, priority: int) -> Events | Problem:
    if step.order.is_terminated:
        return Problem(f"Order:{step.order.id} has terminated")
    return [] if step.order.priority == priority else [e.OrderPriorityChanged(priority=priority)]


def _notice_command(state: EngineState, command: c.PostNotice | c.DeleteNotice) -> Result:
    board = board_of(command.notice_id)
    if board not in state.boards:
        return Problem(f"Unknown notice board '{board}'")
    if isinstance(command, c.PostNotice):
        return [
            e.KeyedEvent(board, e.NoticePosted(notice_id=command.notice_id, end_of_life=command.end_of_life))
        ]
    if command.notice_id not in state.notices:
        return Problem(f"Unknown notice {list(command.notice_id)}")
    return [e.KeyedEvent(board, e.NoticeDeleted(notice_id=command.notice_id))]


def _transfer(state: EngineState, command: c.TransferOrders) -> Result:
    """Every order of the version moves to the newest version, if its position and enclosing blocks are there."""
    source = state.workflows.get(command.workflow_id)
    if source is None:
        return Problem(f"Unknown workflow '{command.workflow_id}'")
    newest_id = state.latest_workflow[source.path]
    if newest_id == command.workflow_id:
        return Problem(f"Workflow '{command.workflow_id}' is the newest version already")
    target = state.workflows[newest_id]
    emitted: list[e.KeyedEvent] = []
    for order in sorted(state.orders.values(), key=lambda order: order.id):
        if order.workflow_id != command.workflow_id:
            continue
        position = order.position
        enclosing = [position[:depth] for depth in range(1, len(position), 2)]
        same_core = all(_same_core(instruction_at(source, p), instruction_at(target, p)) for p in enclosing)
        if not order.is_detached or instruction_at(target, position) is None or not same_core:
            return Problem(f"Order:{order.id} is not transferable to '{newest_id}'")
        moved = o.WorkflowPosition(workflow_id=newest_id, position=position)
        emitted.append(e.KeyedEvent(order.id, e.OrderTransferred(workflow_position=moved)))
    return emitted


def _same_core(a: Any, b: Any) -> bool:
    return a is not None and type(a) is type(b)


def touched_orders(state: EngineState, events: list[e.KeyedEvent]) -> list[str]:
    """The orders to derive after the command's events: their own, those expecting a posted notice, and those
    of a workflow whose controls changed."""
    touched: dict[str, None] = {}
    for keyed in events:
        if isinstance(keyed.event, e.NoticePosted):
            touched.update(dict.fromkeys(sorted(state.expecting.get(keyed.event.notice_id, ()))))
        elif isinstance(keyed.event, ie.ItemAdded | ie.ItemChanged):
            touched.update(dict.fromkeys(touched_by(state, None, keyed)))
        elif not isinstance(keyed.event, e.NoticeDeleted):
            touched[keyed.key] = None
    return [order_id for order_id in touched if order_id in state.orders]
