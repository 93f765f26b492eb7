"""System notifications (JOC's Monitor "System Notifications") made from received syslog warnings and errors, and
the bounded ring that keeps the latest of them in memory (pure: times are given)."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection

import msgspec

from stellwerk.cockpit.services.log_notification.syslog import SyslogMessage

SOURCE = "LogNotification"
# Stellwerk's nodes send their node id in this element (32473 is the enterprise number RFC 5612 reserves for
# examples and documentation; Stellwerk has none of its own).
SD_ID = "stellwerk@32473"
WARNING_SEVERITY = 4
CATEGORIES = {"controller": "CONTROLLER", "agent": "AGENT"}


class Acknowledgement(msgspec.Struct, frozen=True, kw_only=True):
    """Who acknowledged a notification, when and why."""

    account: str
    comment: str | None
    created: int


class SystemNotification(msgspec.Struct, frozen=True, kw_only=True):
    """A warning or error of a Controller, an Agent or another sender (category SYSTEM)."""

    notification_id: int
    type: str  # WARNING | ERROR
    category: str  # CONTROLLER | AGENT | SYSTEM
    notifier: str  # the node's id, else the sender's app name or host
    message: str
    exception: str | None
    created: int  # epoch milliseconds: the sender's time stamp, else when it was received
    acknowledgement: Acknowledgement | None = None


def notification(message: SyslogMessage, notification_id: int, received: int) -> SystemNotification | None:
    """The notification of a warning or an error; None for a message of a lesser severity."""
    if message.severity > WARNING_SEVERITY:
        return None
    app = (message.app_name or "").lower()
    first_line, _, more = message.message.partition("\n")
    node = message.structured_data.get(SD_ID, {}).get("id")
    return SystemNotification(
        notification_id=notification_id,
        type="WARNING" if message.severity == WARNING_SEVERITY else "ERROR",
        category=CATEGORIES.get(app, "SYSTEM"),
        notifier=node or message.app_name or message.hostname or "unknown",
        message=first_line,
        exception=more or None,
        created=received if message.time is None else message.time,
    )


class NotificationRing:
    """The latest `capacity` notifications; the oldest make room for new ones. Ids count up from 1."""

    def __init__(self, capacity: int) -> None:
        self._entries: deque[SystemNotification] = deque(maxlen=capacity)
        self._last_id = 0

    def acknowledge(self, ids: Collection[int], acknowledgement: Acknowledgement) -> int:
        """Marks the kept notifications with these ids; returns how many there were."""
        marked = 0
        for index, entry in enumerate(self._entries):
            if entry.notification_id in ids:
                self._entries[index] = msgspec.structs.replace(entry, acknowledgement=acknowledgement)
                marked += 1
        return marked

    def add(self, message: SyslogMessage, received: int) -> SystemNotification | None:
        made = notification(message, self._last_id + 1, received)
        if made is not None:
            self._last_id += 1
            self._entries.append(made)
        return made

    def select(
        self,
        *,
        since: int | None = None,
        types: Collection[str] = (),
        categories: Collection[str] = (),
        ids: Collection[int] = (),
        limit: int = -1,
    ) -> list[SystemNotification]:
        """Newest first; empty collections select all; `since` is about `created`; limit -1 means all."""
        chosen = [
            entry
            for entry in reversed(self._entries)
            if (since is None or entry.created >= since)
            and (not types or entry.type in types)
            and (not categories or entry.category in categories)
            and (not ids or entry.notification_id in ids)
        ]
        return chosen if limit < 0 else chosen[:limit]
