"""The Cleanup tests run on the Cockpit's database tests' `database` fixture (SQLite, PostgreSQL, MariaDB) and on
the API tests' served Cockpit."""

from __future__ import annotations

from tests.cockpit.api.conftest import cockpit, joc
from tests.cockpit.db.conftest import database

__all__ = ["cockpit", "database", "joc"]
