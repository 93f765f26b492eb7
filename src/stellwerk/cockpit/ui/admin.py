"""The Administration view's accounts page: the identity services, the accounts of one service with their roles,
the roles with their permissions and folder permissions (per Controller, "" for every Controller), and the
blocklist; adding an account, blocking and unblocking, enabling and disabling, resetting a password. Everything
goes through the `/iam` API's handlers (their permissions, checks, ended sessions and audit entries)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from stellwerk.cockpit.api import iam_accounts, iam_roles, iam_services
from stellwerk.cockpit.api.iam_models import (
    AccountBody,
    AccountListFilter,
    AccountNamesFilter,
    BlockedAccountBody,
    BlockedAccountsDeleteFilter,
    BlockedAccountsFilter,
    FolderListFilter,
    IdentityServiceFilter,
    PermissionListFilter,
    RoleListFilter,
)
from stellwerk.cockpit.api.iam_support import MANAGE, VIEW
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.ui.admin_nav import sections
from stellwerk.cockpit.ui.web import PostingCaller, Refused, UiCaller, UiRoute, body_of, done, page

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

CHANGED = "accounts-changed"  # the htmx event after which the accounts block reloads itself


async def _service(cockpit: Cockpit, caller: Caller, wanted: str | None) -> tuple[list[Any], str]:
    """The identity services and the one shown: the one asked for, else the first."""
    services = await iam_services.identity_services(cockpit, caller, body_of(IdentityServiceFilter, {}))
    items = services["identityServiceItems"]
    names = [item["identityServiceName"] for item in items]
    if wanted and wanted not in names:
        raise Refused(404, f"service: there is no identity service {wanted}")
    if not names:
        raise Refused(404, "There is no identity service")
    return items, wanted or names[0]


async def _grants(
    cockpit: Cockpit, caller: Caller, service: str, role: dict[str, Any]
) -> list[dict[str, Any]]:
    """The role's permissions and folders for every Controller ("") and for each it names."""
    found = []
    for controller_id in ["", *role["controllers"]]:
        wanted = {"identityServiceName": service, "roleName": role["roleName"], "controllerId": controller_id}
        permissions = await iam_roles.permissions(cockpit, caller, body_of(PermissionListFilter, wanted))
        folders = await iam_roles.folders(cockpit, caller, body_of(FolderListFilter, wanted))
        found.append(
            {
                "controllerId": controller_id,
                "permissions": permissions["permissions"],
                "folders": folders["folders"],
            }
        )
    return found


async def _accounts(cockpit: Cockpit, caller: Caller, service: str) -> dict[str, Any]:
    """The accounts block: the service's accounts, its roles and the blocklist."""
    caller.require(VIEW)
    listed = await iam_accounts.accounts(
        cockpit, caller, body_of(AccountListFilter, {"identityServiceName": service})
    )
    roles = (
        await iam_roles.roles(cockpit, caller, body_of(RoleListFilter, {"identityServiceName": service}))
    )["roles"]
    blocked = await iam_accounts.blocked_accounts(cockpit, caller, body_of(BlockedAccountsFilter, {}))
    return {
        "service": service,
        "accounts": listed["accountItems"],
        "roles": [{**role, "grants": await _grants(cockpit, caller, service, role)} for role in roles],
        "blocked": blocked["blockedAccounts"],
        "can_manage": caller.allows(MANAGE),
        "changed": CHANGED,
    }


@router.get("/admin", response_class=HTMLResponse)
async def admin_page(
    request: Request, caller: UiCaller, cockpit: CockpitDep, service: str | None = None
) -> Response:
    caller.require(VIEW)
    services, shown = await _service(cockpit, caller, service)
    block = await _accounts(cockpit, caller, shown)
    return page(request, "admin.html", services=services, sections=sections(caller), **block)


@router.get("/admin/accounts", response_class=HTMLResponse)
async def accounts_block(request: Request, caller: UiCaller, cockpit: CockpitDep, service: str) -> Response:
    """The accounts block alone, as it reloads after a change."""
    _, shown = await _service(cockpit, caller, service)
    return page(request, "_accounts.html", **await _accounts(cockpit, caller, shown))


Handler = Callable[[Cockpit, Caller, Any], Awaitable[dict[str, Any]]]


def _names(service: str, account: str) -> dict[str, Any]:
    return {"identityServiceName": service, "accountNames": [account]}


# operation → (the API's handler, its body model, the body of a service and account name, the notice's verb)
_OPERATIONS: dict[str, tuple[Handler, type[BaseModel], Callable[[str, str], dict[str, Any]], str]] = {
    "block": (iam_accounts.block_account, BlockedAccountBody, lambda _, a: {"accountName": a}, "Blocked"),
    "unblock": (
        iam_accounts.unblock_accounts,
        BlockedAccountsDeleteFilter,
        lambda _, a: {"accountNames": [a]},
        "Unblocked",
    ),
    "enable": (iam_accounts.enable_accounts, AccountNamesFilter, _names, "Enabled"),
    "disable": (iam_accounts.disable_accounts, AccountNamesFilter, _names, "Disabled"),
    "resetpassword": (iam_accounts.reset_passwords, AccountNamesFilter, _names, "Reset the password of"),
}


def changed(request: Request, message: str, event: str) -> Response:
    """The notice of a change, and the htmx event on which the block showing what changed reloads itself."""
    response = done(request, message)
    response.headers["HX-Trigger"] = event
    return response


@router.post("/admin/accounts/add", response_class=HTMLResponse)
async def add_account(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    service: Annotated[str, Form()],
    account: Annotated[str, Form()],
    password: Annotated[str, Form()] = "",
    roles: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    """A new account (with the service's initial password when none is given, to be changed at first login)."""
    body: dict[str, Any] = {"identityServiceName": service, "accountName": account.strip(), "roles": roles}
    if password:
        body["password"] = password
    wanted = body_of(AccountBody, body)
    listed = body_of(AccountListFilter, {"identityServiceName": service, "accountName": wanted.account_name})
    if (await iam_accounts.accounts(cockpit, caller, listed))["accountItems"]:
        raise Refused(409, f"account: {wanted.account_name} exists already in {service}")
    await iam_accounts.store_account(cockpit, caller, wanted)
    return changed(request, f"Added the account {wanted.account_name}", CHANGED)


@router.post("/admin/accounts/{operation}", response_class=HTMLResponse)
async def operate(
    request: Request,
    operation: str,
    caller: PostingCaller,
    cockpit: CockpitDep,
    service: Annotated[str, Form()],
    account: Annotated[str, Form()],
) -> Response:
    """One operation on one account, through the API's handler."""
    if operation not in _OPERATIONS:
        raise Refused(404, f"There is no account operation {operation}")
    handler, model, body, verb = _OPERATIONS[operation]
    await handler(cockpit, caller, body_of(model, body(service, account)))
    return changed(request, f"{verb} {account}", CHANGED)
