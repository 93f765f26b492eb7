"""Expressions evaluated for an order: its variables (§4.3), symbols, job resources and `now`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from stellwerk import expr
from stellwerk.engine.step import Step
from stellwerk.expr.text import describe
from stellwerk.model import position as pos
from stellwerk.model.instructions import ExecuteNamed, Instruction, Try
from stellwerk.model.jobs import WorkflowJob
from stellwerk.model.order import Order
from stellwerk.model.outcome import Caught, Failed, TimedOut, named_values
from stellwerk.model.problems import Problem
from stellwerk.model.values import Value, is_number
from stellwerk.model.workflow import instruction_at

Result = Any  # Value | expr.Missing | expr.FunctionValue


@dataclass(frozen=True, slots=True)
class OrderScope:
    """The scope of an order at its position (JS7 OrderScopes); `job` adds job symbols and default arguments."""

    step: Step
    job: WorkflowJob | None = None
    job_name: str | None = None
    default_arguments: dict[str, Value] | None = None
    with_now: bool = True
    extra: dict[str, Value] | None = None

    @property
    def order(self) -> Order:
        return self.step.order

    def named_value(self, name: str) -> Value | None:
        if self.extra is not None and name in self.extra:
            return self.extra[name]
        order = self.order
        if name in order.arguments:
            value: Value = order.arguments[name]
            return value
        declared = self.step.workflow.order_preparation.parameters.get(name)
        if declared is not None and (declared.default or declared.final) is not None:
            return _evaluate_default(self, declared.final or declared.default or "")
        for historic in reversed(order.historic_outcomes):
            values = named_values(historic.outcome)
            if name in values:
                found: Value = values[name]
                return found
        if self.default_arguments is not None and name in self.default_arguments:
            return self.default_arguments[name]
        return None

    def argument(self, name: str) -> Value | None:
        value: Value | None = self.order.arguments.get(name)
        return value

    def labelled_value(self, label: str, name: str) -> Value | None:
        return self._value_of(name, lambda instruction: instruction.label == label)

    def job_value(self, job_name: str, name: str) -> Value | None:
        return self._value_of(
            name,
            lambda instruction: isinstance(instruction, ExecuteNamed) and instruction.job_name == job_name,
        )

    def _value_of(self, name: str, matches: Callable[[Instruction], bool]) -> Value | None:
        for historic in reversed(self.order.historic_outcomes):
            instruction = instruction_at(self.step.workflow, historic.position)
            if instruction is not None and matches(instruction):
                found: Value | None = named_values(historic.outcome).get(name)
                return found
        return None

    def symbol(self, name: str) -> Value | None:
        order, workflow = self.order, self.step.workflow
        match name:
            case "orderId" | "js7OrderId":
                return order.id
            case "workflowPath" | "js7WorkflowPath":
                return workflow.path
            case "workflowPosition" | "js7WorkflowPosition":
                return f"{workflow.id}:{pos.to_string(order.position)}"
            case "label" | "js7Label":
                instruction = instruction_at(workflow, order.position)
                return (instruction.label or "") if instruction is not None else ""
            case "controllerId" | "js7ControllerId":
                return self.step.state.controller_id
            case "tryCount" | "js7TryCount":
                return try_count(order.position)
            case "maxTries" | "js7MaxTries":
                return max_tries(self.step)
            case "timedOut":
                return timed_out(order)
            case "js7WorkflowTimezone":
                return workflow.time_zone
            case "js7EpochMilli":
                return self.step.now if self.with_now else None
            case "js7EpochSecond":
                return self.step.now // 1000 if self.with_now else None
            case "workflow":
                return {"timezone": workflow.time_zone}
        return self._job_symbol(name)

    def _job_symbol(self, name: str) -> Value | None:
        job = self.job
        if job is None:
            return None
        match name:
            case "js7JobName":
                return self.job_name or ""
            case "js7JobExecutionCount":
                return job_execution_count(self.step, self.job_name)
        return None

    def now_millis(self) -> int | None:
        return self.step.now if self.with_now else None

    def scheduled_for(self) -> int | None:
        return self.order.scheduled_for

    def env(self, name: str) -> str | None:
        return self.step.state.agent_env.get(name)

    def order_id_exists(self, order_id: str) -> bool | Problem:
        return order_id in self.step.state.orders

    def job_resource_variable(self, job_resource: str, name: str) -> Value | Problem:
        resource = self.step.state.job_resources.get(job_resource)
        if resource is None:
            return Problem(f"Unknown JobResource '{job_resource}'")
        text = resource.variables.get(name)
        if text is None:
            return Problem(f"JobResource:{job_resource} has no variable '{name}'")
        result = expr.evaluate_text(text, JobResourceScope(self))
        if isinstance(result, Problem):
            return result
        if isinstance(result, expr.Missing | expr.FunctionValue):
            return Problem(f"JobResource:{job_resource}:{name} has no value")
        value: Value = result
        return value


@dataclass(frozen=True, slots=True)
class JobResourceScope:
    """JobResource variables see no order variables, only symbols (JS7 avoids clashes that way)."""

    outer: OrderScope
    own: dict[str, Value] | None = None

    def named_value(self, name: str) -> Value | None:
        if self.own is not None and name in self.own:
            return self.own[name]
        return self.outer.symbol(name)

    def argument(self, name: str) -> Value | None:
        return None

    def labelled_value(self, label: str, name: str) -> Value | None:
        return None

    def job_value(self, job_name: str, name: str) -> Value | None:
        return None

    def symbol(self, name: str) -> Value | None:
        return self.outer.symbol(name)

    def now_millis(self) -> int | None:
        return self.outer.now_millis()

    def scheduled_for(self) -> int | None:
        return self.outer.scheduled_for()

    def env(self, name: str) -> str | None:
        return self.outer.env(name)

    def job_resource_variable(self, job_resource: str, name: str) -> Value | Problem:
        return self.outer.job_resource_variable(job_resource, name)


def _evaluate_default(scope: OrderScope, text: str) -> Value | None:
    result = expr.evaluate_text(text, scope)
    if isinstance(result, Problem | expr.Missing | expr.FunctionValue):
        return None
    value: Value = result
    return value


def try_count(position: pos.Position) -> int:
    for _, bid in reversed(pos.segments(position)):
        kind = pos.branch_kind(bid)
        if kind in {"try", "catch"}:
            return pos.index_suffix(bid) + 1
        if kind not in {"then", "else"}:
            return 0
    return 0


def max_tries(step: Step) -> Value | None:
    position = step.order.position
    for depth in range(len(position) - 2, 0, -2):
        bid = position[depth]
        if isinstance(bid, str) and pos.branch_kind(bid) in {"try", "catch"}:
            found = instruction_at(step.workflow, position[:depth])
            if isinstance(found, Try) and found.max_tries is not None:
                return found.max_tries
            return None
    return None


def timed_out(order: Order) -> bool:
    for historic in reversed(order.historic_outcomes):
        if isinstance(historic.outcome, Caught):
            continue
        return isinstance(historic.outcome, TimedOut)
    return False


def job_execution_count(step: Step, job_name: str | None) -> int:
    if job_name is None:
        return 0
    count = 1
    for historic in step.order.historic_outcomes:
        instruction = instruction_at(step.workflow, historic.position)
        if isinstance(instruction, ExecuteNamed) and instruction.job_name == job_name:
            count += 1
    return count


def evaluate(step: Step, text: str, **scope_options: Any) -> Result | Problem:
    return expr.evaluate_text(text, OrderScope(step, **scope_options))


def evaluate_predicate(step: Step, text: str) -> bool | Problem:
    result = evaluate(step, text)
    if isinstance(result, Problem):
        return result
    if not isinstance(result, bool):
        return Problem(f"Expected a Boolean from '{text}', got {describe(result)}")
    return result


def evaluate_string(step: Step, text: str) -> str | Problem:
    result = evaluate(step, text)
    if isinstance(result, Problem):
        return result
    if isinstance(result, expr.Missing | expr.FunctionValue):
        return Problem(f"Expected a value from '{text}'")
    return result if isinstance(result, str) else expr.to_string_value(result)


def evaluate_number(step: Step, text: str) -> int | Decimal | Problem:
    result = evaluate(step, text)
    if isinstance(result, Problem):
        return result
    if isinstance(result, expr.Missing):
        return 0
    if not is_number(result):
        return Problem(f"Expected a Number from '{text}', got {describe(result)}")
    number: int | Decimal = result
    return number


def evaluate_named_values(
    step: Step, expressions: dict[str, str], **scope_options: Any
) -> dict[str, Value] | Problem:
    scope = OrderScope(step, **scope_options)
    values: dict[str, Value] = {}
    for name, text in expressions.items():
        result = expr.evaluate_text(text, scope)
        if isinstance(result, Problem):
            return result.prefixed(name)
        if isinstance(result, expr.Missing | expr.FunctionValue):
            continue
        values[name] = result
    return values


def failed_message(outcome: Failed) -> str:
    return outcome.message or ""
