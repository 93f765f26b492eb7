"""The `database` fixture of the Cockpit's database tests: every test runs on SQLite, PostgreSQL and MariaDB
(`database_url`, tests/cockpit/conftest.py), each time on empty tables of a database migrated to head."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.db.tables import Base


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A Database on the backend, every table empty."""
    database = Database.connect(database_url)
    async with database.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(table.delete())
    yield database
    await database.close()
