"""Fixtures of the browser tests: a running system (Controller and Agent processes as `stellwerk init` makes
them, a `stellwerk cockpit` process over plain HTTP on loopback, the examples deployed through the Cockpit) and
Debian's headless chromium driven by Playwright. Every page fails its test on a console error. Without chromium
the tests are skipped and say why."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import sync_playwright

from stellwerk.cli.seeding import deploy_folder
from tests.cockpit.api.joc import Joc
from tests.e2e.nodes import CONTROLLER, Installation, NodeProcess, free_port, spawn

CHROMIUM = os.environ.get("STELLWERK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
EXAMPLES = Path(__file__).parent.parent.parent.parent / "examples"
PASSWORD = "pw"
CONTROLLER_ID = "e2e"  # the id Installation gives its Controller
AGENT = "agent"  # the Agent the examples name


@pytest.fixture(scope="package", autouse=True)
def chromium() -> str:
    """Debian's chromium, or the browser tests are skipped (before any system is started) and say why."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@dataclass
class System:
    """The running system: its Cockpit's URL, the Controller and Agent processes, a JOC client as root."""

    url: str
    installation: Installation
    nodes: dict[str, NodeProcess]
    joc: Joc


def _wait_for_cockpit(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> Joc:
    joc = Joc(url, timeout=5)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the Cockpit ended:\n{log.read_text()}")
        try:
            if joc.login("root", PASSWORD).status == 200:
                return joc
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the Cockpit did not answer within {seconds} s:\n{log.read_text()}")


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    folder = tmp_path_factory.mktemp("browser")
    installation = Installation(folder / "installation", (AGENT,))
    nodes = {name: installation.node(name) for name in (AGENT, CONTROLLER)}
    cockpit: subprocess.Popen[bytes] | None = None
    try:

        async def start() -> None:
            await asyncio.gather(*(node.start() for node in nodes.values()))

        asyncio.run(start())
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        data = installation.folder / "cockpit"
        log = folder / "cockpit.log"
        cockpit = spawn(
            [
                "-m", "stellwerk", "cockpit", "--data", str(data), "--port", str(port), "--http",
                "--admin-password", PASSWORD, "--ca", str(installation.folder / "ca" / "ca.pem"),
                "--controller", f"{CONTROLLER_ID}={installation.controller_url}",
            ],
            log,
        )  # fmt: skip
        joc = _wait_for_cockpit(url, cockpit, log)
        with (
            warnings.catch_warnings()
        ):  # seeding logs in with aiohttp's BasicAuth, deprecated in aiohttp 3.14
            warnings.simplefilter("ignore", DeprecationWarning)
            asyncio.run(deploy_folder(url, None, PASSWORD, EXAMPLES, CONTROLLER_ID))
        yield System(url=url, installation=installation, nodes=nodes, joc=joc)
    finally:
        if cockpit is not None:
            cockpit.terminate()
            try:
                cockpit.wait(20)
            except subprocess.TimeoutExpired:
                cockpit.kill()
                cockpit.wait()
        installation.clean_up()


@pytest.fixture(scope="package")
def browser(chromium: str) -> Iterator[Any]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield launched
        launched.close()


class Pages:
    """Browser pages of one test at a viewport; every console error and page error is collected."""

    def __init__(self, browser: Any, viewport: dict[str, int]) -> None:
        self._context = browser.new_context(viewport=viewport)
        self._context.set_default_timeout(15_000)
        self.errors: list[str] = []

    def new(self) -> Any:
        page = self._context.new_page()
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    def close(self) -> None:
        self._context.close()


def log_in(page: Any, url: str, account: str = "root", password: str = PASSWORD) -> None:
    page.goto(f"{url}/ui/login")
    page.fill("#account", account)
    page.fill("#password", password)
    page.click("form[action='/ui/login'] button[type=submit]")
    page.wait_for_url(f"{url}/ui/")


@pytest.fixture
def pages(browser: Any) -> Iterator[Pages]:
    opened = Pages(browser, {"width": 1280, "height": 800})
    yield opened
    opened.close()
    assert not opened.errors, f"errors in the browser's console: {opened.errors}"


def views(base: str, order_id: str, log_order_id: str | None = None) -> dict[str, str]:
    """Every view of the UI under `base` (…/ui), the order view showing `order_id` and the log view the latest
    run of `log_order_id` (default: `order_id`)."""
    log_of = quote(log_order_id or order_id, safe="")
    return {
        "dashboard": f"{base}/",
        "orders": f"{base}/orders?controller={CONTROLLER_ID}",
        "order": f"{base}/order?controller={CONTROLLER_ID}&id={quote(order_id, safe='')}",
        "log": f"{base}/logs/order?controller={CONTROLLER_ID}&order={log_of}",
        "workflows": f"{base}/workflows?controller={CONTROLLER_ID}",
        "workflow": f"{base}/workflow?controller={CONTROLLER_ID}&path={quote('/parallel/forkJoin')}",
        "add-order": f"{base}/orders/add?controller={CONTROLLER_ID}&workflow={quote('/basics/hello')}",
        "dailyplan": f"{base}/dailyplan",
        "history": f"{base}/history?controller={CONTROLLER_ID}",
        "history-timeline": f"{base}/history/timeline?controller={CONTROLLER_ID}",
        "inventory": f"{base}/inventory?path={quote('/basics/hello')}",
        "inventory-tree": f"{base}/inventory/tree?folder={quote('/basics')}",
        "inventory-trash": f"{base}/inventory/tree/trash",
        "inventory-changes": f"{base}/inventory/tree/changes?path={quote('/basics/hello')}&type=WORKFLOW",
        "password": f"{base}/password",
        "resources": f"{base}/resources?controller={CONTROLLER_ID}",
        "agents": f"{base}/agents?controller={CONTROLLER_ID}",
        "admin": f"{base}/admin",
        "admin-audit": f"{base}/admin/audit",
        "admin-notifications": f"{base}/admin/notifications",
        "admin-settings": f"{base}/admin/settings",
    }
