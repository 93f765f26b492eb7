"""Expressions back to source text that parses to the same expression (parentheses only where needed)."""

from __future__ import annotations

from stellwerk.expr import ast
from stellwerk.expr.lexer import is_identifier_part, is_identifier_start
from stellwerk.expr.text import escape_for_double_quotes, value_to_source

FUNCTION, IF, WORD, OR, AND, EQUAL, COMPARE, ADD, MUL, PREFIX, QMARK, POSTFIX, FACTOR = range(13)

_BINARY_PRECEDENCE = {
    "in": WORD,
    "matches": WORD,
    "||": OR,
    "&&": AND,
    "==": EQUAL,
    "!=": EQUAL,
    "<": COMPARE,
    "<=": COMPARE,
    ">": COMPARE,
    ">=": COMPARE,
    "++": ADD,
    "+": ADD,
    "-": ADD,
    "*": MUL,
    "/": MUL,
}
_KEYWORDS = frozenset(
    {"argument", "false", "else", "error", "in", "if", "matches", "missing", "then", "true", "variable"}
)


def precedence(node: ast.Expression) -> int:
    match node:
        case ast.FunctionExpr():
            return FUNCTION
        case ast.IfThenElse():
            return IF
        case ast.Binary(operator=operator):
            return _BINARY_PRECEDENCE[operator]
        case ast.Unary():
            return PREFIX
        case ast.OrMissing() | ast.Catch():
            return QMARK
        case ast.Dot() | ast.Apply():
            return POSTFIX
    return FACTOR


def to_source(node: ast.Expression) -> str:
    match node:
        case ast.Constant(value=value):
            return _constant(value)
        case ast.NamedValue(name=name):
            return "$" + (name if name.isascii() and name.isdigit() else identifier_source(name))
        case ast.Binary(operator=operator, left=left, right=right):
            level = _BINARY_PRECEDENCE[operator]
            return f"{_child(left, level)} {operator} {_child(right, level + 1)}"
        case ast.Unary(operator=operator, operand=operand):
            text = _child(operand, PREFIX)
            # "-1" would parse as the number -1, and "--x" is no operator
            needs_parentheses = text[0] in "-+!" or text[0].isdigit()
            return operator + (f"({text})" if needs_parentheses else text)
        case ast.OrMissing(operand=operand):
            return _child(operand, QMARK) + "?"
        case ast.Catch(operand=operand, default=default):
            return f"{_child(operand, QMARK)} ? {_child(default, POSTFIX)}"
        case ast.IfThenElse(condition=condition, then=then, otherwise=otherwise):
            return f"if {_child(condition, WORD)} then {_child(then, IF)} else {_child(otherwise, IF)}"
        case ast.FunctionExpr(parameters=parameters, body=body):
            return function_source(parameters, body)
    return _postfix_or_factor(node)


def _postfix_or_factor(node: ast.Expression) -> str:
    match node:
        case ast.Dot(operand=operand, name=name):
            return f"{_child(operand, POSTFIX)}.{identifier_source(name)}"
        case ast.Apply(operand=operand, argument=argument):
            text = _child(operand, POSTFIX)
            if isinstance(operand, ast.FunctionCall):
                text = f"({text})"
            return f"{text}({to_source(argument)})"
        case ast.ListExpr(elements=elements):
            return "[" + ", ".join(to_source(element) for element in elements) + "]"
        case ast.ObjectExpr(fields=fields):
            return "{" + ", ".join(f"{identifier_source(k)}: {to_source(v)}" for k, v in fields) + "}"
        case ast.InterpolatedString(parts=parts):
            return _interpolated(parts)
        case ast.ErrorExpr(message=message):
            return f"error({to_source(message)})"
        case ast.FunctionCall(name=name, arguments=arguments):
            name_text = f"`{name}`" if name in _KEYWORDS else identifier_source(name)
            if arguments is None:
                return name_text
            return name_text + "(" + ", ".join(_argument(argument) for argument in arguments) + ")"
        case ast.JobResourceVariable(path=path, name=name):
            return f"JobResource:{path}" + ("" if name is None else ":" + identifier_source(name))
        case ast.VariableLookup():
            return _variable_lookup(node)
    raise AssertionError(f"Unknown expression node: {node!r}")


def function_source(parameters: tuple[str, ...], body: ast.Expression) -> str:
    if len(parameters) == 1:
        head = identifier_source(parameters[0])
    else:
        head = "(" + ", ".join(identifier_source(p) for p in parameters) + ")"
    return f"{head} => {to_source(body)}"


def identifier_source(name: str) -> str:
    if name and is_identifier_start(name[0]) and all(is_identifier_part(c) for c in name[1:]):
        return name
    return "`" + name.replace("`", "``") + "`"


def _child(node: ast.Expression, minimum: int) -> str:
    text = to_source(node)
    return f"({text})" if precedence(node) < minimum else text


def _constant(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_constant(element) for element in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{identifier_source(k)}: {_constant(v)}" for k, v in value.items()) + "}"
    return value_to_source(value)


def _argument(argument: ast.Argument) -> str:
    prefix = "" if argument.name is None else identifier_source(argument.name) + "="
    return prefix + to_source(argument.expression)


def _variable_lookup(node: ast.VariableLookup) -> str:
    arguments = [to_source(node.key)]
    if node.where in ("label", "job") and node.where_name is not None:
        arguments.append(f"{node.where}={identifier_source(node.where_name)}")
    if node.default is not None:
        arguments.append("default=" + to_source(node.default))
    word = "argument" if node.where == "argument" else "variable"
    return f"{word}({', '.join(arguments)})"


def _interpolated(parts: tuple[ast.Expression, ...]) -> str:
    pieces: list[str] = []
    for index, part in enumerate(parts):
        following = parts[index + 1] if index + 1 < len(parts) else None
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            pieces.append(escape_for_double_quotes(part.value))
        elif isinstance(part, ast.NamedValue) and _plain_name_fits(part.name, following):
            pieces.append("$" + part.name)
        else:
            pieces.append(f"$({to_source(part)})")
    return '"' + "".join(pieces) + '"'


def _plain_name_fits(name: str, following: ast.Expression | None) -> bool:
    if identifier_source(name) != name:
        return False
    if isinstance(following, ast.Constant) and isinstance(following.value, str) and following.value:
        return not is_identifier_part(following.value[0])
    return True
