"""The browser UI's pages timed as a browser gets them (issue #7: no page waits more than 300 ms on the server,
with 10,000 orders and 1,000,000 history rows): a logged-in session (cookie and CSRF token, as a browser has
them), then each page asked `runs` times; p50 and p95 from the request to the answer's last byte.

Used by bench/cockpit.py after it has filled the Controller and the history; the pages are the dashboard, the
orders list (first page and one deep in it), an order, the workflows and one workflow with its graph, the daily
plan, the history (first page and the one after it, by cursor, and the day's timeline), the inventory's editor
and folder view, the Agents, the Resources, and the Administration's accounts and audit log."""

from __future__ import annotations

import re
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import NamedTuple


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class UiSession:
    """Plain HTTP with the UI's session cookie; redirects are answers, not followed."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookies = CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects
        )

    def get(self, path: str, form: dict[str, str] | None = None) -> tuple[int, bytes]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self._opener.open(urllib.request.Request(self.url + path, data=data), timeout=60) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def log_in(self, account: str, password: str) -> None:
        self.get("/ui/login")
        csrf = next((c.value for c in self.cookies if c.name == "stellwerk_csrf"), "")
        status, _ = self.get(
            "/ui/login", {"csrf": csrf or "", "account": account, "password": password, "next": "/ui/"}
        )
        if status != 303:
            raise RuntimeError(f"UI login answered {status}")


class PageTiming(NamedTuple):
    label: str
    p50: float
    p95: float
    size_kb: float


def pages(controller_id: str, workflow_path: str, order_id: str, session: UiSession) -> dict[str, str]:
    """Label -> path of each page to time; the deep pages' cursors are read off the first pages."""
    quoted = urllib.parse.quote
    found = {
        "dashboard": "/ui/",
        "orders": f"/ui/orders?controller={controller_id}",
        "order": f"/ui/order?controller={controller_id}&id={quoted(order_id)}",
        "workflows": f"/ui/workflows?controller={controller_id}",
        "workflow": f"/ui/workflow?controller={controller_id}&path={quoted(workflow_path)}",
        "dailyplan": f"/ui/dailyplan?controller={controller_id}",
        "history": f"/ui/history?controller={controller_id}",
        "inventory": "/ui/inventory",
        "inventory tree": "/ui/inventory/tree",
        "history timeline": f"/ui/history/timeline?controller={controller_id}",
        "agents": f"/ui/agents?controller={controller_id}",
        "resources": f"/ui/resources?controller={controller_id}",
        "administration": "/ui/admin",
        "audit log": "/ui/admin/audit",
    }
    for label, base in (("orders", found["orders"]), ("history", found["history"])):
        _, first = session.get(base)
        following = re.search(rb'href="(\?[^"]*)" rel="next"', first)
        if following is not None:
            found[f"{label} (next page)"] = base.split("?")[0] + following[1].decode().replace("&amp;", "&")
    return found


def time_pages(session: UiSession, paths: dict[str, str], runs: int) -> list[PageTiming]:
    timings = []
    for label, path in paths.items():
        samples, size = [], 0
        for _ in range(runs):
            began = time.perf_counter()
            status, body = session.get(path)
            samples.append((time.perf_counter() - began) * 1000)
            if status != 200:
                raise RuntimeError(f"{label} ({path}) answered {status}: {body[:300]!r}")
            size = len(body)
        p95 = statistics.quantiles(samples, n=20)[-1]
        timings.append(PageTiming(label, statistics.median(samples), p95, size / 1024))
    return timings
