"""The Administration view's other pages: the audit log paged on the server and filtered by account and days
(every database), the Cockpit's settings in force, and the system notifications that came by syslog with their
acknowledgement (a Cockpit receiving syslog)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.repositories.audit import AuditEntry, AuditRepository
from stellwerk.cockpit.db.repositories.settings import SettingsRepository
from stellwerk.cockpit.ui.admin_audit import PAGE_SIZE
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit
from tests.cockpit.api.iam.conftest import audit_requests
from tests.cockpit.api.joc import Joc
from tests.cockpit.services.log_notification.test_api import (
    logged_in,
    notifications,
    send,
    syslog_cockpit,
    wait_for,
)
from tests.cockpit.ui.test_session import Browser

__all__ = ["syslog_cockpit"]

DAY = 86_400_000
NOV_20 = 1_763_596_800_000  # 2025-11-20T00:00:00Z


async def _audit(cockpit: Cockpit) -> None:
    """PAGE_SIZE + 5 entries of bob, one a day from 2025-11-20 at noon, and one of carol on 2025-11-21."""
    async with cockpit.database.session() as db:
        log = AuditRepository(db)
        for n in range(PAGE_SIZE + 5):
            entry = AuditEntry(account="bob", request=f"./step/{n:03}", category=AuditCategory.CONTROLLER)
            await log.write(entry, NOV_20 + n * DAY + DAY // 2)
        carol = AuditEntry(account="carol", request="./carol", category=AuditCategory.IDENTITY)
        await log.write(carol, NOV_20 + DAY + DAY // 2)


def _requests(page: str) -> list[str]:
    return re.findall(r"<td><code>(\./[^<]+)</code></td>", page)


def test_the_audit_log_pages_newest_first_and_filters_by_account_and_days(cockpit: RunningCockpit) -> None:
    cockpit.call(_audit)
    root = Browser(cockpit.url)
    assert root.log_in("root", ADMIN_PASSWORD) == (303, "/ui/")
    status, first = root.request("/ui/admin/audit?account=bob")
    assert status == 200 and _requests(first) == [f"./step/{n:03}" for n in range(PAGE_SIZE + 4, 4, -1)]
    assert 'href="?account=bob&amp;from=&amp;to=&amp;page=2" rel="next"' in first
    status, second = root.request("/ui/admin/audit?account=bob&page=2")
    assert status == 200 and _requests(second) == [f"./step/{n:03}" for n in range(4, -1, -1)]
    assert 'rel="next"' not in second and 'rel="prev"' in second
    status, day = root.request("/ui/admin/audit?from=2025-11-21&to=2025-11-22")
    assert status == 200 and _requests(day) == [
        "./step/002",
        "./carol",
        "./step/001",
    ]  # same time: the later entry first
    status, answer = root.request("/ui/admin/audit?from=21.11.2025")
    assert status == 400 and "from: &#39;21.11.2025&#39; is no date" in answer
    assert root.request("/ui/admin/audit?from=2025-11-22&to=2025-11-21")[0] == 400
    assert root.request("/ui/admin/audit?account=%3Cx%3E")[0] == 400


async def _plan_for(days: int | str, cockpit: Cockpit) -> None:
    async with cockpit.database.session() as db:
        await SettingsRepository(db).put("dailyplan", "days_ahead_plan", days, 0)


def _setting(page: str, section: str, name: str) -> tuple[str, str]:
    table = page.split(f'data-section="{section}"', 1)[1].split("</table>", 1)[0]
    found = re.search(rf'data-setting="{name}"><th scope="row">{name}</th><td><code>([^<]*)</code></td>'
                      rf'<td class="muted">(\w+)</td>', table)  # fmt: skip
    assert found, f"{section}.{name} is not shown"
    return found[1], found[2]


def test_the_settings_in_force_are_shown_with_where_they_come_from(
    cockpit: RunningCockpit, account: Callable[..., Joc]
) -> None:
    root = Browser(cockpit.url)
    assert root.log_in("root", ADMIN_PASSWORD) == (303, "/ui/")
    page = root.request("/ui/admin/settings")[1]
    assert _setting(page, "dailyplan", "days_ahead_plan") == ("7", "default")
    assert _setting(page, "cleanup", "period") == ("", "stored")
    cockpit.call(lambda c: _plan_for(5, c))
    assert _setting(root.request("/ui/admin/settings")[1], "dailyplan", "days_ahead_plan") == ("5", "stored")
    cockpit.call(lambda c: _plan_for("many", c))
    page = root.request("/ui/admin/settings")[1]
    assert "notice-error" in page and "days_ahead_plan" in page
    assert _setting(page, "dailyplan", "days_ahead_plan") == ("many", "stored")


def test_a_system_notification_is_shown_and_acknowledged(syslog_cockpit: tuple[RunningCockpit, int]) -> None:
    cockpit, port = syslog_cockpit
    send(port, "udp", "controller", "c1", logging.ERROR, "controller trouble")
    joc = logged_in(cockpit)
    (shown,) = wait_for(lambda: notifications(joc))
    root = Browser(cockpit.url)
    assert root.log_in("root", ADMIN_PASSWORD) == (303, "/ui/")
    status, page = root.request("/ui/admin/notifications")
    row = f'data-notification="{shown["notificationId"]}"'
    assert status == 200 and row in page and "controller trouble" in page and "Acknowledge</button>" in page
    form: dict[str, Any] = {"id": str(shown["notificationId"]), "comment": "seen it"}
    assert root.request("/ui/admin/notifications/acknowledge", {**form, "csrf": "forged"})[0] == 403
    assert "acknowledgement" not in notifications(joc)[0]
    status, answer = root.request(
        "/ui/admin/notifications/acknowledge", {**form, "csrf": root.cookie("stellwerk_csrf") or ""}
    )
    assert status == 200 and f"Acknowledged the notification {shown['notificationId']}" in answer
    assert notifications(joc)[0]["acknowledgement"]["comment"] == "seen it"
    status, listing = root.request("/ui/admin/notifications/list")
    assert status == 200 and f"{row} data-acknowledged" in listing and "· seen it" in listing
    assert "./monitoring/sysnotification/acknowledge" in audit_requests(cockpit)
    bad = {"id": "first", "csrf": root.cookie("stellwerk_csrf") or ""}
    status, answer = root.request("/ui/admin/notifications/acknowledge", bad)
    assert status == 400 and "$.id" in answer
