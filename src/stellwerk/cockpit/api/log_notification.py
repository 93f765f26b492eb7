"""`/joc/api/monitoring/sysnotifications`: the system notifications the Log Notification service made of the
warnings and errors Controllers and Agents sent by syslog, newest first, with JOC's filters (dateFrom, types,
categories, notificationIds, limit); `/monitoring/sysnotification` (its monitors: none, Stellwerk sends no mail
or command for them) and `/monitoring/sysnotification/acknowledge`. They live in memory: a restart of the Cockpit forgets them. The category
SYSTEM selects CONTROLLER and AGENT too (JOC's GUI asks for JOC and SYSTEM when it shows all)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import Field

from stellwerk.cockpit.api.iam_models import DateFromTo
from stellwerk.cockpit.api.models import Audited, JocModel
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.errors import BadRequest, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import CallerDep
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.joc_time import TimeError, date_param, iso
from stellwerk.cockpit.services.log_notification.notifications import (
    SOURCE,
    Acknowledgement,
    SystemNotification,
)
from stellwerk.cockpit.services.log_notification.service import LogNotificationService

router = APIRouter(prefix="/joc/api/monitoring", tags=["monitoring"], strict_content_type=False)

VIEW = "sos:products:joc:notification:view"
MANAGE = "sos:products:joc:notification:manage"
JOC_ID = "cockpit#0"  # JOC's `jocId` (prefix#serial) of the instance that received the notification

NotificationType = Literal["SUCCESS", "ERROR", "WARNING", "RECOVERED", "ACKNOWLEDGED"]
Category = Literal["SYSTEM", "JOC", "CONTROLLER", "AGENT"]


class SystemNotificationsFilter(JocModel):
    date_from: DateFromTo | None = None
    time_zone: str | None = None
    limit: int = 10000
    types: list[NotificationType] = []
    categories: list[Category] = []
    notification_ids: list[NotificationId] = []


NotificationId = Annotated[int, Field(ge=0)]


class SystemNotificationFilter(JocModel):
    notification_id: NotificationId


class SystemNotificationAcknowledgeFilter(Audited):
    notification_ids: list[NotificationId]
    comment: str | None = Field(default=None, max_length=2000)


def acknowledgement_item(acknowledgement: Acknowledgement) -> dict[str, Any]:
    """JOC's AcknowledgementItem."""
    shown: dict[str, Any] = {"account": acknowledgement.account, "created": iso(acknowledgement.created)}
    if acknowledgement.comment is not None:
        shown["comment"] = acknowledgement.comment
    return shown


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
    if entry.acknowledgement is not None:
        shown["acknowledgement"] = acknowledgement_item(entry.acknowledgement)
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
    since = None
    if body.date_from is not None:
        try:
            since = date_param(body.date_from, cockpit.now(), body.time_zone)
        except TimeError as error:
            raise BadRequest(f"$.dateFrom: {error}") from None
    chosen = _service(request).ring.select(
        since=since,
        types=body.types,
        categories=_categories(body.categories),
        ids=body.notification_ids,
        limit=body.limit,
    )
    return {"deliveryDate": delivery_date(), "notifications": [item(entry) for entry in chosen]}


def _service(request: Request) -> LogNotificationService:
    service: LogNotificationService = request.app.state.log_notifications
    return service


@router.post("/sysnotification")
async def system_notification(
    caller: CallerDep, request: Request, body: SystemNotificationFilter
) -> dict[str, Any]:
    """The monitors (mail, command, …) that were told of the notification: none in Stellwerk."""
    caller.require(VIEW)
    if not _service(request).ring.select(ids={body.notification_id}):
        raise UnknownObject(f"There is no system notification {body.notification_id}")
    return {"deliveryDate": delivery_date(), "monitors": []}


@router.post("/sysnotification/acknowledge")
async def acknowledge_system_notifications(
    cockpit: CockpitDep, caller: CallerDep, request: Request, body: SystemNotificationAcknowledgeFilter
) -> dict[str, Any]:
    """Marks the notifications as acknowledged by the account (with its comment); written to the audit log."""
    caller.require(MANAGE)
    now = cockpit.now()
    acknowledgement = Acknowledgement(account=caller.account, comment=body.comment, created=now)
    if _service(request).ring.acknowledge(set(body.notification_ids), acknowledgement) == 0:
        raise UnknownObject(f"There are no system notifications {body.notification_ids}")
    async with cockpit.database.session() as db:
        await audit(
            db, caller, "./monitoring/sysnotification/acknowledge", AuditCategory.MONITORING, body, now
        )
    return {"deliveryDate": delivery_date(), "acknowledgement": acknowledgement_item(acknowledgement)}
