"""Engines and sessions: `create_engine(url)` with the pragmas and pool settings of each backend, and `Database`,
the handle the Cockpit's services share.

URLs: `sqlite+aiosqlite:///path` (the embedded default, a file in the data directory), `postgresql+psycopg://…`,
`mysql+asyncmy://…` (MariaDB). SQLite serves one Cockpit; a Cockpit cluster needs PostgreSQL or MariaDB.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

DATABASE_FILE = "cockpit.db"
BUSY_TIMEOUT_MS = 10_000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)


def default_url(data_directory: Path) -> str:
    """The embedded database: a SQLite file in the data directory."""
    return f"sqlite+aiosqlite:///{data_directory / DATABASE_FILE}"


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver's own BEGIN is replaced by _begin_immediate
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


READ_ONLY = "stellwerk_read_only"


def _begin_immediate(connection: Any) -> None:
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
        return
    # A deferred transaction that reads first and writes later fails at once with "database is locked" when
    # another connection wrote in between (WAL cannot upgrade its old snapshot; the busy timeout does not help).
    # Taking the write lock at BEGIN makes concurrent transactions wait for each other instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


# Servers close idle connections (MariaDB after wait_timeout): check before use, renew after half an hour.
SERVER_POOL: dict[str, Any] = {
    "pool_size": 10,
    "max_overflow": 20,
    "pool_pre_ping": True,
    "pool_recycle": 1800,
}


def create_engine(url: str | URL) -> AsyncEngine:
    """An async engine for the URL: SQLite with WAL, foreign keys, NORMAL sync, a busy timeout on every
    connection and transactions that take the write lock when they begin; PostgreSQL and MariaDB with a pre-pinged, recycled pool (MariaDB with utf8mb4)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = create_async_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
        return engine
    if backend in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return create_async_engine(parsed, **SERVER_POOL)


class Database:
    """The Cockpit's database: one engine, and sessions that commit when their block ends without an exception
    (and roll back when it raises). Repositories work inside one session, so one block is one transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
        self._readers = async_sessionmaker(
            engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False, autoflush=True
        )

    @classmethod
    def connect(cls, url: str | URL) -> Database:
        """A Database on a new engine for the URL (no connection is opened yet)."""
        return cls(create_engine(url))

    @property
    def backend(self) -> str:
        """`sqlite`, `postgresql` or `mysql` (MariaDB)."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction, committed at the end of the block."""
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only: on SQLite it does not take the write lock, so it neither waits for writers
        nor makes them wait (it must not write: a deferred transaction cannot take the lock later)."""
        async with self._readers() as session, session.begin():
            yield session

    async def close(self) -> None:
        """Closes every pooled connection."""
        await self.engine.dispose()
