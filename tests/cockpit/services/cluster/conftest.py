"""The Cockpit cluster's tests run on every database backend, on empty tables (the `database` fixture)."""

from __future__ import annotations

from tests.cockpit.db.conftest import database

__all__ = ["database"]
