"""The resource API tests use the order API tests' Cockpit with a real Controller and Agent."""

from __future__ import annotations

from tests.cockpit.api.orders.conftest import audit_entries, controller_account, root

__all__ = ["audit_entries", "controller_account", "root"]
