"""`/joc/api/monitoring/system_notifications` and its acknowledgement, `/monitoring/notification` and the refused
XML notification configuration, on a Cockpit whose notifications are stored directly (no Controller needed)."""

from __future__ import annotations

from collections.abc import Callable

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.audit import AuditFilter, AuditRepository
from stellwerk.cockpit.services.monitor.store import Notification, NotificationStore
from tests.cockpit.api.conftest import RunningCockpit
from tests.cockpit.api.joc import Joc

HOUR = 3_600_000
SYSTEM = "/joc/api/monitoring/system_notifications"


def _store(cockpit: RunningCockpit, *notifications: Notification) -> list[int]:
    async def add(c: Cockpit) -> list[int]:
        async with c.database.session() as db:
            return [n.id or 0 for n in await NotificationStore(db).add(notifications)]

    return cockpit.call(add)


def _notifications(now: int) -> tuple[Notification, ...]:
    return (
        Notification(
            type="ERROR",
            category="CONTROLLER",
            source="c1",
            message="Controller c1 lost",
            created=now - 2 * HOUR,
        ),
        Notification(
            type="RECOVERED",
            category="CONTROLLER",
            source="c1",
            message="Controller c1 back",
            created=now - HOUR,
        ),
        Notification(type="ERROR", category="JOC", source="joc#2", message="Cockpit node lost", created=now),
        Notification(
            type="ERROR",
            category="ORDER",
            message="failed",
            created=now,
            controller_id="c1",
            order_id="o",
            workflow_path="/w",
        ),
    )


def test_system_notifications_are_listed_filtered_and_acknowledged(
    cockpit: RunningCockpit, joc: Joc, account: Callable[..., Joc]
) -> None:
    lost, back, node, order = _store(cockpit, *_notifications(cockpit.cockpit.now()))
    listed = joc.ok(SYSTEM, {})["notifications"]
    assert [n["notificationId"] for n in listed] == [node, back, lost], "newest first, no order notifications"
    assert listed[0] == {
        "notificationId": node,
        "type": "ERROR",
        "category": "JOC",
        "jocId": "joc#0",
        "source": "Monitor",
        "notifier": "joc#2",
        "message": "Cockpit node lost",
        "hasMonitors": False,
        "created": listed[0]["created"],
    }
    assert [n["notificationId"] for n in joc.ok(SYSTEM, {"categories": ["CONTROLLER"], "types": ["ERROR"]})["notifications"]] == [lost]  # fmt: skip
    assert [n["notificationId"] for n in joc.ok(SYSTEM, {"dateFrom": "-90m"})["notifications"]] == [
        node,
        back,
    ]
    assert [n["notificationId"] for n in joc.ok(SYSTEM, {"limit": 1})["notifications"]] == [node]

    acknowledge = "/joc/api/monitoring/system_notification/acknowledge"
    refused = joc.post(acknowledge, {"notificationIds": [order]})
    assert (refused.status, refused.error["code"]) == (420, "JOC-404"), (
        "an order notification is not the system's"
    )
    viewer = account("viewer", ("sos:products:joc:notification:view",))
    assert viewer.post(acknowledge, {"notificationIds": [lost]}).status == 403
    answer = joc.ok(acknowledge, {"notificationIds": [lost, back], "comment": "known"})
    assert answer["acknowledgement"]["account"] == "root"
    again = joc.ok(acknowledge, {"notificationIds": [lost], "comment": "later"})
    assert again["acknowledgement"]["comment"] == "later"
    [first] = joc.ok(SYSTEM, {"notificationIds": [lost]})["notifications"]
    assert first["acknowledgement"]["comment"] == "known", "the first acknowledgement stays"

    async def audited(c: Cockpit) -> list[str]:
        async with c.database.session() as db:
            return [e.request for e in await AuditRepository(db).search(AuditFilter())]

    assert cockpit.call(audited).count("./monitoring/system_notification/acknowledge") == 2


def test_monitors_and_the_xml_configuration(cockpit: RunningCockpit, joc: Joc) -> None:
    *_, order = _store(cockpit, *_notifications(cockpit.cockpit.now()))
    answer = joc.ok("/joc/api/monitoring/notification", {"controllerId": "c1", "notificationId": order})
    assert answer["monitors"] == []
    other = joc.post("/joc/api/monitoring/notification", {"controllerId": "c2", "notificationId": order})
    assert other.error["code"] == "JOC-404"
    for path in ("", "/store", "/release", "/delete"):
        refused = joc.post(f"/joc/api/notification{path}", {"objectType": "NOTIFICATION"})
        assert (refused.status, refused.error["code"]) == (420, "JOC-501"), path
    bad = joc.post("/joc/api/monitoring/notifications", {"types": ["SOMETIMES"]})
    assert bad.status == 420 and "types" in bad.error["message"]
