"""The Monitor's settings, part of the Cockpit's configuration: the notifiers (mail over SMTP, webhook, command),
each with the notification types and categories it delivers, and when a Controller or an Agent counts as lost.

JOC's XML notification configuration (`/notification/store`) is not read: these settings take its place."""

from __future__ import annotations

import msgspec

ORDER = "ORDER"
# Types and categories as JOC names them (monitoringNotificationTypeText, monitoringSystemNotificationCategoryText),
# ORDER for the notifications of jobs and orders.
TYPES = ("ERROR", "WARNING", "RECOVERED")
CATEGORIES = (ORDER, "SYSTEM", "JOC", "CONTROLLER", "AGENT")


class NotifierSettings(msgspec.Struct, frozen=True, kw_only=True):
    """What every notifier has: its name (shown with its deliveries) and what it delivers."""

    name: str
    types: tuple[str, ...] = ("ERROR", "WARNING")
    categories: tuple[str, ...] = CATEGORIES

    def wants(self, kind: str, category: str) -> bool:
        return kind in self.types and category in self.categories


class MailNotifierSettings(NotifierSettings, frozen=True, kw_only=True):
    """Mail over SMTP; `starttls` upgrades a plain connection, `tls` connects with TLS from the start. A job's
    own recipients (its inventory `notification.mail`) are added to `to`, `cc` and `bcc`."""

    host: str
    port: int = 25
    sender: str
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False
    timeout_seconds: float = 30.0


class WebhookNotifierSettings(NotifierSettings, frozen=True, kw_only=True):
    """An HTTP POST of the notification as JSON, with the headers given (e.g. Authorization)."""

    url: str
    headers: dict[str, str] = {}
    timeout_seconds: float = 30.0


class CommandNotifierSettings(NotifierSettings, frozen=True, kw_only=True):
    """A command run with the notification as JSON on its stdin and as JS7_MONITOR_* environment variables."""

    command: tuple[str, ...]
    timeout_seconds: float = 60.0


class MonitorSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`controller_lost_after_ms`: how long every node of a Controller must be unreachable from the Cockpit before
    it is notified, `agent_lost_after_ms` how long an Agent's coupling must have failed; `check_interval_ms`: how
    often both are checked; `retry_delays_ms`: the pauses before a failed delivery is tried again."""

    mail: tuple[MailNotifierSettings, ...] = ()
    webhooks: tuple[WebhookNotifierSettings, ...] = ()
    commands: tuple[CommandNotifierSettings, ...] = ()
    controller_lost_after_ms: int = 60_000
    agent_lost_after_ms: int = 60_000
    check_interval_ms: int = 5_000
    retry_delays_ms: tuple[int, ...] = (1_000, 5_000, 30_000)


class SettingsError(ValueError):
    """A Monitor settings file that does not decode; the message names the field."""


def read_settings(text: str) -> MonitorSettings:
    """The settings from TOML: `[[mail]]`, `[[webhooks]]`, `[[commands]]` tables and the top-level numbers."""
    try:
        return msgspec.toml.decode(text, type=MonitorSettings)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise SettingsError(str(error)) from None
