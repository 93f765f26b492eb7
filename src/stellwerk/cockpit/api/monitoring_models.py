"""Request models of `/joc/api/monitoring/...` (JOC's monitoring/notification schemas)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from stellwerk.cockpit.api.controller import ControllerId, RequiredControllerId
from stellwerk.cockpit.api.iam_models import DateFromTo
from stellwerk.cockpit.api.models import Audited, JocModel

NotificationType = Literal["SUCCESS", "ERROR", "WARNING", "RECOVERED", "ACKNOWLEDGED"]
SystemCategory = Literal["SYSTEM", "JOC", "CONTROLLER", "AGENT"]
NotificationId = Annotated[int, Field(ge=0, le=2**63 - 1)]
Comment = Annotated[str, Field(max_length=2000)]


class OrderNotificationsFilter(JocModel):
    controller_id: ControllerId | None = None
    date_from: DateFromTo | None = None
    time_zone: str | None = None
    limit: int = Field(default=10000, le=2**31)
    types: list[NotificationType] = []
    notification_ids: list[NotificationId] = []


class SystemNotificationsFilter(JocModel):
    date_from: DateFromTo | None = None
    time_zone: str | None = None
    limit: int = Field(default=10000, le=2**31)
    types: list[NotificationType] = []
    categories: list[SystemCategory] = []
    notification_ids: list[NotificationId] = []


class OrderNotificationFilter(JocModel):
    controller_id: RequiredControllerId
    notification_id: NotificationId


class SystemNotificationFilter(JocModel):
    notification_id: NotificationId


class OrderNotificationAcknowledgeFilter(Audited):
    controller_id: RequiredControllerId
    notification_ids: list[NotificationId]
    comment: Comment | None = None


class SystemNotificationAcknowledgeFilter(Audited):
    notification_ids: list[NotificationId]
    comment: Comment | None = None
