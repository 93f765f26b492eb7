"""`/joc/api/monitoring/sysnotifications`: the system notifications the Log Notification service made of the
warnings and errors Controllers and Agents sent by syslog, newest first, with JOC's filters (dateFrom, types,
categories, notificationIds, limit). They live in memory: a restart of the Cockpit forgets them. The category
SYSTEM selects CONTROLLER and AGENT too (JOC's GUI asks for JOC and SYSTEM when it shows all)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import Field

from stellwerk.cockpit.api.iam_models import DateFromTo
from stellwerk.cockpit.api.models import JocModel
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.errors import BadRequest, delivery_date
from stellwerk.cockpit.security.guard import CallerDep
from stellwerk.cockpit.services.joc_time import TimeError, date_param, iso
from stellwerk.cockpit.services.log_notification.notifications import SOURCE, SystemNotification
from stellwerk.cockpit.services.log_notification.service import LogNotificationService

router = APIRouter(prefix="/joc/api/monitoring", tags=["monitoring"], strict_content_type=False)

VIEW = "sos:products:joc:notification:view"
JOC_ID = "cockpit#0"  # JOC's `jocId` (prefix#serial) of the instance that received the notification

NotificationType = Literal["SUCCESS", "ERROR", "WARNING", "RECOVERED", "ACKNOWLEDGED"]
Category = Literal["SYSTEM", "JOC", "CONTROLLER", "AGENT"]


class SystemNotificationsFilter(JocModel):
    date_from: DateFromTo | None = None
    time_zone: str | None = None
    limit: int = 10000
    types: list[NotificationType] = []
    categories: list[Category] = []
    notification_ids: list[Annotated[int, Field(ge=0)]] = []


def item(entry: SystemNotification) -> dict[str, Any]:
    """JOC's SystemNotificationItem."""
    shown: dict[str, Any] = {
        "notificationId": entry.notification_id,
        "type": entry.type,
        "category": entry.category,
        "jocId": JOC_ID,
        "source": SOURCE,
        "notifier": entry.notifier,
        "message": entry.message,
        "hasMonitors": False,
        "created": iso(entry.created),
    }
    if entry.exception is not None:
        shown["exception"] = entry.exception
    return shown


def _categories(asked: list[Category]) -> set[str]:
    chosen: set[str] = set(asked)
    if "SYSTEM" in chosen:
        chosen |= {"CONTROLLER", "AGENT"}
    return chosen


@router.post("/sysnotifications")
async def system_notifications(
    cockpit: CockpitDep, caller: CallerDep, request: Request, body: SystemNotificationsFilter
) -> dict[str, Any]:
    """The notifications matching the filter, newest first, at most `limit` (-1: all)."""
    caller.require(VIEW)
    service: LogNotificationService = request.app.state.log_notifications
    since = None
    if body.date_from is not None:
        try:
            since = date_param(body.date_from, cockpit.now(), body.time_zone)
        except TimeError as error:
            raise BadRequest(f"$.dateFrom: {error}") from None
    chosen = service.ring.select(
        since=since,
        types=body.types,
        categories=_categories(body.categories),
        ids=body.notification_ids,
        limit=body.limit,
    )
    return {"deliveryDate": delivery_date(), "notifications": [item(entry) for entry in chosen]}
