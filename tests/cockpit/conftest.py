"""The database every Cockpit test runs on: `database_url` is parametrized over SQLite, PostgreSQL and MariaDB
(one migrated database per server and test session, see backends.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.cockpit.backends import BACKENDS, SessionDatabases


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
