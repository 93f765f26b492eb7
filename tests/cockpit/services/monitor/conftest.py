"""The Monitor's service tests use the `database` fixture of the database tests (every backend, tables empty)."""

from __future__ import annotations

from tests.cockpit.db.conftest import database

__all__ = ["database"]
