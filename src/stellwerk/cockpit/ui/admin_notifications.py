"""The Administration view's notifications: the system notifications the Log Notification service made of the
warnings and errors Controllers and Agents sent by syslog, newest first, and acknowledging one (with a comment),
through the API's `/monitoring/sysnotification*` handlers (their permissions and audit entry)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import log_notification
from stellwerk.cockpit.api.log_notification import (
    SystemNotificationAcknowledgeFilter,
    SystemNotificationsFilter,
)
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.ui.admin import changed
from stellwerk.cockpit.ui.admin_nav import sections
from stellwerk.cockpit.ui.web import PostingCaller, UiCaller, UiRoute, body_of, page

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

CHANGED = "notifications-changed"  # the htmx event after which the list reloads itself


async def _listing(cockpit: Cockpit, caller: Caller, request: Request) -> dict[str, Any]:
    wanted = body_of(SystemNotificationsFilter, {"limit": -1})
    found = await log_notification.system_notifications(cockpit, caller, request, wanted)
    return {
        "notifications": found["notifications"],
        "can_manage": caller.allows(log_notification.MANAGE),
        "changed": CHANGED,
    }


@router.get("/admin/notifications", response_class=HTMLResponse)
async def notifications_page(request: Request, caller: UiCaller, cockpit: CockpitDep) -> Response:
    listing = await _listing(cockpit, caller, request)
    return page(request, "admin_notifications.html", sections=sections(caller), **listing)


@router.get("/admin/notifications/list", response_class=HTMLResponse)
async def notifications_list(request: Request, caller: UiCaller, cockpit: CockpitDep) -> Response:
    """The list alone, as it reloads after an acknowledgement."""
    return page(request, "_notifications.html", **await _listing(cockpit, caller, request))


@router.post("/admin/notifications/acknowledge", response_class=HTMLResponse)
async def acknowledge(
    request: Request,
    caller: PostingCaller,
    cockpit: CockpitDep,
    id: Annotated[int, Form()],
    comment: Annotated[str, Form()] = "",
) -> Response:
    body: dict[str, Any] = {"notificationIds": [id]}
    if comment.strip():
        body["comment"] = comment.strip()
    wanted = body_of(SystemNotificationAcknowledgeFilter, body)
    await log_notification.acknowledge_system_notifications(cockpit, caller, request, wanted)
    return changed(request, f"Acknowledged the notification {id}", CHANGED)
