"""A real Cockpit for API tests: `cockpit` serves the app over HTTP on 127.0.0.1 from a thread of its own, on
the test's database backend (SQLite, PostgreSQL, MariaDB) with every table emptied, the account root with
password ADMIN_PASSWORD; `joc` is a client logged in as root."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from stellwerk.cockpit.config import CockpitConfig, ControllerTls
from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import ControllerRole
from stellwerk.cockpit.db.repositories.controllers import ControllerNode, ControllerRepository
from stellwerk.cockpit.db.repositories.identity import AccountEntry, IdentityRepository
from stellwerk.cockpit.db.repositories.roles import FolderGrant, Permission, RoleRepository
from stellwerk.cockpit.db.repositories.settings import SettingsRepository
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.db.tables import Base
from stellwerk.cockpit.security.accounts import INTERNAL_SERVICE
from stellwerk.cockpit.security.passwords import hash_password
from stellwerk.cockpit.service import run_cockpit
from stellwerk.cockpit.services.cleanup.settings import SECTION as CLEANUP
from stellwerk.transport.client import NodeClient
from tests.cockpit.api.joc import Joc
from tests.cockpit.backends import run
from tests.e2e.nodes import COCKPIT, CONTROLLER, Installation

T = TypeVar("T")
ADMIN_PASSWORD = "admin-secret"


@dataclass
class RunningCockpit:
    """A Cockpit served in a background thread; `call` runs a coroutine on its loop (to look into its state)."""

    url: str
    cockpit: Cockpit
    loop: asyncio.AbstractEventLoop

    def call(self, make: Callable[[Cockpit], Awaitable[T]]) -> T:
        async def call() -> T:
            return await make(self.cockpit)

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(timeout=30)


async def _empty(url: str) -> None:
    """Empties every table and turns the daily Cleanup run off: tests store history dated in the past, which a
    Cleanup run inside its window (01:00–04:00 UTC by default) would purge under them."""
    database = Database.connect(url)
    async with database.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(table.delete())
        await SettingsRepository(session).put(CLEANUP, "period", "", 0)
    await database.close()


def serve_cockpit(config: CockpitConfig, **options: Any) -> Iterator[RunningCockpit]:
    """Serves a Cockpit until the generator is closed."""
    started: Future[RunningCockpit] = Future()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        try:
            tls = options.pop("tls", None)
            async with run_cockpit(config, "127.0.0.1", 0, tls=tls, **options) as running:
                started.set_result(RunningCockpit(running.url, running.cockpit, loop))
                await stop.wait()
        except BaseException as error:
            if not started.done():
                started.set_exception(error)
            raise

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    try:
        yield started.result(timeout=60)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        loop.close()


@pytest.fixture
def cockpit(database_url: str, tmp_path: Path) -> Iterator[RunningCockpit]:
    run(lambda: _empty(database_url))
    config = CockpitConfig(data_directory=tmp_path / "cockpit", database_url=database_url)
    yield from serve_cockpit(config, admin_password=ADMIN_PASSWORD)


@pytest.fixture
def joc(cockpit: RunningCockpit) -> Joc:
    client = Joc(cockpit.url)
    assert client.login("root", ADMIN_PASSWORD).status == 200
    return client


async def _add_account(
    cockpit: Cockpit, name: str, password: str, permissions: tuple[str, ...], folders: tuple[str, ...]
) -> None:
    role = f"role-of-{name}"
    async with cockpit.database.session() as db:
        roles = RoleRepository(db)
        await roles.store_role(INTERNAL_SERVICE, role)
        await roles.set_permissions(INTERNAL_SERVICE, role, [Permission(permission=p) for p in permissions])
        await roles.set_folders(INTERNAL_SERVICE, role, [FolderGrant(folder=f) for f in folders])
        entry = AccountEntry(name=name, password_hash=hash_password(password))
        await IdentityRepository(db).store_account(INTERNAL_SERVICE, entry, cockpit.now(), roles=[role])


@pytest.fixture
def account(cockpit: RunningCockpit) -> Callable[..., Joc]:
    """`account(name, permissions=(...), folders=(...))`: a logged-in client of a new account whose one role
    grants just these JOC permission names (and, when given, just these folders, recursively)."""

    def make(name: str, permissions: tuple[str, ...] = (), folders: tuple[str, ...] = ()) -> Joc:
        password = f"{name}-password"
        cockpit.call(lambda c: _add_account(c, name, password, permissions, folders))
        client = Joc(cockpit.url)
        assert client.login(name, password).status == 200
        return client

    return make


@dataclass
class ControllerNodes:
    """A real Controller (id `e2e`) and Agent `agentA` as processes, registered in the Cockpit."""

    installation: Installation
    controller_id: str
    url: str

    def client(self) -> NodeClient:
        """A client of the Controller's API with the Cockpit's certificate (use inside `run`)."""
        return self.installation.client()


async def _register(cockpit: Cockpit, controller_id: str, url: str) -> None:
    async with cockpit.database.session() as db:
        node = ControllerNode(controller_id=controller_id, role=ControllerRole.STANDALONE, url=url)
        await ControllerRepository(db).register([node], cockpit.now())
    cockpit.proxies.register(controller_id, (url,))


@pytest.fixture
def controller_cockpit(database_url: str, tmp_path: Path) -> Iterator[tuple[RunningCockpit, ControllerNodes]]:
    """A Cockpit with a registered, running Controller and Agent (real processes, mutual TLS between them and
    from the Cockpit to the Controller, with the certificates `stellwerk init` made)."""
    yield from serve_with_controller(database_url, tmp_path)


def serve_with_controller(
    database_url: str, tmp_path: Path, controller_config: str = "", **cockpit_options: Any
) -> Iterator[tuple[RunningCockpit, ControllerNodes]]:
    """`controller_cockpit`, with `controller_config` (TOML) added to the Controller's configuration and
    `cockpit_options` to the Cockpit's (CockpitConfig fields)."""
    run(lambda: _empty(database_url))
    installation = Installation(tmp_path / "installation")
    with (installation.folder / CONTROLLER / "node.toml").open("a") as config:
        config.write(controller_config)
    nodes = [installation.node(name) for name in (*installation.agent_names, CONTROLLER)]
    try:
        run(lambda: asyncio.gather(*(node.start() for node in nodes)))
        folder = installation.folder / COCKPIT
        tls = ControllerTls(
            certificate=folder / "node.pem",
            key=folder / "node-key.pem",
            ca=installation.folder / "ca" / "ca.pem",
        )
        config = CockpitConfig(
            data_directory=tmp_path / "cockpit",
            database_url=database_url,
            controller_tls=tls,
            **cockpit_options,
        )
        controller = ControllerNodes(installation, "e2e", installation.controller_url)
        for running in serve_cockpit(config, admin_password=ADMIN_PASSWORD):
            running.call(lambda c: _register(c, controller.controller_id, controller.url))
            yield running, controller
    finally:
        installation.clean_up()
