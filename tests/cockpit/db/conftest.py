"""The one `database` fixture of the Cockpit's database tests: every test runs on SQLite, PostgreSQL and MariaDB,
each time on empty tables of a database migrated to head (see backends.py)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.db.tables import Base
from tests.cockpit.db.backends import BACKENDS, SessionDatabases


@pytest.fixture(scope="session")
def test_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionDatabases]:
    databases = SessionDatabases(tmp_path_factory.mktemp("cockpit-db"))
    yield databases
    databases.drop_all()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, test_databases: SessionDatabases) -> str:
    """The URL of this session's migrated database on the backend."""
    url = test_databases.url(request.param)
    if isinstance(url, ConnectionError):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{url} (CI has every database server)")
        pytest.skip(str(url))
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A Database on the backend, every table empty."""
    database = Database.connect(database_url)
    async with database.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(table.delete())
    yield database
    await database.close()
