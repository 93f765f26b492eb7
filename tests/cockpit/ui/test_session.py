"""The UI's session over HTTP, on every database: login through the identity services into an HttpOnly
SameSite cookie, the CSRF check of every POST, the login page for a browser without a session, the 403 page
for a view the account's roles do not grant, a wrong old password when changing it, and logout ending the
session for the API too."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.cookiejar import CookieJar

from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit
from tests.cockpit.api.joc import Joc


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    """Plain HTTP with cookies, redirects not followed: (status, Location or body)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookies = CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects
        )
        self.set_cookie_headers: list[str] = []

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def request(
        self,
        path: str,
        form: dict[str, str] | list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self._opener.open(
                urllib.request.Request(f"{self.url}{path}", data=data, headers=headers or {}), timeout=30
            ) as answer:
                self.set_cookie_headers += answer.headers.get_all("Set-Cookie") or []
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            self.set_cookie_headers += error.headers.get_all("Set-Cookie") or []
            return error.code, error.headers.get("Location") or error.read().decode()

    def log_in(self, account: str, password: str) -> tuple[int, str]:
        self.request("/ui/login")
        csrf = self.cookie("stellwerk_csrf") or ""
        return self.request(
            "/ui/login", {"csrf": csrf, "account": account, "password": password, "next": "/ui/"}
        )


def test_a_browser_logs_in_with_a_cookie_and_every_post_needs_the_csrf_token(cockpit: RunningCockpit) -> None:
    browser = Browser(cockpit.url)
    assert browser.request("/ui/orders") == (303, "/ui/login?next=/ui/orders")
    status, page = browser.request("/ui/login")
    csrf = browser.cookie("stellwerk_csrf")
    assert status == 200 and csrf and f'value="{csrf}"' in page
    forged = {"csrf": "forged", "account": "root", "password": ADMIN_PASSWORD}
    assert browser.request("/ui/login", forged)[0] == 403
    status, page = browser.log_in("root", "wrong")
    assert status == 401 and "Wrong account or password" in page
    assert browser.log_in("root", ADMIN_PASSWORD) == (303, "/ui/")
    session = browser.cookie("stellwerk_session")
    assert session
    assert any(
        re.search(r"stellwerk_session=.*HttpOnly.*SameSite=strict", h, re.I)
        for h in browser.set_cookie_headers
    )
    assert (
        Joc(cockpit.url, token=session).post("/joc/api/authentication/joc_cockpit_permissions").status == 200
    )
    status, page = browser.request("/ui/password")
    assert status == 200 and "Change password" in page
    assert browser.request("/ui/logout", {})[0] == 403  # no CSRF token: the session stays
    assert browser.request("/ui/logout", {"csrf": browser.cookie("stellwerk_csrf") or ""}) == (
        303,
        "/ui/login",
    )
    assert (
        Joc(cockpit.url, token=session).post("/joc/api/authentication/joc_cockpit_permissions").status == 401
    )


def test_a_view_the_roles_do_not_grant_is_refused_and_not_offered(
    cockpit: RunningCockpit, account: Callable[..., Joc]
) -> None:
    account("viewer", permissions=("sos:products:controller:view",))
    browser = Browser(cockpit.url)
    assert browser.log_in("viewer", "viewer-password") == (303, "/ui/")
    status, page = browser.request("/ui/password")
    assert status == 200 and 'href="/ui/orders"' not in page and 'href="/ui/workflows"' not in page
    status, page = browser.request("/ui/orders")
    assert status == 403 and "403" in page and "sos:products:controller:orders:view" in page
    csrf = browser.cookie("stellwerk_csrf") or ""
    status, page = browser.request("/ui/password", {
        "csrf": csrf, "old_password": "not-it", "password": "new-secret-1", "repeated_password": "new-secret-1",
    })  # fmt: skip
    assert status == 400 and "old password is wrong" in page
