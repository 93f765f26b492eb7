"""The expression tree: frozen nodes, produced by the parser and read by the evaluator and the printer."""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

import msgspec


class Node(msgspec.Struct, frozen=True, gc=False):
    pass


class Constant(Node, frozen=True, gc=False):
    """`true`, `1.5`, `'text'`, `missing`: a `Value` or `MISSING`."""

    value: Any


class NamedValue(Node, frozen=True, gc=False):
    """`$name`, `${name}` or `$1`: the order variable (or regex group, or lambda parameter) `name`."""

    name: str


Where: TypeAlias = Literal["argument", "last", "label", "job"]


class VariableLookup(Node, frozen=True, gc=False):
    """`argument(key, default=)` or `variable(key, label=L | job=J, default=)`."""

    key: Expression
    where: Where = "last"
    where_name: str | None = None
    default: Expression | None = None


class Argument(Node, frozen=True, gc=False):
    expression: Expression
    name: str | None = None


class FunctionCall(Node, frozen=True, gc=False):
    """`name(args)`, or a bare symbol like `orderId` when `arguments` is None."""

    name: str
    arguments: tuple[Argument, ...] | None = None


class JobResourceVariable(Node, frozen=True, gc=False):
    """`JobResource:path:name`, or the object of all variables with `JobResource:path`."""

    path: str
    name: str | None = None


UnaryOperator: TypeAlias = Literal["!", "-"]
BinaryOperator: TypeAlias = Literal[
    "*", "/", "+", "-", "++", "<", "<=", ">", ">=", "==", "!=", "&&", "||", "in", "matches"
]


class Unary(Node, frozen=True, gc=False):
    operator: UnaryOperator
    operand: Expression


class Binary(Node, frozen=True, gc=False):
    operator: BinaryOperator
    left: Expression
    right: Expression


class OrMissing(Node, frozen=True, gc=False):
    """`a?`: the value of `a`, or missing when `a` fails."""

    operand: Expression


class Catch(Node, frozen=True, gc=False):
    """`a ? b`: the value of `a`, or of `b` when `a` fails or is missing."""

    operand: Expression
    default: Expression


class IfThenElse(Node, frozen=True, gc=False):
    condition: Expression
    then: Expression
    otherwise: Expression


class Dot(Node, frozen=True, gc=False):
    """`a.name`: a field of an object."""

    operand: Expression
    name: str


class Apply(Node, frozen=True, gc=False):
    """`a(i)`: the element `i` of a list, or a function value applied to one argument."""

    operand: Expression
    argument: Expression


class ListExpr(Node, frozen=True, gc=False):
    elements: tuple[Expression, ...]


class ObjectExpr(Node, frozen=True, gc=False):
    fields: tuple[tuple[str, Expression], ...]


class InterpolatedString(Node, frozen=True, gc=False):
    """`"text $name ${name} $(expr)"`: the parts are concatenated as strings."""

    parts: tuple[Expression, ...]


class ErrorExpr(Node, frozen=True, gc=False):
    """`error(message)`: always fails with the message."""

    message: Expression


class FunctionExpr(Node, frozen=True, gc=False):
    """`(x, i) => body`: evaluates to a function value."""

    parameters: tuple[str, ...]
    body: Expression


Expression: TypeAlias = (
    Constant
    | NamedValue
    | VariableLookup
    | FunctionCall
    | JobResourceVariable
    | Unary
    | Binary
    | OrMissing
    | Catch
    | IfThenElse
    | Dot
    | Apply
    | ListExpr
    | ObjectExpr
    | InterpolatedString
    | ErrorExpr
    | FunctionExpr
)


def nesting_depth(root: Node) -> int:
    """How many nodes deep the tree is (a constant alone is 1), found without recursion."""
    deepest = 0
    pending = [(root, 1)]
    while pending:
        node, level = pending.pop()
        deepest = max(deepest, level)
        pending.extend((child, level + 1) for child in _children(node))
    return deepest


def _children(node: Node) -> list[Node]:
    found: list[Node] = []
    for name in node.__struct_fields__:
        _collect_nodes(getattr(node, name), found)
    return found


def _collect_nodes(value: object, found: list[Node]) -> None:
    """The nodes in a field: the node itself, or those in a tuple (of arguments, elements, object fields)."""
    if isinstance(value, Node):
        found.append(value)
    elif isinstance(value, tuple):
        for item in value:
            _collect_nodes(item, found)
