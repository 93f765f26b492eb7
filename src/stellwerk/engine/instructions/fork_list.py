"""ForkList: one child order per element of the `children` list, all running the same block (branch id `fork`).

`childToId` is a function `(x)` or `(x, i)` (element, 0-based index) giving the child's id suffix: the child is
`<parent>|<suffix>`; an empty, duplicate or `|`-containing suffix fails the parent. `childToArguments`, a function
of the same kind, gives an object merged into the child's arguments. Placement and join as for Fork.
"""

from __future__ import annotations

from collections import Counter

from stellwerk import expr
from stellwerk.engine.instructions.fork import fork_events
from stellwerk.engine.scope import OrderScope
from stellwerk.engine.step import Events, Step
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.problems import Problem
from stellwerk.model.values import Value, is_number


def next_events(step: Step, instruction: i.ForkList) -> Events:
    return fork_events(step, instruction, lambda s: list_children(s, instruction))


def list_children(step: Step, instruction: i.ForkList) -> tuple[o.ForkedChild, ...] | Problem:
    """The children of a ForkList for the order of `step`, or the problem that prevents forking."""
    scope = OrderScope(step)
    elements = expr.evaluate_text(instruction.children, scope)
    if isinstance(elements, Problem):
        return elements
    if not isinstance(elements, list):
        return Problem(f"ForkList children '{instruction.children}' is not a List: {expr.describe(elements)}")
    to_id = _function(instruction.child_to_id, "childToId", scope)
    to_arguments = _function(instruction.child_to_arguments, "childToArguments", scope)
    if isinstance(to_id, Problem):
        return to_id
    if isinstance(to_arguments, Problem):
        return to_arguments
    children: list[o.ForkedChild] = []
    for index, element in enumerate(elements):
        child = _child(step.order, [element, index], to_id, to_arguments, scope)
        if isinstance(child, Problem):
            return child
        children.append(child)
    return _unique(children, instruction)


def _function(text: str | None, name: str, scope: OrderScope) -> expr.FunctionValue | None | Problem:
    if text is None:
        return None
    function = expr.evaluate_text(text, scope)
    if isinstance(function, Problem):
        return function.prefixed(name)
    if not isinstance(function, expr.FunctionValue):
        return Problem(f"ForkList {name} is not a function: {text}")
    return function


def _child(
    parent: o.Order,
    arguments: list[Value],
    to_id: expr.FunctionValue | None,
    to_arguments: expr.FunctionValue | None,
    scope: OrderScope,
) -> o.ForkedChild | Problem:
    assert to_id is not None  # childToId is required by the model
    suffix = _child_id(expr.apply_function(to_id, arguments, scope))
    if isinstance(suffix, Problem):
        return suffix
    if not suffix or "|" in suffix:
        return Problem(f"Invalid child order id '{suffix}': must not be empty or contain '|'")
    extra: dict[str, Value] = {}
    if to_arguments is not None:
        result = expr.apply_function(to_arguments, arguments, scope)
        if isinstance(result, Problem):
            return result.prefixed("childToArguments")
        if not isinstance(result, dict):
            return Problem(f"ForkList childToArguments must return an Object, not {expr.describe(result)}")
        extra = result
    return o.ForkedChild(order_id=f"{parent.id}|{suffix}", arguments=extra)


def _child_id(result: Value | expr.Missing | Problem) -> str | Problem:
    if isinstance(result, Problem):
        return result.prefixed("childToId")
    if isinstance(result, str):
        return result
    if is_number(result):
        return expr.to_string_value(result)
    return Problem(f"ForkList childToId must return a String, not {expr.describe(result)}")


def _unique(children: list[o.ForkedChild], instruction: i.ForkList) -> tuple[o.ForkedChild, ...] | Problem:
    counts = Counter(c.order_id for c in children)
    duplicates = sorted(order_id for order_id, n in counts.items() if n > 1)
    if duplicates:
        return Problem(f"Duplicate child IDs in {instruction.children}: {', '.join(duplicates)}")
    return tuple(children)
