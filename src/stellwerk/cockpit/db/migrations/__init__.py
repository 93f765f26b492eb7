"""Alembic migrations of the Cockpit's database, shipped with the package and applied on start."""

from __future__ import annotations
