"""What an expression can see: the `Scope` protocol, a simple `MapScope`, and scopes for lambda parameters.

Name lookup rules, implemented by the evaluator on top of a Scope:
- `$x` and `variable('x')` ask `named_value`. When that answers None and `x` is a predefined `js7…` name,
  the evaluator derives it: `$js7EpochMilli`/`$js7EpochSecond` from `now_millis()`, `$js7OrderId` from
  `symbol('orderId')` (likewise WorkflowPath, WorkflowPosition, Label, ControllerId, TryCount, MaxTries),
  `$js7WorkflowTimezone` from `symbol('workflow').timezone`, any other `$js7…` (job context: js7JobName,
  js7JobExecutionCount, js7Job) from `symbol` with the full name. So a Scope implements symbols once (it may
  also answer `js7…` names itself), and an order argument named like a predefined name still wins, as in JS7.
- Optional capabilities (`job_resource_variables`, `subagent_ids`, `order_id_exists`, `call_function`) are
  used when the scope has the method (see the `Has…` protocols); otherwise the function is not available.
- Bare symbols (`orderId`, `tryCount`, `timedOut`, …) and argument-less calls ask `symbol`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from stellwerk.model.problems import Problem
from stellwerk.model.values import Value

if TYPE_CHECKING:
    from stellwerk.expr.runtime import Evaluated

NOT_AVAILABLE = "not available here"


class Scope(Protocol):
    """What every scope answers; None means "not known here" (the evaluator then reports a Problem)."""

    def named_value(self, name: str) -> Evaluated | Problem | None:
        """`$name` and `variable('name')`: an order variable (arguments win over outcomes)."""

    def argument(self, name: str) -> Evaluated | Problem | None:
        """`argument('name')`: an order argument only."""

    def labelled_value(self, label: str, name: str) -> Evaluated | Problem | None:
        """`variable('name', label=L)`: from the last outcome of the instruction labelled L."""

    def job_value(self, job_name: str, name: str) -> Evaluated | Problem | None:
        """`variable('name', job=J)`: from the last outcome of job J."""

    def symbol(self, name: str) -> Evaluated | Problem | None:
        """`orderId`, `tryCount`, … and the job-context `js7Job…` names."""

    def now_millis(self) -> int | None:
        """The instant for `now()` and `$js7EpochMilli`; None where `now()` is not allowed."""

    def scheduled_for(self) -> int | None:
        """The order's `scheduledFor` in epoch milliseconds, for `scheduledOrEmpty()`; None gives ""."""

    def env(self, name: str) -> str | None:
        """An environment variable (of the Agent process) for `env('NAME')`."""

    def job_resource_variable(self, job_resource: str, name: str) -> Evaluated | Problem:
        """`JobResource:jr:name` and `jobResourceVariable('jr', 'name')`."""


# Optional capabilities: a scope offers them by having the method; otherwise the function is not available.


@runtime_checkable
class HasJobResourceVariables(Protocol):
    def job_resource_variables(self, job_resource: str) -> Evaluated | Problem:
        """`JobResource:jr` and `jobResourceVariables('jr')`: all variables as an object."""


@runtime_checkable
class HasSubagentIds(Protocol):
    def subagent_ids(self, bundle: str | None) -> Evaluated | Problem:
        """`subagentIds(['bundle'])`: a list of subagent ids."""


@runtime_checkable
class HasOrderIds(Protocol):
    def order_id_exists(self, order_id: str) -> bool | Problem:
        """For `uniqueOrderId(pattern)`: whether an order with this id exists."""


@runtime_checkable
class HasFunctions(Protocol):
    def call_function(
        self, name: str, arguments: Sequence[tuple[str | None, Evaluated]]
    ) -> Evaluated | Problem | None:
        """A function the language does not define (e.g. `toFile` in job context); None if unknown."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MapScope:
    """A Scope from plain maps, for tests and simple contexts. `arguments` defaults to `named_values`."""

    named_values: Mapping[str, Value] = field(default_factory=dict)
    arguments: Mapping[str, Value] | None = None
    by_label: Mapping[str, Mapping[str, Value]] = field(default_factory=dict)
    by_job: Mapping[str, Mapping[str, Value]] = field(default_factory=dict)
    symbols: Mapping[str, Value] = field(default_factory=dict)
    now: int | None = None
    scheduled: int | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    job_resources: Mapping[str, Mapping[str, Value]] = field(default_factory=dict)
    subagent_bundles: Mapping[str, Sequence[str]] | None = None
    order_ids: frozenset[str] | None = None

    def named_value(self, name: str) -> Value | None:
        return self.named_values.get(name)

    def argument(self, name: str) -> Value | None:
        return (self.named_values if self.arguments is None else self.arguments).get(name)

    def labelled_value(self, label: str, name: str) -> Value | None:
        return self.by_label.get(label, {}).get(name)

    def job_value(self, job_name: str, name: str) -> Value | None:
        return self.by_job.get(job_name, {}).get(name)

    def symbol(self, name: str) -> Value | None:
        return self.symbols.get(name)

    def now_millis(self) -> int | None:
        return self.now

    def scheduled_for(self) -> int | None:
        return self.scheduled

    def env(self, name: str) -> str | None:
        return self.environment.get(name)

    def job_resource_variable(self, job_resource: str, name: str) -> Value | Problem:
        variables = self.job_resources.get(job_resource)
        if variables is None:
            return Problem(f"No such JobResource: {job_resource}")
        value = variables.get(name)
        return Problem(f"Unknown name: JobResource:{job_resource}:{name}") if value is None else value

    def job_resource_variables(self, job_resource: str) -> Value | Problem:
        variables = self.job_resources.get(job_resource)
        return Problem(f"No such JobResource: {job_resource}") if variables is None else dict(variables)

    def subagent_ids(self, bundle: str | None) -> Value | Problem:
        if self.subagent_bundles is None:
            return Problem(f"The subagentIds function is {NOT_AVAILABLE}")
        ids = self.subagent_bundles.get(bundle or "")
        return Problem(f"No such SubagentBundle: {bundle}") if ids is None else list(ids)

    def order_id_exists(self, order_id: str) -> bool | Problem:
        if self.order_ids is None:
            return Problem(f"The uniqueOrderId function is {NOT_AVAILABLE}")
        return order_id in self.order_ids


@dataclass(frozen=True, slots=True, kw_only=True)
class EmptyScope(MapScope):
    """Knows no names, no time, no environment: only constant expressions evaluate."""


EMPTY_SCOPE = EmptyScope()


@dataclass(frozen=True, slots=True)
class ParameterScope:
    """The parameters of an applied lambda in front of the scope it is evaluated in."""

    bindings: Mapping[str, Evaluated]
    parent: Scope

    def named_value(self, name: str) -> Evaluated | Problem | None:
        if name in self.bindings:
            return self.bindings[name]
        return self.parent.named_value(name)

    def argument(self, name: str) -> Evaluated | Problem | None:
        return self.parent.argument(name)

    def labelled_value(self, label: str, name: str) -> Evaluated | Problem | None:
        return self.parent.labelled_value(label, name)

    def job_value(self, job_name: str, name: str) -> Evaluated | Problem | None:
        return self.parent.job_value(job_name, name)

    def symbol(self, name: str) -> Evaluated | Problem | None:
        return self.parent.symbol(name)

    def now_millis(self) -> int | None:
        return self.parent.now_millis()

    def scheduled_for(self) -> int | None:
        return self.parent.scheduled_for()

    def env(self, name: str) -> str | None:
        return self.parent.env(name)

    def job_resource_variable(self, job_resource: str, name: str) -> Evaluated | Problem:
        return self.parent.job_resource_variable(job_resource, name)

    def job_resource_variables(self, job_resource: str) -> Evaluated | Problem:
        return job_resource_variables(self.parent, job_resource)

    def subagent_ids(self, bundle: str | None) -> Evaluated | Problem:
        return subagent_ids(self.parent, bundle)

    def order_id_exists(self, order_id: str) -> bool | Problem:
        return order_id_exists(self.parent, order_id)

    def call_function(
        self, name: str, arguments: Sequence[tuple[str | None, Evaluated]]
    ) -> Evaluated | Problem | None:
        return call_scope_function(self.parent, name, arguments)


def job_resource_variables(scope: Scope, job_resource: str) -> Evaluated | Problem:
    if isinstance(scope, HasJobResourceVariables):
        return scope.job_resource_variables(job_resource)
    return Problem(f"JobResources are {NOT_AVAILABLE}: JobResource:{job_resource}")


def subagent_ids(scope: Scope, bundle: str | None) -> Evaluated | Problem:
    if isinstance(scope, HasSubagentIds):
        return scope.subagent_ids(bundle)
    return Problem(f"The subagentIds function is {NOT_AVAILABLE}")


def order_id_exists(scope: Scope, order_id: str) -> bool | Problem:
    if isinstance(scope, HasOrderIds):
        return scope.order_id_exists(order_id)
    return Problem(f"The uniqueOrderId function is {NOT_AVAILABLE}")


def call_scope_function(
    scope: Scope, name: str, arguments: Sequence[tuple[str | None, Evaluated]]
) -> Evaluated | Problem | None:
    return scope.call_function(name, arguments) if isinstance(scope, HasFunctions) else None
