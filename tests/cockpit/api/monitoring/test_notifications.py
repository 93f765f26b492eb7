"""The Monitor through a real Cockpit, Controller and Agent: a failed job's notification arrives by mail at a
local SMTP server (aiosmtpd) and by webhook; a job's JOC-only warnings (a `warning` return code, stderr with
`warnOnErrWritten`, from its inventory definition) are notified too; `/joc/api/monitoring/notifications` lists
them in JOC's shape, and acknowledging one is audit-logged and needs the permission."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.audit import AuditFilter, AuditRecord, AuditRepository
from stellwerk.cockpit.services.monitor.settings import (
    MailNotifierSettings,
    MonitorSettings,
    WebhookNotifierSettings,
)
from tests.cockpit.api.conftest import (
    ADMIN_PASSWORD,
    ControllerNodes,
    RunningCockpit,
    _add_account,
    serve_with_controller,
)
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.orders.conftest import deploy
from tests.cockpit.backends import run
from tests.cockpit.services.monitor.receivers import Received, Webhook, smtp_server, webhook_server
from tests.e2e.nodes import add_orders, shell_job, workflow

AGENT = "agentA"
NOTIFICATIONS = "/joc/api/monitoring/notifications"
ACKNOWLEDGE = "/joc/api/monitoring/notification/acknowledge"
# The warning job as JOC's inventory has it, and as JOC deploys it (warning codes count as success).
CAREFUL = {
    "agentName": AGENT,
    "executable": {
        "TYPE": "ShellScriptExecutable",
        "script": "echo oops >&2\nexit 2",
        "returnCodeMeaning": {"success": "0", "warning": "2"},
    },
    "warnOnErrWritten": True,
    "criticality": "MAJOR",
}
WARN_INVENTORY = {
    "instructions": [{"TYPE": "Execute.Named", "jobName": "careful", "label": "careful"}],
    "jobs": {"careful": CAREFUL},
}


@dataclass
class Monitored:
    running: RunningCockpit
    controller: ControllerNodes
    mails: Received
    hook: Webhook

    def client(
        self, name: str = "root", permissions: tuple[str, ...] = (), folders: tuple[str, ...] = ()
    ) -> Joc:
        password = ADMIN_PASSWORD
        if name != "root":
            password = f"{name}-password"
            self.running.call(lambda c: _add_account(c, name, password, permissions, folders))
        client = Joc(self.running.url)
        assert client.login(name, password).status == 200
        return client


@pytest.fixture
def monitored(database_url: str, tmp_path: Path) -> Iterator[Monitored]:
    with smtp_server() as (port, mails), webhook_server() as hook:
        mail = MailNotifierSettings(
            name="mail", host="127.0.0.1", port=port, sender="monitor@example.com", to=("ops@example.com",)
        )
        errors_only = WebhookNotifierSettings(name="hook", url=hook.url, types=("ERROR",))
        settings = MonitorSettings(mail=(mail,), webhooks=(errors_only,), retry_delays_ms=(100,))
        for running, controller in serve_with_controller(database_url, tmp_path, monitor=settings):
            yield Monitored(running, controller, mails, hook)


def _run_orders(monitored: Monitored, marker: Path) -> None:
    root = monitored.client()
    root.ok("/joc/api/inventory/store", {"path": "/ops/careful", "objectType": "WORKFLOW", "configuration": WARN_INVENTORY})  # fmt: skip
    engine_job = shell_job(AGENT, "echo oops >&2\nexit 2")
    engine_job["executable"]["returnCodeMeaning"] = {"success": [0, 2]}
    careful = workflow("careful", WARN_INVENTORY["instructions"], {"careful": engine_job})
    fail = workflow(
        "fail", [{"TYPE": "Execute.Named", "jobName": "bad"}], {"bad": shell_job(AGENT, "exit 3")}
    )
    # Fails at its first try, succeeds at the second (the marker file is there then), a second later.
    flaky_job = shell_job(AGENT, f"if [ -f {marker} ]; then exit 0; fi\ntouch {marker}\nexit 1")
    retried = {"TYPE": "Execute.Named", "jobName": "flaky"}
    retry = {"TYPE": "Try", "maxTries": 2, "retryDelays": [1], "try": {"instructions": [retried]}, "catch": {"instructions": [{"TYPE": "Retry"}]}}  # fmt: skip
    flaky = workflow("flaky", [retry], {"flaky": flaky_job})
    deploy(monitored.running, monitored.controller, careful, fail, flaky)

    async def add() -> None:
        async with monitored.controller.client() as client:
            await add_orders(client, "fail", "o-fail")
            await add_orders(client, "careful", "o-careful")
            await add_orders(client, "flaky", "o-flaky")

    run(add)


def _until_recovered(root: Joc) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while True:
        listed: list[dict[str, Any]] = root.ok(NOTIFICATIONS, {"controllerId": "e2e"})["notifications"]
        if any(n["type"] == "RECOVERED" for n in listed) or time.monotonic() > deadline:
            return listed
        time.sleep(0.05)


def _audit(running: RunningCockpit) -> list[AuditRecord]:
    async def read(cockpit: Cockpit) -> list[AuditRecord]:
        async with cockpit.database.session() as db:
            return await AuditRepository(db).search(AuditFilter())

    return running.call(read)


def _by_order(notifications: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for item in notifications:
        found.setdefault(item["orderId"], []).append(item)
    return found


def test_a_failed_job_is_mailed_listed_and_acknowledged(monitored: Monitored, tmp_path: Path) -> None:
    _run_orders(monitored, tmp_path / "tried-once")
    mails = monitored.mails.wait(4)  # the failures, and the two warnings of the careful job
    errors = [m for m in mails if "ERROR" in m.message["Subject"] and "o-fail" in m.message["Subject"]]
    assert len(errors) == 1, [m.message["Subject"] for m in mails]
    failure = errors[0]
    assert failure.recipients == ["ops@example.com"]
    assert failure.message["Subject"] == "Stellwerk ERROR [e2e]: /fail, job bad, order o-fail"
    assert "The job failed with return code 3" in failure.message.get_content()
    hooked = {body["orderId"]: body for body, _, _ in monitored.hook.received.wait(2)}
    assert (hooked["o-fail"]["type"], hooked["o-fail"]["returnCode"]) == ("ERROR", 3)

    root = monitored.client()
    listed = _until_recovered(root)
    by_order = _by_order(listed)
    flaky_error, recovered = sorted(by_order["o-flaky"], key=lambda n: n["notificationId"])
    assert (flaky_error["type"], flaky_error["job"]["exitCode"], flaky_error["job"]["position"]) == (
        "ERROR",
        1,
        "0/try+0:0",
    )
    assert (recovered["type"], recovered["recoveredNotificationId"]) == (
        "RECOVERED",
        flaky_error["notificationId"],
    )
    assert recovered["job"]["position"] == "0/try+1:0" and "exitCode" in recovered["job"]
    assert len(mails) == 4 and len(monitored.hook.received.items) == 2, (
        "RECOVERED is not of the notifiers' types"
    )
    [error] = by_order["o-fail"]
    assert (error["type"], error["workflow"], error["controllerId"], error["hasMonitors"]) == (
        "ERROR",
        "/fail",
        "e2e",
        False,
    )
    job = error["job"]
    assert (job["job"], job["position"], job["exitCode"], job["state"]["_text"]) == ("bad", "0", 3, "FAILED")
    assert (
        job["agentUrl"].startswith("https://127.0.0.1:")
        and job["taskId"] > 0
        and job["endTime"] >= job["startTime"]
    )
    assert "acknowledgement" not in error
    warnings = by_order["o-careful"]
    assert sorted(w["message"] for w in warnings) == [
        "The job ended with the warning return code 2",
        "The job wrote to its error channel (stderr)",
    ]
    assert {(w["type"], w["workflow"], w["job"]["criticality"]) for w in warnings} == {
        ("WARNING", "/ops/careful", "MAJOR")
    }
    assert {n["orderId"] for n in root.ok(NOTIFICATIONS, {"types": ["ERROR"]})["notifications"]} == {
        "o-fail",
        "o-flaky",
    }

    # Acknowledging: the permission is needed, unknown ids are refused, the acknowledgement is audit-logged.
    viewer = monitored.client("viewer", ("sos:products:joc:notification:view",))
    body = {"controllerId": "e2e", "notificationIds": [error["notificationId"]], "comment": "looking into it"}
    assert viewer.post(ACKNOWLEDGE, body).status == 403
    unknown = root.post(ACKNOWLEDGE, {**body, "notificationIds": [10**9]})
    assert (unknown.status, unknown.error["code"]) == (420, "JOC-404")
    answer = root.ok(ACKNOWLEDGE, {**body, "auditLog": {"comment": "ticket 42"}})
    assert (answer["acknowledgement"]["account"], answer["acknowledgement"]["comment"]) == (
        "root",
        "looking into it",
    )
    [acknowledged] = root.ok(NOTIFICATIONS, {"notificationIds": [error["notificationId"]]})["notifications"]
    assert acknowledged["acknowledgement"]["account"] == "root"
    assert acknowledged["acknowledgement"]["comment"] == "looking into it"
    assert [n["orderId"] for n in root.ok(NOTIFICATIONS, {"types": ["ACKNOWLEDGED"]})["notifications"]] == [
        "o-fail"
    ]
    [entry] = [e for e in _audit(monitored.running) if e.request == "./monitoring/notification/acknowledge"]
    assert (entry.account, entry.category.value, entry.comment, entry.controller_id) == (
        "root",
        "MONITORING",
        "ticket 42",
        "e2e",
    )

    # An account limited to a folder sees the notifications of its workflows only.
    ops = monitored.client("ops", ("sos:products:joc:notification:view",), ("/ops",))
    assert {n["orderId"] for n in ops.ok(NOTIFICATIONS, {})["notifications"]} == {"o-careful"}
    nobody = monitored.client("nobody", ("sos:products:joc:auditLog:view",))
    assert nobody.post(NOTIFICATIONS, {}).status == 403
