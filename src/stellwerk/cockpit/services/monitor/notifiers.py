"""The Monitor's notifiers, the plug-in point that delivers a notification: by mail over SMTP (stdlib `smtplib`
in a thread), by a webhook (an HTTP POST of JSON) and by a command (the JSON on its stdin, the main fields in its
environment). A delivery that fails raises `DeliveryFailed`; the service logs it and tries again."""

from __future__ import annotations

import asyncio
import json
import os
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Generic, Protocol, TypeVar

import aiohttp

from stellwerk.cockpit.services.joc_time import iso
from stellwerk.cockpit.services.monitor.classify import JobRules
from stellwerk.cockpit.services.monitor.settings import (
    CommandNotifierSettings,
    MailNotifierSettings,
    MonitorSettings,
    NotifierSettings,
    WebhookNotifierSettings,
)
from stellwerk.cockpit.services.monitor.store import Notification

SettingsT = TypeVar("SettingsT", bound=NotifierSettings)


class DeliveryFailed(Exception):
    """A notifier could not deliver; the message says why."""


class Notifier(Protocol):
    """Delivers notifications of the types and categories it wants."""

    @property
    def name(self) -> str: ...

    def wants(self, notification: Notification) -> bool: ...

    async def deliver(self, notification: Notification, job: JobRules | None) -> None:
        """Delivers or raises DeliveryFailed; `job` is the step's job (its own mail recipients), if any."""
        ...


def subject(notification: Notification) -> str:
    """A one-line summary: type, then what it is about."""
    if notification.order_id is not None:
        about = f"{notification.workflow_path}, job {notification.job_name}, order {notification.order_id}"
    else:
        about = f"{notification.category} {notification.source or ''}".strip()
    controller = f" [{notification.controller_id}]" if notification.controller_id else ""
    return f"Stellwerk {notification.type}{controller}: {about}"


def body(notification: Notification) -> str:
    """The notification as readable lines (JOC's names of the fields, times in UTC)."""
    lines = [notification.message, ""]
    for name, value in notification.to_dict().items():
        if name != "message":
            shown = (
                iso(value)
                if name in ("created", "startTime", "endTime") and isinstance(value, int)
                else value
            )
            lines.append(f"{name}: {shown}")
    return "\n".join(lines) + "\n"


def _recipients(configured: Sequence[str], own: str | None) -> list[str]:
    extra = [address.strip() for address in (own or "").replace(";", ",").split(",") if address.strip()]
    return list(dict.fromkeys([*configured, *extra]))


class _Configured(Generic[SettingsT]):
    """A notifier's name and choice of notifications, from its settings."""

    def __init__(self, settings: SettingsT) -> None:
        self.settings = settings

    @property
    def name(self) -> str:
        return self.settings.name

    def wants(self, notification: Notification) -> bool:
        return self.settings.wants(notification.type, notification.category)


class MailNotifier(_Configured[MailNotifierSettings]):
    """Mail over SMTP: one message per notification to the configured recipients and the job's own."""

    async def deliver(self, notification: Notification, job: JobRules | None) -> None:
        settings = self.settings
        to = _recipients(settings.to, job.mail_to if job else None)
        cc = _recipients(settings.cc, job.mail_cc if job else None)
        bcc = _recipients(settings.bcc, job.mail_bcc if job else None)
        if not to + cc + bcc:
            raise DeliveryFailed(f"mail notifier {self.name}: no recipients")
        message = EmailMessage()
        message["Subject"] = subject(notification)
        message["From"] = settings.sender
        if to:
            message["To"] = ", ".join(to)
        if cc:
            message["Cc"] = ", ".join(cc)
        message.set_content(body(notification))
        try:
            await asyncio.to_thread(self._send, message, [*to, *cc, *bcc])
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(f"mail notifier {self.name}: {error}") from error

    def _send(self, message: EmailMessage, recipients: list[str]) -> None:
        settings = self.settings
        timeout = settings.timeout_seconds
        if settings.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user is not None:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(message, to_addrs=recipients)


class WebhookNotifier(_Configured[WebhookNotifierSettings]):
    """An HTTP POST of the notification's JSON (`to_dict`, with `subject`); any status but 2xx is a failure."""

    async def deliver(self, notification: Notification, job: JobRules | None) -> None:
        payload = {**notification.to_dict(), "subject": subject(notification)}
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_seconds)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(self.settings.url, json=payload, headers=self.settings.headers) as response,
            ):
                if response.status // 100 != 2:
                    raise DeliveryFailed(f"webhook {self.name}: HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryFailed(f"webhook {self.name}: {error!r}") from error


class CommandNotifier(_Configured[CommandNotifierSettings]):
    """A command run per notification: its JSON on stdin, JS7_MONITOR_TYPE, _CATEGORY, _MESSAGE, _SUBJECT,
    _CONTROLLER_ID, _ORDER_ID, _WORKFLOW, _JOB, _SOURCE in the environment; an exit code but 0 is a failure."""

    async def deliver(self, notification: Notification, job: JobRules | None) -> None:
        fields = {
            "TYPE": notification.type,
            "CATEGORY": notification.category,
            "MESSAGE": notification.message,
            "SUBJECT": subject(notification),
            "CONTROLLER_ID": notification.controller_id,
            "ORDER_ID": notification.order_id,
            "WORKFLOW": notification.workflow_path,
            "JOB": notification.job_name,
            "SOURCE": notification.source,
        }
        env = {**os.environ, **{f"JS7_MONITOR_{k}": v for k, v in fields.items() if v is not None}}
        try:
            process = await asyncio.create_subprocess_exec(
                *self.settings.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env=env,
            )
        except OSError as error:
            raise DeliveryFailed(f"command {self.name}: {error}") from error
        stdin = json.dumps(notification.to_dict()).encode()
        try:
            _, stderr = await asyncio.wait_for(process.communicate(stdin), self.settings.timeout_seconds)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise DeliveryFailed(
                f"command {self.name}: no end after {self.settings.timeout_seconds} s"
            ) from None
        if process.returncode != 0:
            detail = stderr.decode(errors="replace").strip()[-500:]
            raise DeliveryFailed(f"command {self.name}: exit code {process.returncode}: {detail}")


def notifiers(settings: MonitorSettings) -> list[Notifier]:
    """The notifiers the settings configure."""
    found: list[Notifier] = [MailNotifier(s) for s in settings.mail]
    found.extend(WebhookNotifier(s) for s in settings.webhooks)
    found.extend(CommandNotifier(s) for s in settings.commands)
    return found
