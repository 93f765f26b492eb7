"""What a job process gets from its order: environment variables and arguments, evaluated in the order's
scope with the job's default arguments and job resources (js7-reference §1.3, steps 1–2)."""

from __future__ import annotations

from functools import lru_cache

from stellwerk import expr
from stellwerk.engine.scope import JobResourceScope, OrderScope
from stellwerk.engine.step import Step
from stellwerk.expr.datetime_format import format_epoch_millis
from stellwerk.model import instructions as i
from stellwerk.model.items import JobResource
from stellwerk.model.jobs import InternalExecutable, WorkflowJob
from stellwerk.model.problems import Problem
from stellwerk.model.values import Value

Env = dict[str, str | None]


class JobInput:
    """The evaluated environment (None = unset) and the arguments of an InternalExecutable."""

    def __init__(self, env: Env, arguments: dict[str, Value], job_arguments: dict[str, Value]) -> None:
        self.env = env
        self.arguments = arguments
        self.job_arguments = job_arguments


def job_input(step: Step, job: WorkflowJob, instruction: i.Execute) -> JobInput | Problem:
    job_name = instruction.job_name if isinstance(instruction, i.ExecuteNamed) else None
    base = OrderScope(step, job=job, job_name=job_name)
    defaults = _evaluate_all(base, {**job.default_arguments, **instruction.default_arguments})
    if isinstance(defaults, Problem):
        return defaults
    scope = OrderScope(step, job=job, job_name=job_name, default_arguments=defaults)
    env = _evaluate_env(scope, getattr(job.executable, "env", {}))
    if isinstance(env, Problem):
        return env
    resources = _resources_env(step, scope, job)
    if isinstance(resources, Problem):
        return resources
    arguments: dict[str, Value] = {}
    job_arguments: dict[str, Value] = {}
    if isinstance(job.executable, InternalExecutable):
        evaluated = _evaluate_all(scope, job.executable.arguments)
        constants = _evaluate_all(scope, job.executable.job_arguments)
        for result in (evaluated, constants):
            if isinstance(result, Problem):
                return result
        assert not isinstance(evaluated, Problem) and not isinstance(constants, Problem)
        arguments = {**step.order.arguments, **defaults, **evaluated}
        job_arguments = constants
    return JobInput({**js7_variables(scope), **env, **resources}, arguments, job_arguments)


# The variables JS7's standard job resource gives every job: the order's symbols and two timestamps.
JS7_SYMBOLS = {
    "JS7_ORDER_ID": "js7OrderId",
    "JS7_WORKFLOW_NAME": "js7WorkflowPath",
    "JS7_WORKFLOW_POSITION": "js7WorkflowPosition",
    "JS7_LABEL": "js7Label",
    "JS7_JOB_NAME": "js7JobName",
    "JS7_CONTROLLER_ID": "js7ControllerId",
}
JS7_DATE_FORMAT = "yyyy-MM-dd HH:mm:ssZ"


def js7_variables(scope: OrderScope) -> Env:
    """JS7_ORDER_ID, JS7_WORKFLOW_NAME, …: a job's own env and its job resources may override them. Read from
    the scope directly, not through the expression evaluator: every job start pays for them."""
    env: Env = {}
    for name, symbol in JS7_SYMBOLS.items():
        value = scope.symbol(symbol)
        env[name] = None if value is None else expr.to_string_value(value)
    scheduled = scope.scheduled_for()
    env["JS7_SCHEDULED_DATE"] = "" if scheduled is None else _js7_date(scheduled)
    env["JS7_TASKSTART_DATE"] = _js7_date(scope.step.now)
    return env


def _js7_date(millis: int) -> str:
    return _js7_date_of_second(millis // 1000)


@lru_cache(maxsize=64)
def _js7_date_of_second(second: int) -> str:
    """The pattern shows whole seconds: the jobs started in one second share the text."""
    text = format_epoch_millis(second * 1000, JS7_DATE_FORMAT, None)
    assert isinstance(text, str), text  # a constant pattern in UTC
    return text


def _evaluate_all(
    scope: OrderScope | JobResourceScope, expressions: dict[str, str]
) -> dict[str, Value] | Problem:
    values: dict[str, Value] = {}
    for name, text in expressions.items():
        result = expr.evaluate_text(text, scope)
        if isinstance(result, Problem):
            return result.prefixed(name)
        if not isinstance(result, expr.Missing | expr.FunctionValue):
            values[name] = result
    return values


def _evaluate_env(scope: OrderScope | JobResourceScope, expressions: dict[str, str]) -> Env | Problem:
    env: Env = {}
    for name, text in expressions.items():
        result = expr.evaluate_text(text, scope)
        if isinstance(result, Problem):
            return result.prefixed(f"env {name}")
        if isinstance(result, expr.FunctionValue):
            return Problem(f"env {name}: a function is not a value")
        env[name] = None if isinstance(result, expr.Missing) else expr.to_string_value(result)
    return env


def _resources_env(step: Step, scope: OrderScope, job: WorkflowJob) -> Env | Problem:
    """JobResource env: for equal names the left-most resource wins; it overrides the executable's env."""
    env: Env = {}
    paths = (*job.job_resource_paths, *step.workflow.job_resource_paths)
    for path in reversed(paths):
        resource = step.state.job_resources.get(path)
        if resource is None:
            return Problem(f"Unknown JobResource '{path}'")
        own = _resource_variables(scope, resource)
        if isinstance(own, Problem):
            return own
        evaluated = _evaluate_env(JobResourceScope(scope, own), resource.env)
        if isinstance(evaluated, Problem):
            return evaluated.prefixed(f"JobResource:{path}")
        env.update(evaluated)
    return env


def _resource_variables(scope: OrderScope, resource: JobResource) -> dict[str, Value] | Problem:
    return _evaluate_all(JobResourceScope(scope), resource.variables)
