"""AddOrder (JS7 AddOrderExecutor): at the Controller, add an independent order to the newest version of a workflow.

OrderOrderAdded (keyed by the adding order) then OrderMoved to the next instruction. The id, arguments and planId
are expressions in the adding order's scope; planId defaults to the adding order's plan. Any problem — an unknown
workflow, an expression error, an invalid id (empty or containing '|'), an id in use, arguments that the
workflow's orderPreparation rejects — fails the adding order with a Disrupted outcome. The argument check is the
simple one: undeclared names (unless allowUndeclared), `final` parameters given, required parameters missing, and
the plain types String/Number/Boolean; List and Object parameters are not checked here.
Not implemented: JS7's throttle (10000 orders/min, OrderSleeping{cause:Throttle}).
"""

from __future__ import annotations

from typing import Any

from stellwerk.engine.instructions.common import at_controller, move_on
from stellwerk.engine.scope import evaluate, evaluate_named_values, evaluate_string
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.order import PlanId
from stellwerk.model.outcome import disrupted
from stellwerk.model.problems import Problem
from stellwerk.model.values import is_number
from stellwerk.model.workflow import OrderPreparation

RESERVED_ORDER_ID_CHARACTERS = "|"


def next_events(step: Step, instruction: i.AddOrder) -> Events:
    if (first := at_controller(step)) is not None:
        return first
    if not isinstance(step.order.state, o.Ready):
        return []
    added = order_added(step, instruction)
    if isinstance(added, Problem):
        return [e.OrderOutcomeAdded(outcome=disrupted(added.message))]
    return [added, *move_on(step)]


def order_added(step: Step, instruction: i.AddOrder) -> e.OrderOrderAdded | Problem:
    """The OrderOrderAdded event for the new order, or why it cannot be added."""
    workflow_id = step.state.latest_workflow.get(instruction.workflow_path)
    if workflow_id is None:
        return Problem(f"Unknown workflow '{instruction.workflow_path}'")
    order_id = evaluate_string(step, instruction.order_id)
    if isinstance(order_id, Problem):
        return order_id.prefixed("AddOrder orderId")
    if problem := check_order_id(order_id) or _check_unused(step, order_id):
        return problem
    plan_id = _plan_id(step, instruction)
    arguments = evaluate_named_values(step, instruction.arguments)
    for result in (plan_id, arguments):
        if isinstance(result, Problem):
            return result
    assert not isinstance(plan_id, Problem) and not isinstance(arguments, Problem)
    preparation = step.state.workflows[workflow_id].order_preparation
    if problem := check_arguments(preparation, arguments):
        return problem.prefixed(f"AddOrder '{order_id}'")
    return e.OrderOrderAdded(
        order_id=order_id,
        workflow_id=workflow_id,
        arguments=arguments,
        plan_id=plan_id,
        delete_when_terminated=instruction.delete_when_terminated,
        force_admission=instruction.force_admission,
        inner_block=instruction.inner_block or (),
        start_position=instruction.start_position,
        stop_positions=instruction.stop_positions,
    )


def check_order_id(order_id: str) -> Problem | None:
    if not order_id:
        return Problem("OrderId must not be empty")
    if any(c in order_id for c in RESERVED_ORDER_ID_CHARACTERS):
        return Problem(f"OrderId must not contain reserved characters: {RESERVED_ORDER_ID_CHARACTERS}")
    return None


def _check_unused(step: Step, order_id: str) -> Problem | None:
    return Problem(f"Order '{order_id}' exists already") if order_id in step.state.orders else None


def _plan_id(step: Step, instruction: i.AddOrder) -> PlanId | None | Problem:
    if instruction.plan_id is None:
        return step.order.plan_id
    result = evaluate(step, instruction.plan_id)
    if isinstance(result, Problem):
        return result.prefixed("AddOrder planId")
    if result == []:
        return None
    if isinstance(result, list) and len(result) == 2 and all(isinstance(v, str) and v for v in result):
        return (result[0], result[1])
    return Problem(f'Invalid PlanId expression result (["PlanSchemaId", "PlanKey"] expected): {result!r}')


_SIMPLE_TYPES: dict[str, Any] = {
    "String": lambda v: isinstance(v, str),
    "Number": is_number,
    "Boolean": lambda v: isinstance(v, bool),
}


def check_arguments(preparation: OrderPreparation, arguments: dict[str, Any]) -> Problem | None:
    """The simple checks of §1.2: undeclared, final, missing required, plain types."""
    parameters = preparation.parameters
    for name, value in arguments.items():
        declared = parameters.get(name)
        if declared is None:
            if not preparation.allow_undeclared:
                return Problem(f"Unexpected order argument '{name}'")
            continue
        if declared.final is not None:
            return Problem(f"Order argument '{name}' is final and must not be given")
        check = _SIMPLE_TYPES.get(declared.type) if isinstance(declared.type, str) else None
        if check is not None and not check(value):
            return Problem(f"Order argument '{name}' must be of type {declared.type}")
    for name, declared in parameters.items():
        required = declared.default is None and declared.final is None
        if required and name not in arguments:
            return Problem(f"Missing order argument '{name}'")
    return None
