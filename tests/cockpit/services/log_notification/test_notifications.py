"""Notifications made of syslog messages (warnings and errors only) and the bounded ring keeping them."""

from __future__ import annotations

from stellwerk.cockpit.services.log_notification.notifications import (
    SD_ID,
    Acknowledgement,
    NotificationRing,
    SystemNotification,
    notification,
)
from stellwerk.cockpit.services.log_notification.syslog import SyslogMessage


def message(severity: int, text: str = "m", app: str | None = "controller", **more: object) -> SyslogMessage:
    return SyslogMessage(facility=1, severity=severity, app_name=app, message=text, **more)  # type: ignore[arg-type]


def test_a_node_s_error_names_the_node_and_splits_off_the_traceback() -> None:
    sent = message(3, "failed\nTraceback …\nValueError", time=5, structured_data={SD_ID: {"id": "e2e"}})
    assert notification(sent, 7, received=9) == SystemNotification(
        notification_id=7, type="ERROR", category="CONTROLLER", notifier="e2e", message="failed",
        exception="Traceback …\nValueError", created=5,
    )  # fmt: skip


def test_other_senders_are_system_and_named_by_app_or_host() -> None:
    agent = notification(message(4, app="agent"), 1, received=9)
    assert agent is not None and (agent.type, agent.category, agent.notifier, agent.created) == (
        "WARNING", "AGENT", "agent", 9,
    )  # fmt: skip
    other = notification(message(0, app=None, hostname="web1"), 2, received=9)
    assert other is not None and (other.type, other.category, other.notifier) == ("ERROR", "SYSTEM", "web1")
    assert notification(message(5), 3, received=9) is None  # notice and below are no notifications


def test_the_ring_keeps_the_latest_and_selects_newest_first() -> None:
    ring = NotificationRing(capacity=3)
    for n, severity in enumerate((3, 6, 4, 3, 4, 3)):
        ring.add(message(severity, f"m{n}", time=n * 1000), received=0)
    assert [(e.notification_id, e.message) for e in ring.select()] == [(5, "m5"), (4, "m4"), (3, "m3")]
    assert [e.notification_id for e in ring.select(types={"WARNING"})] == [4]
    assert [e.notification_id for e in ring.select(since=4000)] == [5, 4]
    assert [e.notification_id for e in ring.select(ids={3, 1})] == [3]
    assert [e.notification_id for e in ring.select(limit=1)] == [5]
    assert ring.select(categories={"AGENT"}) == []


def test_acknowledging_marks_the_kept_notifications() -> None:
    ring = NotificationRing(capacity=2)
    for n in range(3):
        ring.add(message(3, f"m{n}"), received=n)
    seen = Acknowledgement(account="root", comment=None, created=5)
    assert ring.acknowledge({1, 2}, seen) == 1  # the first is no longer kept
    assert [(e.notification_id, e.acknowledgement) for e in ring.select()] == [(3, None), (2, seen)]
