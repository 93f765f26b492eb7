"""The Cleanup tests run on the Cockpit's database tests' `database` fixture (SQLite, PostgreSQL, MariaDB)."""

from __future__ import annotations

from tests.cockpit.db.conftest import database

__all__ = ["database"]
