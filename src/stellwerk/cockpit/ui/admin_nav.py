"""The Administration view's pages and the permission each needs: its tabs show those the account may open."""

from __future__ import annotations

from stellwerk.cockpit.api import audit_log, iam_support, log_notification
from stellwerk.cockpit.security.guard import Caller

SETTINGS_VIEW = "sos:products:joc:administration:settings:view"

PAGES = (
    ("Accounts", "/ui/admin", iam_support.VIEW),
    ("Audit log", "/ui/admin/audit", audit_log.VIEW),
    ("Notifications", "/ui/admin/notifications", log_notification.VIEW),
    ("Settings", "/ui/admin/settings", SETTINGS_VIEW),
)


def sections(caller: Caller) -> list[tuple[str, str]]:
    """The Administration pages the account may open: (title, path)."""
    return [(title, path) for title, path, needed in PAGES if caller.allows(needed)]
