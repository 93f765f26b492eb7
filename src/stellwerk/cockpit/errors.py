"""JOC's error answers. The JOC client reads the status first: 401 (not authenticated), 403 (not permitted) and
440 (session expired) carry JOC's authentication object; 420 (the operation failed, bad input included) carries
`{"deliveryDate", "error": {"code", "message"}}`. Nothing else ever leaves the API: an unexpected exception is a
420 with its class named, logged with its trace, never shown."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

logger = logging.getLogger(__name__)

OPERATION_FAILED = 420
SESSION_EXPIRED = 440


def delivery_date(now: datetime | None = None) -> str:
    """JOC's timestamp: ISO 8601 in UTC with milliseconds and a `Z`."""
    moment = now or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class JocError(Exception):
    """An operation that failed, answered with HTTP 420 and JOC's error object."""

    status = OPERATION_FAILED

    def __init__(self, message: str, code: str = "JOC-420") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def body(self) -> dict[str, Any]:
        return {"deliveryDate": delivery_date(), "error": {"code": self.code, "message": self.message}}


class BadRequest(JocError):
    """Input that is malformed or names what does not exist; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "JOC-400")


class UnknownObject(JocError):
    """A path, id or name that is not there."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "JOC-404")


class NotSupported(JocError):
    """A JOC endpoint or option that Stellwerk does not serve."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "JOC-501")


class Conflict(JocError):
    """The object changed or exists already."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "JOC-409")


class ControllerUnreachable(JocError):
    """The Controller could not be asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "JOC-503")


class AuthenticationError(Exception):
    """401, 403 or 440 with JOC's authentication object."""

    def __init__(self, status: int, message: str, *, authenticated: bool, account: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.authenticated = authenticated
        self.account = account

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "isAuthenticated": self.authenticated,
            "isPermitted": False,
            "message": self.message,
        }
        if self.account is not None:
            body["account"] = self.account
        return body


def not_authenticated(message: str) -> AuthenticationError:
    return AuthenticationError(401, message, authenticated=False)


def session_expired() -> AuthenticationError:
    return AuthenticationError(SESSION_EXPIRED, "Session has expired", authenticated=False)


def not_permitted(account: str, message: str) -> AuthenticationError:
    return AuthenticationError(403, message, authenticated=True, account=account)


def json_path(location: Sequence[int | str]) -> str:
    """`("body", "orders", 0, "workflowPath")` → `$.orders[0].workflowPath`."""
    path = "$"
    for part in location:
        if part == "body" and path == "$":
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def validation_message(errors: Sequence[Any]) -> str:
    """Every problem of a request body, each with the JSON path it is at."""
    described = []
    for error in errors:
        message = str(error.get("msg", "invalid"))
        if error.get("type") == "extra_forbidden":
            message = "unknown field"
        elif error.get("type") == "json_invalid":
            message = f"malformed JSON: {error.get('ctx', {}).get('error', message)}"
        described.append(f"{json_path(error.get('loc', ()))}: {message}")
    return "; ".join(described)


async def _joc_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, JocError)
    return JSONResponse(error.body(), error.status)


async def _authentication_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AuthenticationError)
    return JSONResponse(error.body(), error.status)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return JSONResponse(BadRequest(validation_message(error.errors())).body(), OPERATION_FAILED)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    if error.status_code == 404 and request.url.path.startswith("/joc/api/"):
        unsupported = NotSupported(f"{request.url.path} is not supported by Stellwerk")
        return JSONResponse(unsupported.body(), OPERATION_FAILED)
    if error.status_code == 405:
        return JSONResponse(BadRequest(f"{request.method} is not allowed here; use POST").body(), 405)
    failed = JocError(str(error.detail), f"JOC-{error.status_code}")
    return JSONResponse(failed.body(), error.status_code)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.exception("%s failed", request.url.path)
    failed = JocError(f"{request.url.path} failed unexpectedly ({type(error).__name__})", "JOC-500")
    return JSONResponse(failed.body(), OPERATION_FAILED)


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves the API in JOC's shapes."""
    app.add_exception_handler(JocError, _joc_error)
    app.add_exception_handler(AuthenticationError, _authentication_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
