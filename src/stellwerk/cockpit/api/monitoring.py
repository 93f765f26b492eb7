"""`/joc/api/monitoring/...`: the Monitor's notifications, of orders (job steps that failed or warned) and of the
system (Controllers, Agents, Cockpit nodes lost), newest first with JOC's filters, and their acknowledgement
(audit-logged). An account limited to folders sees the order notifications of workflows in its folders.

Deliveries are not recorded: `hasMonitors` is false and `/monitoring/notification` answers no monitors. JOC's XML
notification configuration (`/joc/api/notification[/store|release|delete]`) is refused (JOC-501): the notifiers are
set in the Cockpit's configuration."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stellwerk.cockpit.api.monitoring_models import (
    OrderNotificationAcknowledgeFilter,
    OrderNotificationFilter,
    OrderNotificationsFilter,
    SystemNotificationAcknowledgeFilter,
    SystemNotificationFilter,
    SystemNotificationsFilter,
)
from stellwerk.cockpit.api.orders_common import time_param
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory, HistoryState
from stellwerk.cockpit.errors import NotSupported, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.joc_time import iso
from stellwerk.cockpit.services.monitor.store import Notification, NotificationFilter, NotificationStore
from stellwerk.cockpit.services.order_states import history_state

router = APIRouter(prefix="/joc/api/monitoring", tags=["monitoring"], strict_content_type=False)

VIEW = "sos:products:joc:notification:view"
MANAGE = "sos:products:joc:notification:manage"


def _acknowledgement(notification: Notification) -> dict[str, Any] | None:
    if notification.acknowledged is None:
        return None
    item: dict[str, Any] = {
        "account": notification.acknowledged_by,
        "created": iso(notification.acknowledged),
    }
    if notification.acknowledgement_comment is not None:
        item["comment"] = notification.acknowledgement_comment
    return item


def order_item(notification: Notification) -> dict[str, Any]:
    """JOC's OrderNotificationItem."""
    item: dict[str, Any] = {
        "notificationId": notification.id,
        "type": notification.type,
        "created": iso(notification.created),
        "hasMonitors": False,
        "controllerId": notification.controller_id,
        "orderId": notification.order_id,
        "workflow": notification.workflow_path,
        "message": notification.message,
    }
    if notification.recovered_id is not None:
        item["recoveredNotificationId"] = notification.recovered_id
    if notification.job_name is not None:
        job: dict[str, Any] = {
            "job": notification.job_name,
            "startTime": iso(notification.start_time),
            "position": notification.position,
            "state": history_state(HistoryState(notification.task_state or HistoryState.FAILED.value)),
            "criticality": notification.criticality or "NORMAL",
            "taskId": notification.task_id,
            "agentUrl": notification.agent_url,
        }
        if notification.end_time is not None:
            job["endTime"] = iso(notification.end_time)
        if notification.return_code is not None and notification.return_code >= 0:
            job["exitCode"] = notification.return_code
        item["job"] = job
    acknowledgement = _acknowledgement(notification)
    if acknowledgement is not None:
        item["acknowledgement"] = acknowledgement
    return item


def system_item(notification: Notification) -> dict[str, Any]:
    """JOC's SystemNotificationItem: `source` is what raised it (the Monitor), `notifier` the component."""
    item: dict[str, Any] = {
        "notificationId": notification.id,
        "type": notification.type,
        "category": notification.category,
        "jocId": "joc#0",
        "source": "Monitor",
        "notifier": notification.source or "",
        "message": notification.message,
        "hasMonitors": False,
        "created": iso(notification.created),
    }
    acknowledgement = _acknowledgement(notification)
    if acknowledgement is not None:
        item["acknowledgement"] = acknowledgement
    return item


async def _search(cockpit: Cockpit, wanted: NotificationFilter) -> list[Notification]:
    async with cockpit.database.session() as db:
        return await NotificationStore(db).search(wanted)


def _visible(caller: Caller, notification: Notification) -> bool:
    return caller.sees(notification.workflow_path or "/", notification.controller_id)


@router.post("/notifications")
async def notifications(
    body: OrderNotificationsFilter, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """The notifications of job steps, newest first, at most `limit` (-1: all)."""
    caller.require(VIEW)
    exact = not caller.grants_for(body.controller_id).folders
    limit = body.limit if body.limit >= 0 and exact else None
    wanted = NotificationFilter(
        orders=True,
        controller_id=body.controller_id or None,
        types=tuple(body.types),
        ids=tuple(body.notification_ids),
        date_from=time_param("dateFrom", body.date_from, cockpit.now(), body.time_zone),
        limit=limit,
    )
    found = [n for n in await _search(cockpit, wanted) if _visible(caller, n)]
    if body.limit >= 0:
        found = found[: body.limit]
    return {"deliveryDate": delivery_date(), "notifications": [order_item(n) for n in found]}


@router.post("/system_notifications")
async def system_notifications(
    body: SystemNotificationsFilter, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """The notifications of components, newest first, at most `limit` (-1: all)."""
    caller.require(VIEW)
    wanted = NotificationFilter(
        orders=False,
        types=tuple(body.types),
        categories=tuple(body.categories),
        ids=tuple(body.notification_ids),
        date_from=time_param("dateFrom", body.date_from, cockpit.now(), body.time_zone),
        limit=body.limit if body.limit >= 0 else None,
    )
    found = await _search(cockpit, wanted)
    return {"deliveryDate": delivery_date(), "notifications": [system_item(n) for n in found]}


async def _one(cockpit: Cockpit, notification_id: int, *, orders: bool) -> Notification:
    found = await _search(cockpit, NotificationFilter(orders=orders, ids=(notification_id,)))
    if not found:
        raise UnknownObject(f"There is no notification {notification_id}")
    return found[0]


@router.post("/notification")
async def notification(
    body: OrderNotificationFilter, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """The deliveries (monitors) of an order notification: none are recorded."""
    caller.require(VIEW)
    found = await _one(cockpit, body.notification_id, orders=True)
    if found.controller_id != body.controller_id or not _visible(caller, found):
        raise UnknownObject(f"There is no notification {body.notification_id}")
    return {"deliveryDate": delivery_date(), "monitors": []}


@router.post("/system_notification")
async def system_notification(
    body: SystemNotificationFilter, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """The deliveries (monitors) of a system notification: none are recorded."""
    caller.require(VIEW)
    await _one(cockpit, body.notification_id, orders=False)
    return {"deliveryDate": delivery_date(), "monitors": []}


async def _acknowledge(
    cockpit: Cockpit,
    caller: Caller,
    body: OrderNotificationAcknowledgeFilter | SystemNotificationAcknowledgeFilter,
    request: str,
    controller_id: str | None,
) -> dict[str, Any]:
    orders = controller_id is not None
    now = cockpit.now()
    async with cockpit.database.session() as db:
        store = NotificationStore(db)
        wanted = NotificationFilter(
            orders=orders, controller_id=controller_id, ids=tuple(body.notification_ids)
        )
        known = await store.search(wanted)
        missing = set(body.notification_ids) - {n.id for n in known if not orders or _visible(caller, n)}
        if missing:
            raise UnknownObject(f"There is no notification {', '.join(map(str, sorted(missing)))}")
        await store.acknowledge(body.notification_ids, caller.account, body.comment, now, orders=orders)
        await audit(db, caller, request, AuditCategory.MONITORING, body, now, controller_id=controller_id)
    acknowledgement: dict[str, Any] = {"account": caller.account, "created": iso(now)}
    if body.comment is not None:
        acknowledgement["comment"] = body.comment
    return {"deliveryDate": delivery_date(), "acknowledgement": acknowledgement}


@router.post("/notification/acknowledge")
async def acknowledge(
    body: OrderNotificationAcknowledgeFilter, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """Acknowledges order notifications (those acknowledged already keep their first acknowledgement)."""
    caller.require(MANAGE)
    request = "./monitoring/notification/acknowledge"
    return await _acknowledge(cockpit, caller, body, request, body.controller_id)


@router.post("/system_notification/acknowledge")
async def acknowledge_system(
    body: SystemNotificationAcknowledgeFilter, caller: CallerDep, cockpit: CockpitDep
) -> dict[str, Any]:
    """Acknowledges system notifications (those acknowledged already keep their first acknowledgement)."""
    caller.require(MANAGE)
    return await _acknowledge(cockpit, caller, body, "./monitoring/system_notification/acknowledge", None)


# JOC's XML notification configuration (read, store, release, delete) is not served: the Monitor's notifiers are
# part of the Cockpit's configuration.
configuration_router = APIRouter(
    prefix="/joc/api/notification", tags=["monitoring"], strict_content_type=False
)
NO_XML = (
    "JOC's XML notification configuration is not supported by Stellwerk: the Monitor's notifiers (mail, webhook, "
    "command) are set in the Cockpit's configuration"
)


@configuration_router.post("")
async def read_configuration(caller: CallerDep) -> dict[str, Any]:
    caller.require(VIEW)
    raise NotSupported(NO_XML)


@configuration_router.post("/store")
@configuration_router.post("/release")
@configuration_router.post("/delete")
async def change_configuration(caller: CallerDep) -> dict[str, Any]:
    caller.require(MANAGE)
    raise NotSupported(NO_XML)
