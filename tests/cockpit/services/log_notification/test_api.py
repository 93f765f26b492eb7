"""`/joc/api/monitoring/sysnotifications` of a Cockpit with a syslog port: what senders sent, with JOC's filters and
answer schema, for accounts with the notification view permission; and a real Controller process started with
`--syslog` whose warning (its Agent cannot be reached) the Cockpit shows."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from stellwerk.cli.syslog import SyslogHandler, SyslogTarget
from stellwerk.cockpit.config import CockpitConfig
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit, _add_account, serve_cockpit
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid
from tests.e2e.nodes import CONTROLLER, Installation, free_port, spawn, until

PATH = "/joc/api/monitoring/sysnotifications"
ANSWER = "monitoring/notification/system/system-notifications-answer-schema.json"


@pytest.fixture
def syslog_cockpit(tmp_path: Path) -> Iterator[tuple[RunningCockpit, int]]:
    """A Cockpit on its embedded SQLite (the notifications live in memory) receiving syslog on a free port."""
    port = free_port()
    config = CockpitConfig(data_directory=tmp_path / "cockpit", syslog_port=port)
    for running in serve_cockpit(config, admin_password=ADMIN_PASSWORD):
        yield running, port


def logged_in(cockpit: RunningCockpit, account: str = "root", password: str = ADMIN_PASSWORD) -> Joc:
    client = Joc(cockpit.url)
    assert client.login(account, password).status == 200
    return client


def notifications(joc: Joc, body: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    answer = joc.ok(PATH, body or {})
    assert_valid(ANSWER, answer)
    shown: list[dict[str, Any]] = answer["notifications"]
    return shown


def wait_for(found: Callable[[], list[dict[str, Any]]], seconds: float = 30) -> list[dict[str, Any]]:
    async def poll() -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = []

        def seen() -> bool:
            nonlocal result
            result = found()
            return bool(result)

        await until(seen, seconds, "system notifications")
        return result

    return asyncio.run(poll())


def send(port: int, transport: str, app: str, node: str, level: int, message: str) -> None:
    handler = SyslogHandler(SyslogTarget(transport, "127.0.0.1", port), app, node)
    try:
        handler.handle(logging.LogRecord("test", level, __file__, 1, message, None, None))
    finally:
        handler.close()


def test_the_notifications_with_joc_s_filters(syslog_cockpit: tuple[RunningCockpit, int]) -> None:
    cockpit, port = syslog_cockpit
    send(port, "udp", "controller", "c1", logging.ERROR, "controller trouble")
    send(port, "tcp", "agent", "agentA", logging.WARNING, "agent warning")
    joc = logged_in(cockpit)
    shown = wait_for(lambda: notifications(joc) if len(notifications(joc)) == 2 else [])
    by_message = {item["message"]: item for item in shown}
    assert by_message["controller trouble"] | {"created": None, "notificationId": None} == {
        "notificationId": None, "type": "ERROR", "category": "CONTROLLER", "jocId": "cockpit#0",
        "source": "LogNotification", "notifier": "c1", "message": "controller trouble", "hasMonitors": False,
        "created": None,
    }  # fmt: skip
    assert [n["message"] for n in notifications(joc, {"types": ["WARNING"]})] == ["agent warning"]
    assert [n["notifier"] for n in notifications(joc, {"categories": ["AGENT"]})] == ["agentA"]
    assert len(notifications(joc, {"categories": ["JOC", "SYSTEM"]})) == 2  # JOC's GUI asks so for all
    assert notifications(joc, {"categories": ["JOC"]}) == []
    first = by_message["controller trouble"]["notificationId"]
    assert [n["message"] for n in notifications(joc, {"notificationIds": [first]})] == ["controller trouble"]
    assert len(notifications(joc, {"limit": 1})) == 1
    assert len(notifications(joc, {"dateFrom": "-1h"})) == 2
    assert notifications(joc, {"dateFrom": "+1h"}) == []
    for bad, field in (
        ({"types": ["LOUD"]}, "$.types[0]"),
        ({"dateFrom": "2026-13-01 00:00:00"}, "$.dateFrom"),
    ):
        answer = joc.post(PATH, bad)
        assert (answer.status, answer.error["code"]) == (420, "JOC-400")
        assert answer.error["message"].startswith(field), answer.error


def test_only_accounts_with_the_notification_view_permission_see_them(
    syslog_cockpit: tuple[RunningCockpit, int],
) -> None:
    cockpit, _ = syslog_cockpit
    cockpit.call(
        lambda c: _add_account(c, "viewer", "viewer-pw", ("sos:products:joc:notification:view",), ())
    )
    cockpit.call(lambda c: _add_account(c, "other", "other-pw", ("sos:products:joc:auditLog:view",), ()))
    assert logged_in(cockpit, "viewer", "viewer-pw").post(PATH, {}).status == 200
    assert logged_in(cockpit, "other", "other-pw").post(PATH, {}).status == 403
    assert Joc(cockpit.url).post(PATH, {}).status == 401


def test_a_controller_started_with_syslog_shows_its_warning(
    syslog_cockpit: tuple[RunningCockpit, int], tmp_path: Path
) -> None:
    cockpit, port = syslog_cockpit
    installation = Installation(tmp_path / "installation")  # its Agent is never started: coupling fails
    config = installation.folder / CONTROLLER / "node.toml"
    log = installation.folder / "controller.log"
    process = spawn(
        ["-m", "stellwerk", "controller", "--config", str(config), "--syslog", f"udp://127.0.0.1:{port}"], log
    )
    try:
        joc = logged_in(cockpit)
        shown = wait_for(lambda: notifications(joc, {"categories": ["CONTROLLER"]}))
    finally:
        process.terminate()
        process.wait(timeout=30)
        installation.clean_up()
    warning = shown[-1]
    assert (warning["type"], warning["notifier"]) == ("WARNING", "e2e")
    assert warning["message"].startswith("Agent agentA: coupling failed"), warning
    assert "coupling failed" in log.read_text()  # on stderr as well


def test_a_notification_is_acknowledged_with_a_comment_and_an_audit_log_entry(
    syslog_cockpit: tuple[RunningCockpit, int],
) -> None:
    cockpit, port = syslog_cockpit
    send(port, "udp", "agent", "agentA", logging.ERROR, "job process lost")
    joc = logged_in(cockpit)
    (shown,) = wait_for(lambda: notifications(joc))
    the_id = shown["notificationId"]
    detail = joc.ok("/joc/api/monitoring/sysnotification", {"notificationId": the_id})
    assert_valid("monitoring/notification/common/notification-answer-schema.json", detail)
    assert detail["monitors"] == []

    body = {"notificationIds": [the_id], "comment": "known", "auditLog": {"comment": "ticket 7"}}
    answer = joc.ok("/joc/api/monitoring/sysnotification/acknowledge", body)
    assert_valid("monitoring/notification/common/notification-acknowledge-answer-schema.json", answer)
    assert (answer["acknowledgement"]["account"], answer["acknowledgement"]["comment"]) == ("root", "known")
    (acknowledged,) = notifications(joc)
    assert acknowledged["acknowledgement"] == answer["acknowledgement"]
    entries = joc.ok("/joc/api/audit_log", {"categories": ["MONITORING"]})["auditLog"]
    assert [(e["request"], e["comment"]) for e in entries] == [
        ("./monitoring/sysnotification/acknowledge", "ticket 7")
    ]

    unknown = joc.post("/joc/api/monitoring/sysnotification/acknowledge", {"notificationIds": [the_id + 99]})
    assert unknown.error["code"] == "JOC-404"
    assert (
        joc.post("/joc/api/monitoring/sysnotification", {"notificationId": the_id + 99}).error["code"]
        == "JOC-404"
    )
    cockpit.call(
        lambda c: _add_account(c, "viewer", "viewer-pw", ("sos:products:joc:notification:view",), ())
    )
    viewer = logged_in(cockpit, "viewer", "viewer-pw")
    assert (
        viewer.post("/joc/api/monitoring/sysnotification/acknowledge", {"notificationIds": [the_id]}).status
        == 403
    )
