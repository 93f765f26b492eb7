"""The Administration view's accounts page on every database: identity services, accounts, roles with their
permissions and folders, the blocklist; adding an account that then logs in, blocking and unblocking it,
resetting its password to the service's initial one; the CSRF check and bad input changing nothing; an account
that may only view sees no controls and is refused a change, one without the permission gets 403."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit
from tests.cockpit.api.iam.conftest import audit_requests, set_settings
from tests.cockpit.api.joc import Joc
from tests.cockpit.ui.test_session import Browser

ACCOUNTS_VIEW = "sos:products:joc:administration:accounts:view"


def _logged_in(running: RunningCockpit, account: str, password: str) -> Browser:
    browser = Browser(running.url)
    assert browser.log_in(account, password) == (303, "/ui/")
    return browser


def _post(browser: Browser, path: str, form: dict[str, str], csrf: str | None = None) -> tuple[int, str]:
    token = browser.cookie("stellwerk_csrf") or "" if csrf is None else csrf
    return browser.request(path, {"csrf": token, "service": "JOC", **form})


def _accounts(page: str) -> dict[str, str]:
    """The accounts the page lists with their rows' markers (blocked, disabled)."""
    return {name: marks.strip() for name, marks in re.findall(r'<tr data-account="([^"]+)"([^>]*)>', page)}


def test_accounts_are_listed_added_blocked_unblocked_and_their_passwords_reset(
    cockpit: RunningCockpit, account: Callable[..., Joc]
) -> None:
    account("reader", permissions=(ACCOUNTS_VIEW,), folders=("/reports",))
    root = _logged_in(cockpit, "root", ADMIN_PASSWORD)
    status, page = root.request("/ui/admin")
    assert status == 200 and 'href="/ui/admin" aria-current="page"' in page
    assert 'data-service="JOC"' in page and set(_accounts(page)) == {"root", "reader"}
    assert 'data-role="role-of-reader"' in page and f"<code>{ACCOUNTS_VIEW}</code>" in page
    assert "<code>/reports (recursive)</code>" in page and "No account is blocked." in page

    form = {"account": "alice", "password": "alice-secret", "roles": "role-of-reader"}
    assert _post(root, "/ui/admin/accounts/add", form, csrf="forged")[0] == 403
    assert "alice" not in _accounts(root.request("/ui/admin")[1])
    status, answer = _post(root, "/ui/admin/accounts/add", form)
    assert status == 200 and "Added the account alice" in answer
    status, answer = _post(root, "/ui/admin/accounts/add", form)
    assert status == 409 and "alice exists already" in answer
    status, answer = _post(root, "/ui/admin/accounts/add", {"account": "<bob>"})
    assert status == 400 and "accountName" in answer
    status, block = root.request("/ui/admin/accounts?service=JOC")
    assert status == 200 and _accounts(block)["alice"] == "" and "role-of-reader" in block
    assert "<bob>" not in block and "&lt;bob&gt;" not in block
    _logged_in(cockpit, "alice", "alice-secret")

    status, answer = _post(root, "/ui/admin/accounts/block", {"account": "alice"})
    assert status == 200 and "Blocked alice" in answer
    page = root.request("/ui/admin")[1]
    assert _accounts(page)["alice"] == "data-blocked" and 'data-blocked-name="alice"' in page
    assert Browser(cockpit.url).log_in("alice", "alice-secret")[0] == 401
    assert _post(root, "/ui/admin/accounts/unblock", {"account": "alice"})[0] == 200
    assert _accounts(root.request("/ui/admin")[1])["alice"] == ""

    status, answer = _post(root, "/ui/admin/accounts/resetpassword", {"account": "alice"})
    assert status == 400 and "initialPassword" in answer
    set_settings(cockpit, {"initialPassword": "initial-pw"})
    assert _post(root, "/ui/admin/accounts/resetpassword", {"account": "alice"})[0] == 200
    assert Browser(cockpit.url).log_in("alice", "initial-pw") == (303, "/ui/password")
    assert {"./iam/account/store", "./iam/blockedAccount/store", "./iam/blockedAccounts/delete"} <= set(
        audit_requests(cockpit)
    )


def test_viewing_accounts_shows_no_controls_and_changing_them_is_refused(
    cockpit: RunningCockpit, account: Callable[..., Joc]
) -> None:
    account("reader", permissions=(ACCOUNTS_VIEW,))
    reader = _logged_in(cockpit, "reader", "reader-password")
    status, page = reader.request("/ui/admin")
    assert status == 200 and "root" in _accounts(page)
    assert "hx-post" not in page and "Add an account" not in page
    status, answer = _post(reader, "/ui/admin/accounts/block", {"account": "root"})
    assert status == 403 and "sos:products:joc:administration:accounts:manage" in answer
    assert _accounts(reader.request("/ui/admin")[1])["root"] == ""

    account("stranger", permissions=("sos:products:controller:view",))
    stranger = _logged_in(cockpit, "stranger", "stranger-password")
    assert 'href="/ui/admin"' not in stranger.request("/ui/password")[1]
    for path, needed in (
        ("/ui/admin", ACCOUNTS_VIEW),
        ("/ui/admin/audit", "sos:products:joc:auditLog:view"),
        ("/ui/admin/notifications", "sos:products:joc:notification:view"),
        ("/ui/admin/settings", "sos:products:joc:administration:settings:view"),
    ):
        status, page = stranger.request(path)
        assert status == 403 and needed in page, path
