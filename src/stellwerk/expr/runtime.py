"""Values that exist only while evaluating: the absent value `MISSING` and function values (lambdas)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeAlias

from stellwerk.model.problems import Problem
from stellwerk.model.values import Value

if TYPE_CHECKING:
    from stellwerk.expr.ast import Expression
    from stellwerk.expr.scope import Scope


class Missing:
    """The absent value (JS7 `MissingValue`): equal only to itself, printed as `missing`."""

    __slots__ = ()
    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()


@dataclass(frozen=True, slots=True, eq=False)
class FunctionValue:
    """A lambda like `(x, i) => $x`: parameter names, body and the scope it was created in."""

    parameters: tuple[str, ...]
    body: Expression
    closure: Scope

    def __repr__(self) -> str:
        from stellwerk.expr.printer import function_source

        return f"FunctionValue({function_source(self.parameters, self.body)})"


Evaluated: TypeAlias = "Value | Missing | FunctionValue"
Result: TypeAlias = "Value | Missing | FunctionValue | Problem"
