"""The contract of every notifier, against real receivers on 127.0.0.1: it delivers a notification (what it is
about and its message arrive), raises DeliveryFailed when the receiver fails, and wants only its types and
categories."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec
import pytest

from stellwerk.cockpit.services.monitor.classify import JobRules
from stellwerk.cockpit.services.monitor.notifiers import (
    CommandNotifier,
    DeliveryFailed,
    MailNotifier,
    Notifier,
    WebhookNotifier,
)
from stellwerk.cockpit.services.monitor.settings import (
    CommandNotifierSettings,
    MailNotifierSettings,
    WebhookNotifierSettings,
)
from stellwerk.cockpit.services.monitor.store import Notification
from tests.cockpit.services.monitor.receivers import Mail, smtp_server, webhook_server

FAILED = Notification(
    id=7,
    type="ERROR",
    category="ORDER",
    message="The job failed with return code 3",
    created=1_767_225_600_000,
    controller_id="e2e",
    order_id="o1",
    workflow_path="/fail",
    job_name="bad",
    return_code=3,
)
# What a delivery shows of FAILED, in whatever form the notifier sends it.
EXPECTED = ("The job failed with return code 3", "o1", "/fail", "bad")

# (notifier, what arrived as text) when working; a notifier whose receiver fails.
Case = tuple[Notifier, Callable[[], list[str]], Notifier]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _mail() -> Iterator[Case]:
    with smtp_server() as (port, received):
        settings = MailNotifierSettings(
            name="mail", host="127.0.0.1", port=port, sender="monitor@example.com", to=("ops@example.com",)
        )
        failing = MailNotifier(msgspec.structs.replace(settings, port=_closed_port()))

        def texts() -> list[str]:
            mails: list[Mail] = received.wait()
            return [f"{m.message['Subject']}\n{m.message.get_content()}" for m in mails]

        yield MailNotifier(settings), texts, failing


@contextmanager
def _webhook() -> Iterator[Case]:
    with webhook_server() as hook:
        settings = WebhookNotifierSettings(name="hook", url=hook.url, headers={"Authorization": "Bearer t"})
        failing = WebhookNotifier(
            msgspec.structs.replace(settings, url=hook.url.replace("/hook", "/nothing"))
        )

        def texts() -> list[str]:
            found = hook.received.wait()
            assert all(headers["Authorization"] == "Bearer t" for _, headers, _ in found)
            return [json.dumps(body) for body, _, _ in found]

        yield WebhookNotifier(settings), texts, failing


@contextmanager
def _command(tmp_path: Path) -> Iterator[Case]:
    out = tmp_path / "delivered.json"
    script = (
        "import json, os, sys\n"
        "got = {'stdin': json.load(sys.stdin), 'env': {k: v for k, v in os.environ.items() if k.startswith('JS7_')}}\n"
        f"open({str(out)!r}, 'w').write(json.dumps(got))\n"
    )
    settings = CommandNotifierSettings(name="command", command=(sys.executable, "-c", script))
    failing = CommandNotifier(
        msgspec.structs.replace(settings, command=(sys.executable, "-c", "raise SystemExit(1)"))
    )

    def texts() -> list[str]:
        got = json.loads(out.read_text())
        assert got["env"]["JS7_MONITOR_TYPE"] == "ERROR" and got["env"]["JS7_MONITOR_ORDER_ID"] == "o1"
        return [json.dumps(got["stdin"])]

    yield CommandNotifier(settings), texts, failing


@pytest.fixture(params=["mail", "webhook", "command"])
def case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Case]:
    makers = {"mail": _mail, "webhook": _webhook, "command": lambda: _command(tmp_path)}
    with makers[request.param]() as made:
        yield made


async def test_a_notifier_delivers_a_notification(case: Case) -> None:
    notifier, texts, _ = case
    await notifier.deliver(FAILED, None)
    [text] = texts()
    for expected in EXPECTED:
        assert expected in text


async def test_a_notifier_raises_when_its_receiver_fails(case: Case) -> None:
    _, _, failing = case
    with pytest.raises(DeliveryFailed):
        await failing.deliver(FAILED, None)


def test_a_notifier_wants_only_its_types_and_categories(case: Case) -> None:
    notifier, _, _ = case
    assert notifier.wants(FAILED)
    assert not notifier.wants(msgspec.structs.replace(FAILED, type="RECOVERED")), (
        "default types: ERROR, WARNING"
    )
    assert notifier.wants(msgspec.structs.replace(FAILED, type="WARNING", category="AGENT"))


async def test_mail_goes_to_the_configured_recipients_and_the_jobs_own() -> None:
    with smtp_server() as (port, received):
        settings = MailNotifierSettings(
            name="mail", host="127.0.0.1", port=port, sender="monitor@example.com", to=("ops@example.com",)
        )
        job = JobRules(mail_to="dev@example.com; ops@example.com", mail_bcc="audit@example.com")
        await MailNotifier(settings).deliver(FAILED, job)
        [mail] = received.wait()
    assert mail.sender == "monitor@example.com"
    assert mail.recipients == ["ops@example.com", "dev@example.com", "audit@example.com"]
    assert mail.message["To"] == "ops@example.com, dev@example.com"
    assert mail.message["Bcc"] is None
    assert mail.message["Subject"] == "Stellwerk ERROR [e2e]: /fail, job bad, order o1"


async def test_mail_without_recipients_fails() -> None:
    settings = MailNotifierSettings(
        name="mail", host="127.0.0.1", port=_closed_port(), sender="m@example.com"
    )
    with pytest.raises(DeliveryFailed, match="no recipients"):
        await MailNotifier(settings).deliver(FAILED, None)
