"""Request bodies read as JSON text, whatever the Content-Type (JOC clients send some without one), and
validated in pydantic's JSON mode, where strict models still take JOC's enum names as strings. A bad body is
JOC-400 naming each problem's JSON path, as for every other endpoint."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def json_body(model: type[M]) -> Callable[[Request], Coroutine[Any, Any, M]]:
    """A dependency giving the request's body as `model`; an empty body counts as `{}`."""

    async def read(request: Request) -> M:
        raw = await request.body()
        try:
            return model.model_validate_json(raw or b"{}")
        except ValidationError as error:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
            ) from None

    return read
