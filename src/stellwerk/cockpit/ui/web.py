"""What every page of the web UI shares: the templates, the session cookie (it carries the same access token as
the API's `X-Access-Token`), the CSRF check of every POST (double submit: a cookie the page's forms and htmx
requests repeat), and how refusals look in a browser: no session → the login page, no permission → the 403
page, a refused operation → its message in the page's notice area."""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, ValidationError

from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.errors import AuthenticationError, JocError, UnknownObject, validation_message
from stellwerk.cockpit.security.guard import Caller, caller_of

HERE = Path(__file__).parent
STATIC = HERE / "static"
SESSION_COOKIE = "stellwerk_session"
CSRF_COOKIE = "stellwerk_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


Model = TypeVar("Model", bound=BaseModel)


def body_of(model: type[Model], value: dict[str, Any]) -> Model:
    """An API request model of a JOC body, parsed as the API parses JSON (its strict models take enum names
    and dates as text there); a Refused naming the field of bad input."""
    try:
        return model.model_validate_json(json.dumps(value))
    except ValidationError as error:
        raise Refused(400, validation_message(error.errors())) from None


class Refused(Exception):
    """A request the UI answers with a page of its own (403, 400) instead of what was asked."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def csrf_token(request: Request) -> str:
    """The CSRF token of the browser (set as a cookie by `page`); a new one when it has none yet."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(24)
    return token


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A rendered template; sets the CSRF cookie when the browser has none."""
    caller: Caller | None = getattr(request.state, "caller", None)
    html = templates.get_template(template).render(
        request=request, caller=caller, csrf=csrf_token(request), nav=navigation(caller), **context
    )
    response = HTMLResponse(html, status)
    new = getattr(request.state, "new_csrf", None)
    if new:
        set_cookie(request, response, CSRF_COOKIE, new, http_only=False)
    return response


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, http_only: bool = True
) -> None:
    response.set_cookie(
        name, value, httponly=http_only, samesite="strict", secure=request.url.scheme == "https", path="/"
    )


def navigation(caller: Caller | None) -> list[tuple[str, str]]:
    """The views the account may open: (title, path)."""
    if caller is None:
        return []
    views = [
        ("Dashboard", "/ui/"), ("Workflows", "/ui/workflows"), ("Orders", "/ui/orders"),
        ("Daily Plan", "/ui/dailyplan"), ("History", "/ui/history"), ("Resources", "/ui/resources"),
        ("Agents", "/ui/agents"), ("Inventory", "/ui/inventory/tree"), ("Administration", "/ui/admin"),
    ]  # fmt: skip
    needed = {
        "/ui/workflows": "sos:products:controller:workflows:view",
        "/ui/orders": "sos:products:controller:orders:view",
        "/ui/dailyplan": "sos:products:joc:dailyPlan:view",
        "/ui/inventory/tree": "sos:products:joc:inventory:view",
        "/ui/history": "sos:products:controller:orders:view",
        "/ui/resources": "sos:products:controller:locks:view",
        "/ui/agents": "sos:products:controller:agents:view",
        "/ui/admin": "sos:products:joc:administration:accounts:view",
    }
    return [(title, path) for title, path in views if path not in needed or caller.allows(needed[path])]


async def check_csrf(request: Request) -> None:
    """Refuses a POST whose form field or header does not repeat the CSRF cookie."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        given = field if isinstance(field, str) else ""
    if not expected or not hmac.compare_digest(expected, given):
        raise Refused(403, "The form is stale or was not sent by this site (CSRF token missing or wrong)")


async def _caller(request: Request, cockpit: CockpitDep) -> Caller:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise AuthenticationError(401, "Not logged in", authenticated=False)
    caller = await caller_of(cockpit, token)
    request.state.caller = caller
    return caller


async def _posting_caller(request: Request, caller: Annotated[Caller, Depends(_caller)]) -> Caller:
    await check_csrf(request)
    return caller


UiCaller = Annotated[Caller, Depends(_caller)]
PostingCaller = Annotated[Caller, Depends(_posting_caller)]


def _login_redirect(request: Request) -> Response:
    target = "/ui/login?next=" + quote(request.url.path)
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, 303)


def done(request: Request, message: str, level: str = "ok") -> Response:
    """What an htmx operation answers: its message, swapped into the page's notice area."""
    response = page(request, "_notice.html", message=message, level=level)
    # Controls that the live updates may replace while their request runs target the notice area themselves:
    # a retarget would be resolved from the replaced control when the answer comes (htmx:targetError).
    if request.headers.get("HX-Target") != "notice":
        response.headers["HX-Retarget"] = "#notice"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def notice(request: Request, message: str, status: int) -> Response:
    """A refusal: for htmx, 200 with the message in the notice area (a 4xx would be an error in the browser's
    console); for a plain request, the refusal page with its status."""
    if request.headers.get("HX-Request"):
        return done(request, message, "error")
    return page(request, "refused.html", status, message=message, status_code=status)


class UiRoute(APIRoute):
    """A route of the UI: its refusals become pages (see the module)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except AuthenticationError as error:
                if error.status == 403:
                    return notice(request, error.message, 403)
                return _login_redirect(request)
            except Refused as error:
                return notice(request, error.message, error.status)
            except RequestValidationError as error:
                return notice(request, validation_message(error.errors()), 400)
            except UnknownObject as error:
                return notice(request, error.message, 404)
            except JocError as error:
                return notice(request, error.message, 400)

        return handle
