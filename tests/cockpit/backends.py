"""The database servers the Cockpit's tests run on: SQLite always, PostgreSQL and MariaDB when they answer.

Each test session creates one uniquely named database per server (`stellwerk_test_<random>`), migrates it once and
drops it at the end; no other database is touched. Tests get it with every table emptied. A server that does not
answer skips its tests with the reason, except under `CI=true`, where it fails them (CI has both servers).
Admin URLs can be overridden by STELLWERK_TEST_POSTGRESQL_URL and STELLWERK_TEST_MARIADB_URL.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from stellwerk.cockpit.db.migrate import migrate

T = TypeVar("T")
BACKENDS = ("sqlite", "postgresql", "mariadb")
# For a module testing a layer above the database (the UI over the API's handlers, ending processes), whose
# database work the handlers' own tests cover on every backend: it runs on SQLite only, to keep `make test` short.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@dataclass(frozen=True)
class Server:
    """A database server and how to create and drop a database on it."""

    label: str
    admin_url: str
    create: str
    drop: str

    @property
    def address(self) -> tuple[str, int]:
        url = make_url(self.admin_url)
        return url.host or "127.0.0.1", url.port or 0


SERVERS = {
    "postgresql": Server(
        "PostgreSQL",
        os.environ.get(
            "STELLWERK_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        "CREATE DATABASE {name}",
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)",
    ),
    "mariadb": Server(
        "MariaDB",
        os.environ.get("STELLWERK_TEST_MARIADB_URL", "mysql+asyncmy://root@127.0.0.1:3306/test"),
        "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        "DROP DATABASE IF EXISTS {name}",
    ),
}


def run(make: Callable[[], Awaitable[T]]) -> T:
    """Runs a coroutine to the end on a loop of its own (in a thread, so no test's loop is disturbed)."""

    async def call() -> T:
        return await make()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, call()).result()


def answers(server: Server) -> bool:
    """Whether something listens on the server's port."""
    try:
        with socket.create_connection(server.address, timeout=1):
            return True
    except OSError:
        return False


async def _execute(admin_url: str, statement: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@dataclass
class SessionDatabases:
    """The databases of one test session, created on first use: backend → URL, or the reason it is missing."""

    directory: Path
    urls: dict[str, str | ConnectionError] = field(default_factory=dict)
    created: list[tuple[Server, str]] = field(default_factory=list)

    def url(self, backend: str) -> str | ConnectionError:
        if backend not in self.urls:
            try:
                self.urls[backend] = self._create(backend)
            except ConnectionError as problem:  # the fixture skips (or, in CI, fails) with it
                self.urls[backend] = problem
        return self.urls[backend]

    def _create(self, backend: str) -> str:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{self.directory / 'cockpit.db'}"
        else:
            server = SERVERS[backend]
            host, port = server.address
            if not answers(server):
                raise ConnectionError(f"{server.label} not reachable on {host}:{port}")
            name = f"stellwerk_test_{secrets.token_hex(6)}"
            try:
                run(lambda: _execute(server.admin_url, server.create.format(name=name)))
            except OperationalError as problem:  # refused login, unknown database, …
                raise ConnectionError(
                    f"{server.label} on {host}:{port} is not usable: {problem.orig}"
                ) from problem
            self.created.append((server, name))
            url = make_url(server.admin_url).set(database=name).render_as_string(hide_password=False)
        run(lambda: migrate(url))
        return url

    def drop_all(self) -> None:
        for server, name in self.created:
            run(lambda: _execute(server.admin_url, server.drop.format(name=name)))  # noqa: B023 - run at once
