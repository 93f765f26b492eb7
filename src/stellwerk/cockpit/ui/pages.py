"""The UI's own pages: login, logout, changing one's password, and the Dashboard (the Product Status panel,
order counts by state, Agents, recent failures), live."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from stellwerk.cockpit.api import controller as controller_api
from stellwerk.cockpit.api import history as history_api
from stellwerk.cockpit.api import iam_accounts
from stellwerk.cockpit.api import orders as orders_api
from stellwerk.cockpit.api.controller import RequiredControllerIdParams
from stellwerk.cockpit.api.iam_models import AccountChangePassword
from stellwerk.cockpit.api.orders_common import VIEW
from stellwerk.cockpit.api.orders_models import OrdersFilter, OrdersSnapshotFilter
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.repositories.sessions import SessionRepository
from stellwerk.cockpit.errors import AuthenticationError, JocError
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.security.login import log_in
from stellwerk.cockpit.ui import live
from stellwerk.cockpit.ui.dailyplan import plan_date, plan_of, progress
from stellwerk.cockpit.ui.status import panel
from stellwerk.cockpit.ui.web import (
    SESSION_COOKIE,
    PostingCaller,
    UiCaller,
    UiRoute,
    body_of,
    check_csrf,
    page,
    set_cookie,
    templates,
)

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

CONTROLLER_VIEW = "sos:products:controller:view"
AGENTS_VIEW = "sos:products:controller:agents:view"
PLAN_VIEW = "sos:products:joc:dailyPlan:view"


def _safe_next(target: str | None) -> str:
    """Only paths of the UI: a login link cannot send the browser elsewhere."""
    return target if target and target.startswith("/ui/") and not target.startswith("//") else "/ui/"


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str | None = None) -> Response:
    return page(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    cockpit: CockpitDep,
    account: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/ui/",
) -> Response:
    """Opens a session as the API's login does and keeps its access token in an HttpOnly cookie."""
    await check_csrf(request)
    try:
        logged_in = await log_in(cockpit, account, password)
    except AuthenticationError as error:
        return page(request, "login.html", 401, next=_safe_next(next), error=error.message)
    seconds = logged_in.settings.session_timeout
    timeout = seconds * 1000 if seconds else cockpit.config.session_timeout_ms
    client = request.client.host if request.client else None
    async with cockpit.database.session() as db:
        opened = await SessionRepository(db).open(logged_in.account.id, cockpit.now(), timeout, client)
    target = "/ui/password" if logged_in.account.force_password_change else _safe_next(next)
    response = RedirectResponse(target, 303)
    set_cookie(request, response, SESSION_COOKIE, opened.token)
    return response


@router.post("/logout")
async def logout(caller: PostingCaller, cockpit: CockpitDep) -> Response:
    async with cockpit.database.session() as db:
        await SessionRepository(db).close(caller.token)
    response = RedirectResponse("/ui/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password", response_class=HTMLResponse)
async def password_page(request: Request, caller: UiCaller) -> Response:
    return page(request, "password.html", message=None)


@router.post("/password", response_class=HTMLResponse)
async def change_password(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    old_password: Annotated[str, Form()],
    password: Annotated[str, Form()],
    repeated_password: Annotated[str, Form()],
) -> Response:
    """Changes one's own password through the API's handler (its checks, its audit entry); the sessions end."""
    body = body_of(
        AccountChangePassword,
        {
            "identityServiceName": caller.session.service,
            "accountName": caller.account,
            "oldPassword": old_password,
            "password": password,
            "repeatedPassword": repeated_password,
        },
    )
    try:
        await iam_accounts.change_password(cockpit, caller, body)
    except JocError as error:
        return page(request, "password.html", 400, message=error.message)
    response = RedirectResponse("/ui/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# Dashboard --------------------------------------------------------------------------------------------------------


async def controller_ids(cockpit: Cockpit, caller: Caller) -> list[str]:
    """The registered Controllers the account may see."""
    answer = await controller_api.ids(cockpit, caller)
    return list(answer["controllerIds"])


# The Agents each Controller last named: while it does not answer, they are shown unknown (red), not left out.
_last_agents: dict[str, list[str]] = {}


async def _agents(cockpit: Cockpit, caller: Caller, controller_id: str) -> list[dict[str, Any]]:
    """The Agents the Controller knows, with whether it is coupled with them (unknown when it does not answer)."""
    if not caller.allows(AGENTS_VIEW, controller_id):
        return []
    try:
        overview = await cockpit.proxies.get(controller_id).overview()
    except JocError:
        unknown = {"_text": "UNKNOWN"}
        problem = f"Controller {controller_id} does not answer"
        return [
            {"agentId": agent_id, "state": unknown, "errorMessage": problem}
            for agent_id in _last_agents.get(controller_id, [])
        ]
    found = []
    for agent_id, seen in sorted((overview.get("agents") or {}).items()):
        coupled = isinstance(seen, dict) and seen.get("coupled")
        state = {"_text": "COUPLED" if coupled else "COUPLINGFAILED"}
        why = None if coupled or not isinstance(seen, dict) else seen.get("problem")
        found.append({"agentId": agent_id, "state": state, "errorMessage": why})
    _last_agents[controller_id] = [agent["agentId"] for agent in found]
    return found


async def _dashboard(cockpit: Cockpit, caller: Caller) -> dict[str, Any]:
    ids = [cid for cid in await controller_ids(cockpit, caller) if caller.allows(CONTROLLER_VIEW, cid)]
    components, agents, counts, failures = [], {}, {}, []
    for controller_id in ids:
        wanted = body_of(RequiredControllerIdParams, {"controllerId": controller_id})
        components.append(await controller_api.components(wanted, cockpit, caller))
        agents[controller_id] = await _agents(cockpit, caller, controller_id)
        if caller.allows(VIEW, controller_id):
            snapshot = body_of(OrdersSnapshotFilter, {"controllerId": controller_id})
            try:
                counts[controller_id] = (await orders_api.snapshot(snapshot, caller, cockpit))["orders"]
            except JocError:
                counts[controller_id] = None
            failed = body_of(
                OrdersFilter, {"controllerId": controller_id, "historyStates": ["FAILED"], "limit": 10}
            )
            failures += (await history_api.orders_history(failed, caller, cockpit))["history"]
    plan = None
    if caller.allows(PLAN_VIEW):
        plan = progress(await plan_of(cockpit, caller, plan_date(None, cockpit.now())))
    return {
        "plan": plan,
        "panel": panel(components, agents),
        "counts": counts,
        "agents": agents,
        "failures": failures,
    }


_DASHBOARD_FRAGMENTS = ("status", "counts", "failures", "plan")


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, caller: UiCaller, cockpit: CockpitDep) -> Response:
    return page(request, "dashboard.html", **await _dashboard(cockpit, caller))


@router.get("/live/dashboard")
async def dashboard_live(request: Request, caller: UiCaller, cockpit: CockpitDep) -> Response:
    async def fragments() -> list[live.Fragment]:
        shown = await _dashboard(cockpit, caller)
        return [
            (name, templates.get_template(f"_{name}.html").render(**shown), False)
            for name in _DASHBOARD_FRAGMENTS
        ]

    return live.stream(fragments)
